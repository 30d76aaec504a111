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
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from vhuman.dialogue.grading import Spoken, grade_reply
from vhuman.dialogue.kinds import classify_kind
from vhuman.dialogue.language import detect_language
from vhuman.dialogue.persona import DEFAULT_PERSONA

from ...chat.message import clean_viewer_name
from ..deps import Host, Session, State
from ..schemas import _In
from ..state import ShowSession

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/shows/{show_id}/control/chat", tags=["control room"])


class QueuedOut(BaseModel):
    id: int
    viewer: str
    text: str
    priority: float
    gift: float
    waiting_s: float
    question: bool
    first_time: bool


class DroppedOut(BaseModel):
    id: int | None
    viewer: str
    text: str
    reason: str
    detail: str
    ts: float


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
    queue_detail: bool = Field(description="false in scale-out: only the queue's length "
                               "is known here")
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


def _local(session: ShowSession) -> ShowSession:
    """The show, when its chat queue is in this process (scale-out: on its worker)."""
    if not session.held_here:
        raise HTTPException(501, "the chat desk needs single-server mode (in scale-out the "
                                 "chat queue lives on the show's worker)")
    return session


@router.get("")
async def chat_desk(session: Session, state: State, _: Host) -> ChatDeskOut:
    """The queue (best first), the latest drops with their reasons, the last replies.
    In scale-out the queue is on the show's worker: its length, the drops and replies
    come from the shared log, and ``queue_detail`` is false."""
    events = await asyncio.to_thread(state.store.show_events, session.id, 400)
    name = _persona_name(session)
    lines = [e for e in events if e.event == "spoken" and e.data.get("kind") == "chat"][-20:]
    replies = await asyncio.to_thread(lambda: [reply_row(e.data, e.ts, name) for e in lines])
    if not session.held_here:
        records = await asyncio.to_thread(state.store.chats, session.id, 200)
        logged = [DroppedOut(id=r.id, viewer=r.viewer, text=r.text, ts=r.ts, detail="",
                             reason=r.status.split(":", 1)[1])
                  for r in records if r.status.startswith("dropped:")][-30:]
        return ChatDeskOut(queue=[], waiting=len(session.chat), queue_detail=False,
                           dropped=logged[::-1], replies=replies[::-1], blocked=[],
                           answering=True)
    queue = [QueuedOut(id=m.id, viewer=m.viewer, text=m.text, priority=round(m.priority, 2),
                       gift=m.gift, waiting_s=round(m.age, 1), question=m.is_question,
                       first_time=m.first_time) for m in session.chat.entries()]
    dropped = [DroppedOut(id=m.store_id, viewer=m.viewer, text=m.text, reason=reason,
                          detail=detail, ts=ts)
               for m, reason, detail, ts in list(session.chat.recent_drops)[-30:]]
    return ChatDeskOut(queue=queue, waiting=len(queue), queue_detail=True,
                       dropped=dropped[::-1], replies=replies[::-1],
                       blocked=sorted(session.chat.blocked),
                       answering=session.responder is not None)


def _take(session: ShowSession, message_id: int):  # noqa: ANN202 - a ChatMessage
    message = session.chat.remove(message_id)
    if message is None:
        raise HTTPException(404, "that message is no longer in the queue "
                                 "(answered, skipped or too old)")
    return message


@router.post("/{message_id}/answer")
async def answer_now(message_id: int, session: Session, state: State, _: Host) -> ActionOut:
    """Answer this message now: what is being said stops, the brain answers it."""
    session = _local(session)
    if session.responder is None:
        raise HTTPException(409, "this show has no dialogue brain to answer chat")
    message = _take(session, message_id)
    await session.wait_ready(30.0)
    await session.performer.interrupt("host: answer now")
    try:
        answer = await session.responder.answer(message)
    except Exception as exc:  # noqa: BLE001 - reported to the host, the show goes on
        session.chat.mark(message, "failed")
        log.warning("show %s: answer-now failed: %s", session.id, exc)
        raise HTTPException(503, f"the brain could not answer: {exc}") from None
    session.chat.mark(message, "answered")
    state.track_answer(session.id, answer)
    return ActionOut(detail=f"answering {message.viewer}")


@router.post("/{message_id}/skip")
async def skip(message_id: int, session: Session, _: Host) -> ActionOut:
    """Take this message out of the queue unanswered."""
    session = _local(session)
    message = _take(session, message_id)
    session.chat.skip(message)
    return ActionOut(detail=f"skipped {message.viewer}'s message")


@router.post("/block")
async def block(body: ViewerIn, session: Session, _: Host) -> ActionOut:
    """Block a viewer on this show: their queued messages go, later ones are refused."""
    session = _local(session)
    try:
        viewer = clean_viewer_name(body.viewer)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    gone = session.chat.block(viewer)
    return ActionOut(detail=f"blocked {viewer}; {len(gone)} queued message(s) dropped")


@router.post("/unblock")
async def unblock(body: ViewerIn, session: Session, _: Host) -> ActionOut:
    session = _local(session)
    if body.viewer not in session.chat.blocked:
        raise HTTPException(404, f"{body.viewer!r} is not blocked")
    session.chat.blocked.discard(body.viewer)
    return ActionOut(detail=f"unblocked {body.viewer}")
