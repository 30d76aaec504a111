"""Routes the API tier adds in cluster mode: creating a show from rundown YAML (checked
here exactly as in one process, then stored for whichever worker takes it) and the list
of workers with their load."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException

from models.types import InputError

from ..server.deps import Host, State, Viewer
from ..server.routes.shows import _rundown_error, request_rundown
from ..server.schemas import ShowIn
from ..show.rundown import RundownError

router = APIRouter(tags=["cluster"])


@router.post("/v1/shows", status_code=201)
async def create_show(body: ShowIn, state: State, _: Host) -> dict[str, Any]:
    """Register a show for the workers; the first worker with a free slot puts it on
    air. Returns once it is on air, or after 10 s with ``worker: null`` (queued)."""
    if body.rundown_yaml and body.rundown_path:
        raise HTTPException(422, "give rundown_yaml or rundown_path, not both")
    try:
        rundown = await request_rundown(body, state)
    except (RundownError, InputError) as exc:
        raise _rundown_error(exc) from None
    text, base = body.rundown_yaml, state.media.media_root
    if rundown is not None and rundown.source is not None:  # a file in the media root
        text = await asyncio.to_thread(rundown.source.read_text, encoding="utf-8")
        base = rundown.source.parent
    show_id = body.id or (rundown.id if rundown else uuid.uuid4().hex[:8])
    desired = "running" if body.start and rundown is not None else "idle"
    try:
        session = await state.register(show_id, text, base,  # type: ignore[attr-defined]
                                       desired=desired)
    except InputError as exc:
        raise HTTPException(409, str(exc)) from None
    return session.status()


@router.get("/v1/workers")
async def list_workers(state: State, _: Viewer) -> list[dict[str, Any]]:
    """Workers alive (heartbeat), their slots, load and shows."""
    return sorted(state.workers.values(), key=lambda w: w["id"])  # type: ignore[attr-defined]
