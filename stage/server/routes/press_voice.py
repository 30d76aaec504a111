"""The press desk's microphone: a reporter asks by voice.

The page sends its microphone over WebRTC the way the show microphones do
(:class:`~vhuman.stage.listen.webrtc.MicPeers`, the same listening path: voice activity,
turn-taking, recognition, with role ``reporter``), but the turns go to a
:class:`PressEar` instead of the show: nothing is said on air. The page reads the
recognised question (``GET …/{peer}``), shows it in the question box and asks it with
``POST /v1/qa`` exactly as a typed question, so the answer, its sources and the
reporter's history are the same.

- ``POST   /v1/press/mic`` ``{"sdp", "type": "offer"}`` → the answer and a peer id;
- ``GET    /v1/press/mic/{peer}`` → the microphone's state, the text heard so far in the
  turn in progress (``partial``) and the finished turns (``heard``);
- ``DELETE /v1/press/mic/{peer}`` → the microphone closes (the turn in progress is
  finished with what was heard).

Reporter key (hosts too); a microphone is its opener's alone. Microphones live in the
process that answered the offer: behind several API replicas the page's requests must
reach the same one (sticky sessions), as its WebRTC connection does.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Literal, cast

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from vhuman.stage.listen.desk import VoiceDesk
from vhuman.stage.listen.listener import ListenEvent
from vhuman.stage.listen.session import ListenSession

from ..deps import Reporter
from ..schemas import _In
from .listen import listen_config, mic_peers

router = APIRouter(prefix="/v1/press/mic", tags=["qa"])

PRESS = "press-desk"
"""The show label of press microphones in :class:`MicPeers` (they belong to no show)."""
MAX_EARS = 64


class PressMicIn(_In):
    sdp: str = Field(min_length=1, max_length=100_000)
    type: Literal["offer"]


class PressMicOpened(BaseModel):
    sdp: str
    type: str
    peer: str


class HeardOut(BaseModel):
    id: int
    text: str
    status: str = Field(description="ok | empty | low_confidence | unsupported_language | "
                                    "echo | error (only ok turns are questions)")
    language: str
    confidence: float
    speech_s: float = Field(description="how long the turn was spoken")
    recognised_s: float | None = Field(description="end of speech -> the final text ready")
    age_s: float = Field(description="seconds since the final text was ready (now)")


class PressMicOut(BaseModel):
    peer: str
    state: str = Field(description="connecting | listening | closed | failed")
    error: str | None = None
    partial: str = Field("", description="the turn in progress, as recognised so far")
    heard: list[HeardOut]


class PressEar:
    """What one reporter's microphone heard: the partial text of the turn in progress
    and the finished turns (the last 20). Stands where a show's voice desk would."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.partial = ""
        self.heard: deque[tuple[dict[str, Any], float, float | None]] = deque(maxlen=20)

    async def handle(self, event: ListenEvent) -> None:
        if event.kind == "partial":
            self.partial = event.text
        elif event.kind == "final":
            self.partial = ""
            turn = event.turn
            ready = turn.final_wall if turn.final_wall is not None else time.monotonic()
            recognised = (None if turn.speech_end_wall is None
                          else max(0.0, ready - turn.speech_end_wall))
            self.heard.append((turn.to_dict(), ready, recognised))

    def report(self, peer: str, state: str, error: str | None) -> PressMicOut:
        now = time.monotonic()
        heard = [HeardOut(id=int(t["id"]), text=str(t["text"]), status=str(t["status"]),
                          language=str(t["language"]), confidence=float(t["confidence"]),
                          speech_s=round(max(0.0, float(t["end"]) - float(t["start"])), 3),
                          recognised_s=None if rec is None else round(rec, 3),
                          age_s=round(now - ready, 3))
                 for t, ready, rec in self.heard]
        return PressMicOut(peer=peer, state=state, error=error, partial=self.partial,
                           heard=heard)


def _ears(request: Request) -> dict[str, PressEar]:
    ears = getattr(request.app.state, "vhuman_press_ears", None)
    if ears is None:
        ears = request.app.state.vhuman_press_ears = {}
    return cast(dict[str, PressEar], ears)


def _own(request: Request, peer: str, caller: str) -> PressEar:
    ear = _ears(request).get(peer)
    if ear is None or ear.owner != caller:
        raise HTTPException(404, "no such microphone")
    return ear


@router.post("")
async def open_mic(body: PressMicIn, request: Request, caller: Reporter) -> PressMicOpened:
    """Open a microphone for this reporter (the browser's WebRTC offer → the answer)."""
    config = listen_config()
    await asyncio.to_thread(config.build_recognizer)  # loads once, off the event loop
    ear = PressEar(caller.name)

    def make_session() -> ListenSession:
        # the ear only takes the listener's events (``handle``), as a voice desk does
        return ListenSession(config, cast(VoiceDesk, ear), speaker="reporter",
                             role="reporter", echo=False)

    answer = await mic_peers(request).answer(body.sdp, body.type, PRESS, make_session)
    ears = _ears(request)
    ears[answer["peer"]] = ear
    while len(ears) > MAX_EARS:  # the oldest closed ones go first
        peers = mic_peers(request).peers
        gone = next((p for p in ears if p not in peers), next(iter(ears)))
        ears.pop(gone)
    return PressMicOpened(**answer)


@router.get("/{peer}")
async def heard(peer: str, request: Request, caller: Reporter) -> PressMicOut:
    """The microphone's state and what it heard."""
    ear = _own(request, peer, caller.name)
    peers = mic_peers(request)
    entry = peers.peers.get(peer)
    if entry is not None:
        pc, session, _ = entry
        state = session.state if pc.connectionState == "connected" else "connecting"
        return ear.report(peer, state, session.error)
    closed = peers.closed.get(peer, {})
    state = "failed" if closed.get("state") == "failed" else "closed"
    return ear.report(peer, state, closed.get("error"))


@router.delete("/{peer}")
async def close_mic(peer: str, request: Request, caller: Reporter) -> PressMicOut:
    """Close the microphone; the turn in progress is finished with what was heard."""
    ear = _own(request, peer, caller.name)
    await mic_peers(request).drop(peer)
    closed = mic_peers(request).closed.get(peer, {})
    return ear.report(peer, "failed" if closed.get("state") == "failed" else "closed",
                      closed.get("error"))
