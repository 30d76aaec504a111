"""The control room's chat desk: the queue as the show will answer it (priority, gifts,
waiting time), what moderation and the limits dropped and why, the host's last replies
with a producer's grade, and the host's moves: answer now, skip, block or unblock a viewer.
Host key.

A reply's grade is the brain's own when it reports one in the spoken line; otherwise the
desk grades it with :func:`vhuman.dialogue.grading.grade_reply` (0 a reply a producer
winces at: an echo, the host in the third person, leaked labels, assistant-speak,
advice, the wrong tone; 1 acceptable; 2 good), the message's kind and language taken
from the message. Facts are not checked here (the brain's fact guard does that before a
sentence is spoken), so a grade here never claims a fact is right.

Pinning a message on screen is an overlay card (``POST …/control/overlay``).

The queue and the moves are :mod:`stage.server.chatdesk`'s, on the show held here or,
in scale-out, on the show's worker (typed commands through the replica's
``RemoteChatQueue``): both modes answer alike.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from vhuman.dialogue.grading import Spoken, grade_reply
from vhuman.dialogue.kinds import classify_kind
from vhuman.dialogue.language import detect_language
from vhuman.dialogue.persona import DEFAULT_PERSONA
from vhuman.models.types import InputError, VhumanError

from .. import chatdesk
from ..chatdesk import DroppedOut, QueuedOut
from ..deps import Host, Session, State
from ..schemas import _In
from ..state import ShowSession
from .control_desk import http_error

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/shows/{show_id}/control/chat", tags=["control room"])


class ReplyOut(BaseModel):
    viewer: str | None
    asked: str | None
    text: str
    first_audio_s: float | None
    completed: bool | None
    grade: float | str | None = Field(None, description="0 / 1 / 2 (2 good), see the module")
    faults: list[str] = Field(default_factory=list, description="why a grade is 0")
    graded_by: str | None = Field(None, description="brain (its own) or desk")
    ts: float


class ChatDeskOut(BaseModel):
    queue: list[QueuedOut]
    waiting: int
    queue_detail: bool = Field(description="false when the show's worker did not answer: "
                               "only the queue's length and the logged drops are shown")
    dropped: list[DroppedOut]
    replies: list[ReplyOut]
    blocked: list[str]
    answering: bool = Field(description="the show has a brain that answers chat")


class ViewerIn(_In):
    viewer: str = Field(min_length=1, max_length=32)


class ActionOut(BaseModel):
    ok: bool = True
    detail: str = ""


@lru_cache(maxsize=512)
def grade_line(asked: str, text: str, persona_name: str,
               viewer: str | None) -> tuple[int, tuple[str, ...]]:
    """A producer's 0/1/2 for ``text`` said in reply to ``asked`` (and its faults)."""
    kind = classify_kind(asked)
    language = detect_language(asked) or "en"
    # "desk": not model-written as far as the grader knows, so facts are left to the
    # brain's fact guard (the grader would only see the message's own terms as known)
    graded = grade_reply({"t": asked, "kind": kind}, [Spoken(text, source="desk")],
                         language, persona_name=persona_name, viewer=viewer)
    return graded.grade, tuple(graded.faults)


def reply_row(data: dict[str, object], ts: float, persona_name: str) -> ReplyOut:
    """One spoken chat reply for the desk, graded (the brain's grade, else :func:`grade_line`)."""
    asked, text = data.get("answered"), str(data.get("text", ""))
    viewer = data.get("viewer")
    grade, faults, by = data.get("grade"), [], "brain" if data.get("grade") is not None else None
    if grade is None and isinstance(asked, str) and asked.strip():
        grade, found = grade_line(asked, text, persona_name,
                                  viewer if isinstance(viewer, str) else None)
        faults, by = list(found), "desk"
    first = data.get("first_audio_s")
    done = data.get("completed")
    return ReplyOut(viewer=viewer if isinstance(viewer, str) else None,
                    asked=asked if isinstance(asked, str) else None, text=text,
                    first_audio_s=float(first) if isinstance(first, (int, float)) else None,
                    completed=done if isinstance(done, bool) else None,
                    grade=grade if isinstance(grade, (int, float, str)) else None,
                    faults=faults, graded_by=by, ts=ts)


def _persona_name(session: ShowSession) -> str:
    rundown = session.rundown
    persona = rundown.persona if rundown is not None else None
    return (persona or DEFAULT_PERSONA).name


