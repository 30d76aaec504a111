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

Reporter key (hosts too); a microphone is its opener's alone. The WebRTC peer lives in
the process that answered the offer. In scale-out that replica publishes the
microphone's state, partial text and recognised turns on the app's
:class:`PressMicBoard` (Redis, keyed by the peer id) whenever they change, so the page's
polls and its close may reach any replica (no sticky sessions); a close through another
replica is asked on the board and carried out by the holder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any, Literal, Protocol, cast

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from vhuman.stage.listen.desk import VoiceDesk
from vhuman.stage.listen.listener import ListenEvent
from vhuman.stage.listen.session import ListenSession

from ..deps import Reporter
from ..schemas import _In
from .listen import listen_config, mic_peers
from .press_desk import recognition_prompt

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/press/mic", tags=["qa"])

PRESS = "press-desk"
"""The show label of press microphones in :class:`MicPeers` (they belong to no show)."""
MAX_EARS = 64
PUBLISH_EVERY_S = 0.1
"""How often the holder of a microphone compares its state with what it published."""
REPUBLISH_S = 600.0
"""An unchanged microphone is published again this often (the board's records expire)."""
CLOSE_WAIT_S = 10.0
"""How long a close through another replica waits for the holder to report it closed."""
CLIPPED_BEFORE_S = 0.0
"""A turn whose speech (less the listener's pre-roll) starts here on the microphone's
audio clock was already under way when the microphone came on: its first words were
never heard, so it is not taken as a question (``clipped``)."""


class PressMicBoard(Protocol):
    """Where a microphone's holder publishes it for every API replica (scale-out)."""

    async def put(self, peer: str, record: dict[str, Any]) -> None:
        """Publish the microphone's record (:meth:`PressEar.record`)."""

    async def get(self, peer: str) -> dict[str, Any] | None:
        """The microphone's last record (None: unknown or expired)."""

    async def ask_close(self, peer: str) -> None:
        """Ask the holder to close the microphone."""

    async def close_asked(self, peer: str) -> bool:
        """Whether another replica asked to close the microphone."""


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
                                    "echo | error | clipped (speech already under way when "
                                    "the microphone came on); only ok turns are questions")
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
        self.heard: deque[dict[str, Any]] = deque(maxlen=20)

    async def handle(self, event: ListenEvent) -> None:
        if event.kind == "partial":
            self.partial = event.text
        elif event.kind == "final":
            self.partial = ""
            turn = event.turn
            now = time.monotonic()
            ready = turn.final_wall if turn.final_wall is not None else now
            recognised = (None if turn.speech_end_wall is None
                          else round(max(0.0, ready - turn.speech_end_wall), 3))
            t = turn.to_dict()
            status = str(t["status"])
            if status == "ok" and turn.start <= CLIPPED_BEFORE_S:
                status = "clipped"
            self.heard.append({
                "id": int(t["id"]), "text": str(t["text"]), "status": status,
                "language": str(t["language"]), "confidence": float(t["confidence"]),
                "speech_s": round(max(0.0, float(t["end"]) - float(t["start"])), 3),
                "recognised_s": recognised,
                "ready_at": time.time() - (now - ready)})  # wall clock: read anywhere

    def record(self, state: str, error: str | None) -> dict[str, Any]:
        """The microphone as JSON (what the board holds): owner, state, partial, turns."""
        return {"owner": self.owner, "state": state, "error": error,
                "partial": self.partial, "heard": list(self.heard)}


def report(peer: str, record: dict[str, Any]) -> PressMicOut:
    """A microphone's record as the page reads it (turn ages from now)."""
    now = time.time()
    heard = [HeardOut(**{k: v for k, v in turn.items() if k != "ready_at"},
                      age_s=round(max(0.0, now - float(turn["ready_at"])), 3))
             for turn in record["heard"]]
    return PressMicOut(peer=peer, state=record["state"], error=record["error"],
                       partial=record["partial"], heard=heard)


def _board(request: Request) -> PressMicBoard | None:
    state = getattr(request.app.state, "vhuman", None)
    return cast(PressMicBoard | None, getattr(state, "press_board", None))


def _mic_state(peers: Any, peer: str) -> tuple[str, str | None]:
    entry = peers.peers.get(peer)
    if entry is not None:
        pc, session, _ = entry
        return (session.state if pc.connectionState == "connected" else "connecting",
                session.error)
    closed = peers.closed.get(peer, {})
    return ("failed" if closed.get("state") == "failed" else "closed"), closed.get("error")


