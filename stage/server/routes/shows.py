"""Shows: load a rundown, start, pause, resume, skip, stop, status; several per server."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException

from vhuman.models.types import InputError

from ...show.controls import ShowControls
from ...show.loader import parse_rundown, public_problem
from ...show.rundown import Rundown, RundownError
from ..deps import Host, Session, State, Viewer
from ..media import MediaPolicy
from ..schemas import OkOut, ShowIn

router = APIRouter(prefix="/v1/shows", tags=["shows"])
SHOW_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
"""What a show id may be (``ShowIn.id``); ids of shows made from rundowns match it too."""
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def redact(message: str) -> str:
    """A validation message without the values it quotes (the field and rule stay)."""
    return _QUOTED.sub("'…'", message)


def _rundown_error(exc: InputError, name: str) -> HTTPException:
    """A 422 that places each problem without quoting the rundown (which may be another
    file of the media root: its text must not come back)."""
    problems = [public_problem(p, name) for p in getattr(exc, "problems", [])] \
        or [redact(str(exc))]
    return HTTPException(422, {"message": "invalid rundown", "problems": problems[:50]})


def _confine(rundown: Rundown, policy: MediaPolicy) -> None:
    """Outputs and product pictures of a rundown sent to the API, held to the roots."""
    problems = []
    outputs = []
    for i, output in enumerate(rundown.outputs):
        try:
            outputs.append(policy.output(output, f"outputs[{i}]"))
        except InputError as exc:
            problems.append(str(exc))
    for seg in rundown.segments:
        product = getattr(seg, "product", None)
        if product is not None and product.image:
            try:
                product.image = policy.image(product.image,
                                             f"segments[{seg.index}].product.image")
            except InputError as exc:
                problems.append(str(exc))
    if problems:
        raise InputError("; ".join(problems))
    rundown.outputs = outputs


def _parse_request_rundown(text: str, name: str, base: Path, policy: MediaPolicy) -> Rundown:
    def resolve(value: str, what: str) -> Path:
        path = Path(value)
        return policy.media_file(str(path if path.is_absolute() else base / path), "",
                                 f"{what} file")

    rundown = parse_rundown(text, name=name, base_dir=base, resolve_file=resolve)
    _confine(rundown, policy)
    return rundown


async def request_rundown(body: ShowIn, state: State) -> Rundown | None:
    """The rundown a create request carries (inline or a file in the media root), every
    path in it held to the media/output roots, read and parsed off the shared pool; a
    bad request or rundown is a 422 naming the problems."""
    if body.rundown_yaml and body.rundown_path:
        raise HTTPException(422, "give rundown_yaml or rundown_path, not both")
    try:
        return await _read_request_rundown(body, state)
    except (RundownError, InputError) as exc:
        raise _rundown_error(exc, "rundown_path" if body.rundown_path else
                             "rundown_yaml") from None


async def _read_request_rundown(body: ShowIn, state: State) -> Rundown | None:
    policy = state.media
    if body.rundown_yaml:
        return await policy.run(_parse_request_rundown, body.rundown_yaml, "rundown_yaml",
                                policy.media_root, policy, field="rundown_yaml")
    if not body.rundown_path:
        return None
    path, text = await policy.run(policy.read_text, body.rundown_path, "rundown_path",
                                  state.settings.max_rundown_bytes, field="rundown_path")
    rundown = await policy.run(_parse_request_rundown, text, "rundown_path", path.parent,
                               policy, field="rundown_path")
    rundown._source = path
    return rundown


@router.get("")
async def list_shows(state: State, caller: Viewer) -> list[dict[str, Any]]:
    return [s.status(full=caller.may("host")) for s in state.sessions.values()]


@router.post("", status_code=201)
async def create_show(body: ShowIn, state: State, _: Host) -> dict[str, Any]:
    """Create a show (a new character) from rundown YAML text or a file in the media
    root (``VHUMAN_MEDIA_ROOT``)."""
    rundown = await request_rundown(body, state)
    show_id = body.id or (rundown.id if rundown else uuid.uuid4().hex[:8])
    if show_id in state.sessions:
        raise HTTPException(409, f"show {show_id!r} already exists")
    session = await state.create(show_id, rundown)  # returns once warm (voice, frame)
    if body.start and rundown is not None:
        state.start_show(session)
    return session.status()


@router.get("/{show_id}")
async def show_status(session: Session, caller: Viewer) -> dict[str, Any]:
    """The show's state; file paths, outputs and error details only for a host."""
    return session.status(full=caller.may("host"))


@router.get("/{show_id}/log")
async def show_log(show_id: str, state: State, _: Host, limit: int = 1000) -> list[dict]:
    if not SHOW_ID.fullmatch(show_id):  # no show has such an id (and no store takes NUL)
        raise HTTPException(404, "no such show")
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


def _runner(session: Session) -> ShowControls:
    controls = session.controls()
    if controls is None or not session.show_running:
        raise HTTPException(409, f"show {session.id!r} is not running")
    return controls


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
        raise HTTPException(404, "no such show")
    await state.close(show_id)
    return OkOut()
