"""Speech in over HTTP: the microphone page and its WebRTC routes.

- ``GET  /shows/{show_id}/mic``            the page: pick a name and a role, talk
- ``GET  /listen-assets/{file}``           its script
- ``POST /v1/shows/{show_id}/mic/offer``   ``{"sdp", "type", "speaker", "role"}`` → the
  answer and a peer id. The role needs the matching key: ``guest`` a viewer's (or none
  when anonymous viewers are allowed), ``reporter`` a reporter's, ``host`` a host's.
- ``POST /v1/shows/{show_id}/mic/bye``     ``{"peer"}``: the page is leaving
- ``GET  /v1/shows/{show_id}/mic``         (host) the open microphones and their state

Listening settings come from the YAML file named by ``$VHUMAN_LISTEN_SETTINGS`` (a
``listen:`` section, see :class:`ListenConfig`), else the defaults. Its ``devices:`` (audio
inputs on the server's machine) are opened for the default show once it is ready
(:func:`open_studio_microphones`) and listed with the browser microphones.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from importlib import resources
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from vhuman.stage.captions.track import Turn
from vhuman.stage.chat.message import clean_viewer_name
from vhuman.stage.listen.config import ListenConfig
from vhuman.stage.listen.desk import VoiceDesk
from vhuman.stage.listen.listener import HeardTurn
from vhuman.stage.listen.local import (
    LocalMicrophone,
    close_local_microphones,
    open_local_microphones,
)
from vhuman.stage.listen.session import ListenSession
from vhuman.stage.listen.webrtc import MicPeers
from vhuman.stage.live import LivePerformer

from ..auth import AccessDenied, authorize
from ..state import ShowSession

log = logging.getLogger(__name__)
router = APIRouter(tags=["listen"])

NEEDED = {"guest": "viewer", "reporter": "reporter", "host": "host"}
CSP = ("default-src 'self'; script-src 'self'; connect-src 'self'; media-src 'self' blob: "
       "mediastream:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'self'")
_ASSETS = {"mic.js": "application/javascript; charset=utf-8"}
_config: ListenConfig | None = None
_studio: dict[tuple[int, str], list[LocalMicrophone]] = {}  # (id(state), show) -> open devices


class MicOfferIn(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)
    sdp: str = Field(min_length=1, max_length=100_000)
    type: Literal["offer"]
    speaker: str = Field(min_length=1, max_length=32)
    role: Literal["guest", "reporter", "host"] = "guest"


class MicByeIn(BaseModel):
    peer: str = Field(min_length=1, max_length=64)


def listen_config() -> ListenConfig:
    """The server's listening settings (read once)."""
    global _config
    if _config is None:
        path = os.environ.get("VHUMAN_LISTEN_SETTINGS")
        _config = ListenConfig.load(path) if path else ListenConfig()
    return _config


def _static(name: str) -> str:
    return resources.files("vhuman.stage.listen").joinpath(f"static/{name}").read_text("utf-8")


def _state(request: Request) -> Any:
    state = getattr(request.app.state, "vhuman", None)
    if state is None:
        raise HTTPException(503, "the server is starting")
    return state


def _caller(request: Request, role: str) -> None:
    try:
        authorize(_state(request).settings, request, role)
    except AccessDenied as exc:
        raise HTTPException(exc.status, exc.detail) from None


def mic_peers(request: Request) -> MicPeers:
    """The app's microphones (created on first use; dropped with their show)."""
    peers = getattr(request.app.state, "vhuman_mics", None)
    if peers is None:
        peers = MicPeers()
        request.app.state.vhuman_mics = peers
        state = _state(request)

        async def drop_show(show_id: str) -> None:
            for peer_id, (_, _, show) in list(peers.peers.items()):
                if show == show_id:
                    await peers.drop(peer_id)

        state.close_listeners.append(drop_show)
    return peers


