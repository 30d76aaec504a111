"""Routes the API tier adds in cluster mode: creating a show from rundown YAML (checked
here exactly as in one process, then stored for whichever worker takes it), WebRTC
signalling passed to the worker that renders the show, and the list of workers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from vhuman.models.types import InputError

from ..outputs.webrtc import ByeIn, OfferIn
from ..server.deps import Host, State, Viewer
from ..server.live import bind_show
from ..server.routes.shows import request_rundown
from ..server.schemas import ShowIn
from .command_table import WebRtcAnswer, WebRtcBye
from .commands import CommandRefused, send_command

router = APIRouter(tags=["cluster"])


@router.post("/v1/shows", status_code=201)
async def create_show(body: ShowIn, state: State, _: Host) -> dict[str, Any]:
    """Register a show for the workers; the first worker with a free slot puts it on
    air. Returns once it is on air, or after 10 s with ``worker: null`` (queued)."""
    rundown = await request_rundown(body, state)
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


@router.post("/shows/{show_id}/webrtc/offer", dependencies=[Depends(bind_show)],
             include_in_schema=False)
async def webrtc_offer(show_id: str, body: OfferIn, state: State,
                       request: Request) -> dict[str, Any]:
    """The viewer page's WebRTC offer, answered by the worker rendering the show (the
    video then flows between the browser and that worker)."""
    client = request.client.host if request.client else "remote"
    try:
        reply = await send_command(state.redis, show_id,  # type: ignore[attr-defined]
                                   WebRtcAnswer(sdp=body.sdp, kind=body.type, client=client),
                                   timeout_s=20.0)
    except CommandRefused as exc:
        raise HTTPException(429 if exc.kind == "PeerLimit" else 400, str(exc)) from None
    return dict(reply["result"])


@router.post("/shows/{show_id}/webrtc/bye", dependencies=[Depends(bind_show)],
             include_in_schema=False)
async def webrtc_bye(show_id: str, body: ByeIn, state: State,
                     request: Request) -> dict[str, bool]:
    client = request.client.host if request.client else "remote"
    try:
        reply = await send_command(state.redis, show_id,  # type: ignore[attr-defined]
                                   WebRtcBye(peer=body.peer, client=client))
    except CommandRefused:
        return {"closed": False}
    return {"closed": bool(reply.get("result"))}


@router.get("/v1/workers")
async def list_workers(state: State, _: Viewer) -> list[dict[str, Any]]:
    """Workers alive (heartbeat), their slots, load and shows."""
    return sorted(state.workers.values(), key=lambda w: w["id"])  # type: ignore[attr-defined]