def _held_elsewhere(session: ShowSession) -> Any | None:
    """A scale-out show's chat queue on its worker (None: the show is held here)."""
    return None if session.held_here else session.chat


@router.get("")
async def chat_desk(session: Session, state: State, _: Host) -> ChatDeskOut:
    """The queue (best first), the latest drops with their reasons, the last replies.
    In scale-out the queue is the worker's (asked by a typed command); if the worker does
    not answer, the queue's length and the drops of the shared log are shown, with
    ``queue_detail`` false."""
    events = await asyncio.to_thread(state.store.show_events, session.id, 400)
    name = _persona_name(session)
    lines = [e for e in events if e.event == "spoken" and e.data.get("kind") == "chat"][-20:]
    replies = await asyncio.to_thread(lambda: [reply_row(e.data, e.ts, name) for e in lines])
    remote = _held_elsewhere(session)
    if remote is None:
        view = chatdesk.queue_view(session)
        return ChatDeskOut(queue=view.queue, waiting=len(view.queue), queue_detail=True,
                           dropped=view.dropped, replies=replies[::-1], blocked=view.blocked,
                           answering=view.answering)
    # scale-out: the intake's refusals are in the shared log, the queue on the worker
    records = await asyncio.to_thread(state.store.chats, session.id, 200)
    logged = [DroppedOut(id=r.id, viewer=r.viewer, text=r.text, ts=r.ts, detail="",
                         reason=r.status.split(":", 1)[1])
              for r in records if r.status.startswith("dropped:")][-30:]
    try:
        view = await remote.view()
    except VhumanError as exc:
        log.info("show %s: chat desk from the log (%s)", session.id, exc)
        return ChatDeskOut(queue=[], waiting=len(session.chat), queue_detail=False,
                           dropped=logged[::-1], replies=replies[::-1], blocked=[],
                           answering=True)
    return ChatDeskOut(queue=view.queue, waiting=len(view.queue), queue_detail=True,
                       dropped=_merged_drops(view.dropped, logged), replies=replies[::-1],
                       blocked=view.blocked, answering=view.answering)


def _merged_drops(worker: list[DroppedOut], logged: list[DroppedOut]) -> list[DroppedOut]:
    """The worker's drops (with their details) and the intake's refusals from the log
    (the log holds the worker's too: those are kept once), newest first."""
    seen = {(d.viewer, d.text, d.reason) for d in worker}
    merged = worker + [d for d in logged if (d.viewer, d.text, d.reason) not in seen]
    return sorted(merged, key=lambda d: d.ts, reverse=True)[:30]


@router.post("/{message_id}/answer")
async def answer_now(message_id: int, session: Session, state: State, _: Host) -> ActionOut:
    """Answer this message now: what is being said stops, the brain answers it."""
    try:
        if (remote := _held_elsewhere(session)) is not None:
            return ActionOut(detail=await remote.answer_now(message_id))
        return ActionOut(detail=await chatdesk.answer_now(state, session, message_id))
    except InputError as exc:
        raise http_error(exc) from None


@router.post("/{message_id}/skip")
async def skip(message_id: int, session: Session, _: Host) -> ActionOut:
    """Take this message out of the queue unanswered."""
    try:
        if (remote := _held_elsewhere(session)) is not None:
            return ActionOut(detail=await remote.skip_message(message_id))
        return ActionOut(detail=chatdesk.skip(session, message_id))
    except InputError as exc:
        raise http_error(exc) from None


@router.post("/block")
async def block(body: ViewerIn, session: Session, _: Host) -> ActionOut:
    """Block a viewer on this show: their queued messages go, later ones are refused."""
    try:
        if (remote := _held_elsewhere(session)) is not None:
            return ActionOut(detail=await remote.block_viewer(body.viewer))
        return ActionOut(detail=chatdesk.block(session, body.viewer))
    except InputError as exc:
        raise http_error(exc) from None


@router.post("/unblock")
async def unblock(body: ViewerIn, session: Session, _: Host) -> ActionOut:
    try:
        if (remote := _held_elsewhere(session)) is not None:
            return ActionOut(detail=await remote.unblock_viewer(body.viewer))
        return ActionOut(detail=chatdesk.unblock(session, body.viewer))
    except InputError as exc:
        raise http_error(exc) from None