@router.get("/shows/{show_id}/mic", response_class=HTMLResponse)
async def mic_page(show_id: str) -> Response:
    return HTMLResponse(_static("mic.html"), headers={
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


@router.get("/listen-assets/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    if name not in _ASSETS:
        raise HTTPException(404, f"no such file: {name}")
    return Response(_static(name), media_type=_ASSETS[name],
                    headers={"X-Content-Type-Options": "nosniff"})


def heard_on_air(session: ShowSession, turn: HeardTurn, text: str) -> None:
    """A person's moderated turn becomes a caption on the program (in program time: it ended
    when its end of speech arrived) and is heard by a running interview segment."""
    performer = session.performer
    if not isinstance(performer, LivePerformer):
        return  # no program to caption (a test performer, a remote show)
    end = performer.program_time(turn.speech_end_wall)
    start = max(0.0, end - max(0.0, turn.end - turn.start))
    said = Turn(turn.speaker, turn.role, text, turn.language or "en", start, end,
                key=caption_key(turn))
    performer.caption(said)
    if session.runner is not None:
        session.runner.heard(said)


def caption_key(turn: HeardTurn) -> str:
    """The caption id of a heard turn: its partial captions and its final share it."""
    return f"voice-{turn.id}"


def partial_on_air(session: ShowSession, turn: HeardTurn, text: str) -> None:
    """A person's words so far (moderated) become a live caption revision now; "" takes
    the turn's caption back (the finished turn was refused)."""
    performer = session.performer
    if not isinstance(performer, LivePerformer):
        return
    now = performer.program_time()
    performer.caption(Turn(turn.speaker, turn.role, text, turn.language or "en", now, now,
                           key=caption_key(turn), final=not text))


def show_desk(state: Any, session: ShowSession) -> VoiceDesk:
    """A voice desk on ``session``: its brain, the server's Q&A, the show's chat
    moderation, the store, the answer tracking and the captions."""
    show_id = session.id
    return VoiceDesk(session.performer, responder=session.responder,
                     qa=state.backends.qa, moderator=session.chat.moderator,
                     store=state.store, show_id=show_id,
                     on_answer=lambda answer: state.track_answer(show_id, answer),
                     on_heard=lambda turn, text: heard_on_air(session, turn, text),
                     on_partial=lambda turn, text: partial_on_air(session, turn, text))


async def open_studio_microphones(state: Any, session: ShowSession,
                                  config: ListenConfig | None = None) -> list[LocalMicrophone]:
    """Once ``session`` is ready, listen to the settings' ``devices`` on this machine
    (closed with the show). Returns the microphones that opened."""
    config = config or listen_config()
    if not config.devices:
        return []
    await session.wait_ready()
    mics = await open_local_microphones(config, config.devices, session.performer,
                                        show_id=session.id,
                                        make_desk=lambda spec: show_desk(state, session))
    key = (id(state), session.id)
    _studio[key] = mics

    async def close(gone: ShowSession) -> None:
        if gone is session:
            _studio.pop(key, None)
            await close_local_microphones(mics)

    state.close_listeners.append(close)
    return mics


@router.post("/v1/shows/{show_id}/mic/offer")
async def mic_offer(show_id: str, body: MicOfferIn, request: Request) -> dict[str, str]:
    _caller(request, NEEDED[body.role])
    state = _state(request)
    session = state.sessions.get(show_id)
    if session is None:
        raise HTTPException(404, f"no show {show_id!r}")
    speaker = clean_viewer_name(body.speaker)
    await asyncio.to_thread(listen_config().build_recognizer)  # loads once, off the loop
    return await mic_peers(request).answer(
        body.sdp, body.type, show_id, lambda: listen_session(state, session, speaker, body.role))


def listen_session(state: Any, session: ShowSession, speaker: str, role: str, *,
                   echo: bool = True) -> ListenSession:
    """A person's voice into ``session``'s show: barge-in, answers, the show log, and
    captions (partial revisions while they speak, then the final words). ``echo``: take
    the program's own sound out of the microphone (off for guests, whose program has
    their own voice in it and who hear it without, through their browser's canceller)."""
    return ListenSession(listen_config(), show_desk(state, session), speaker=speaker,
                         role=role, performer=session.performer, echo=echo)


def guest_ears(state: Any, session: ShowSession) -> Callable[[Any], ListenSession] | None:
    """What hears guests' microphones (their WebRTC audio) on ``session``'s show, when
    ``$VHUMAN_LISTEN_GUESTS`` is on: a listening session per guest, with their name and
    role, fed while they are on air and not muted."""
    if os.environ.get("VHUMAN_LISTEN_GUESTS", "").lower() not in ("1", "true", "yes", "on"):
        return None
    return lambda guest: listen_session(state, session, clean_viewer_name(guest.name),
                                        guest.role, echo=False)


@router.post("/v1/shows/{show_id}/mic/bye")
async def mic_bye(show_id: str, body: MicByeIn, request: Request) -> dict[str, bool]:
    return {"closed": await mic_peers(request).drop(body.peer)}


@router.get("/v1/shows/{show_id}/mic")
async def mic_status(show_id: str, request: Request) -> dict[str, Any]:
    _caller(request, "host")
    peers = mic_peers(request)
    studio = _studio.get((id(_state(request)), show_id), [])
    return {"open": peers.status(show_id), "closed": list(peers.closed.values())[-10:],
            "devices": [mic.status() for mic in studio]}