async def _publish(board: PressMicBoard, peers: Any, ears: dict[str, PressEar], peer: str,
                   ear: PressEar) -> None:
    """The holder's side: publish the microphone whenever it changes, carry out a close
    asked through another replica, end with its last record once it is closed."""
    last: dict[str, Any] | None = None
    put_at = 0.0
    while True:
        try:
            record = ear.record(*_mic_state(peers, peer))
            if record != last or time.monotonic() - put_at > REPUBLISH_S:
                await board.put(peer, record)
                last, put_at = record, time.monotonic()
            if record["state"] in ("closed", "failed") or ears.get(peer) is not ear:
                return
            if await board.close_asked(peer):
                await peers.drop(peer)
                continue
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a Redis outage: the next round retries
            log.warning("press microphone %s: not published (%s)", peer, exc)
        await asyncio.sleep(PUBLISH_EVERY_S)


def _ears(request: Request) -> dict[str, PressEar]:
    ears = getattr(request.app.state, "vhuman_press_ears", None)
    if ears is None:
        ears = request.app.state.vhuman_press_ears = {}
    return cast(dict[str, PressEar], ears)


def _own(request: Request, peer: str, caller: str) -> PressEar | None:
    """The microphone held here (None: another replica holds it)."""
    ear = _ears(request).get(peer)
    if ear is not None and ear.owner != caller:
        raise HTTPException(404, "no such microphone")
    return ear


async def _published(request: Request, peer: str, caller: str) -> dict[str, Any]:
    """The record another replica published for a microphone of ``caller``."""
    board = _board(request)
    record = await board.get(peer) if board is not None else None
    if record is None or record.get("owner") != caller:
        raise HTTPException(404, "no such microphone")
    return record


@router.post("")
async def open_mic(body: PressMicIn, request: Request, caller: Reporter) -> PressMicOpened:
    """Open a microphone for this reporter (the browser's WebRTC offer → the answer)."""
    config = listen_config()
    await asyncio.to_thread(config.build_recognizer)  # loads once, off the event loop
    ear = PressEar(caller.name)
    prompt = _prompt(request)

    def make_session() -> ListenSession:
        # the ear only takes the listener's events (``handle``), as a voice desk does
        return ListenSession(config, cast(VoiceDesk, ear), speaker="reporter",
                             role="reporter", echo=False, prompt=prompt)

    peers = mic_peers(request)
    answer = await peers.answer(body.sdp, body.type, PRESS, make_session)
    ears = _ears(request)
    ears[answer["peer"]] = ear
    while len(ears) > MAX_EARS:  # the oldest closed ones go first
        gone = next((p for p in ears if p not in peers.peers), next(iter(ears)))
        ears.pop(gone)
    board = _board(request)
    if board is not None:
        await board.put(answer["peer"], ear.record("connecting", None))
        task = asyncio.get_running_loop().create_task(
            _publish(board, peers, ears, answer["peer"], ear))
        tasks = _tasks(request)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    return PressMicOpened(**answer)


def _prompt(request: Request) -> str | None:
    """The knowledge base's names and terms for the recogniser (built once per KB)."""
    state = getattr(request.app.state, "vhuman", None)
    if state is None:
        return None
    qa = state.backends.qa
    cached = getattr(request.app.state, "vhuman_press_prompt", None)
    if cached is None or cached[0] is not qa:
        cached = request.app.state.vhuman_press_prompt = (qa, recognition_prompt(state))
    return cast(str | None, cached[1])


def _tasks(request: Request) -> set[asyncio.Task[None]]:
    tasks = getattr(request.app.state, "vhuman_press_publishers", None)
    if tasks is None:
        tasks = request.app.state.vhuman_press_publishers = set()
    return cast(set[asyncio.Task[None]], tasks)


@router.get("/{peer}")
async def heard(peer: str, request: Request, caller: Reporter) -> PressMicOut:
    """The microphone's state and what it heard (from any replica in scale-out)."""
    ear = _own(request, peer, caller.name)
    if ear is None:
        return report(peer, await _published(request, peer, caller.name))
    return report(peer, ear.record(*_mic_state(mic_peers(request), peer)))


@router.delete("/{peer}")
async def close_mic(peer: str, request: Request, caller: Reporter) -> PressMicOut:
    """Close the microphone; the turn in progress is finished with what was heard."""
    ear = _own(request, peer, caller.name)
    if ear is not None:
        peers = mic_peers(request)
        await peers.drop(peer)
        record = ear.record(*_mic_state(peers, peer))
        board = _board(request)
        if board is not None:
            with contextlib.suppress(Exception):  # the publisher puts it again
                await board.put(peer, record)
        return report(peer, record)
    record = await _published(request, peer, caller.name)
    board = cast(PressMicBoard, _board(request))
    await board.ask_close(peer)
    deadline = time.monotonic() + CLOSE_WAIT_S
    while record["state"] not in ("closed", "failed") and time.monotonic() < deadline:
        await asyncio.sleep(PUBLISH_EVERY_S)
        record = await board.get(peer) or record
    return report(peer, record)
