"""Shows: load a rundown, start, pause, resume, skip, stop, status; several per server."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException

from models.types import InputError

from ...show.loader import load_rundown, parse_rundown
from ...show.rundown import RundownError
from ..deps import Host, Session, State, Viewer
from ..schemas import OkOut, ShowIn

router = APIRouter(prefix="/v1/shows", tags=["shows"])


def _rundown_error(exc: InputError) -> HTTPException:
    problems = [str(p) for p in getattr(exc, "problems", [])] or [str(exc)]
    return HTTPException(422, {"message": "invalid rundown", "problems": problems})


@router.get("")
async def list_shows(state: State, _: Viewer) -> list[dict[str, Any]]:
    return [s.status() for s in state.sessions.values()]


@router.post("", status_code=201)
async def create_show(body: ShowIn, state: State, _: Host) -> dict[str, Any]:
    """Create a show (a new character) from rundown YAML text or a server-side path."""
    if body.rundown_yaml and body.rundown_path:
        raise HTTPException(422, "give rundown_yaml or rundown_path, not both")
    try:
        if body.rundown_yaml:
            rundown = parse_rundown(body.rundown_yaml, name="rundown_yaml")
        elif body.rundown_path:
            rundown = await asyncio.to_thread(load_rundown, Path(body.rundown_path))
        else:
            rundown = None
    except (RundownError, InputError) as exc:
        raise _rundown_error(exc) from None
    show_id = body.id or (rundown.id if rundown else uuid.uuid4().hex[:8])
    if show_id in state.sessions:
        raise HTTPException(409, f"show {show_id!r} already exists")
    session = await state.create(show_id, rundown)  # returns once warm (voice, frame)
    if body.start and rundown is not None:
        state.start_show(session)
    return session.status()


@router.get("/{show_id}")
async def show_status(session: Session, _: Viewer) -> dict[str, Any]:
    return session.status()


@router.get("/{show_id}/log")
async def show_log(show_id: str, state: State, _: Host, limit: int = 1000) -> list[dict]:
    events = await asyncio.to_thread(state.store.show_events, show_id, max(1, min(limit,
                                                                                 10000)))
    return [e.data | {"ts": e.ts} for e in events]


@router.post("/{show_id}/start")
async def start(session: Session, state: State, _: Host) -> OkOut:
    await session.wait_ready(60.0)
    try:
        state.start_show(session)
    except InputError as exc:
        raise HTTPException(409, str(exc)) from None
    return OkOut(detail=session.status())


def _runner(session: Session) -> Any:
    if session.runner is None or not session.show_running:
        raise HTTPException(409, f"show {session.id!r} is not running")
    return session.runner


@router.post("/{show_id}/pause")
async def pause(session: Session, _: Host) -> OkOut:
    await _runner(session).pause()
    return OkOut(detail=session.status())


@router.post("/{show_id}/resume")
async def resume(session: Session, _: Host) -> OkOut:
    await _runner(session).resume()
    return OkOut(detail=session.status())


@router.post("/{show_id}/skip")
async def skip(session: Session, _: Host) -> OkOut:
    await _runner(session).skip()
    return OkOut(detail=session.status())


@router.post("/{show_id}/stop")
async def stop(session: Session, _: Host) -> OkOut:
    await _runner(session).stop()
    return OkOut(detail=session.status())


@router.delete("/{show_id}")
async def delete_show(show_id: str, state: State, _: Host) -> OkOut:
    if show_id not in state.sessions:
        raise HTTPException(404, f"no show {show_id!r}")
    await state.close(show_id)
    return OkOut()
