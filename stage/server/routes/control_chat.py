"""The control room's chat desk: the queue as the show will answer it (priority, gifts,
waiting time), what moderation and the limits dropped and why, the host's last replies,
and the host's moves: answer now, skip, block or unblock a viewer. Host key.

Pinning a message on screen is an overlay card (``POST …/control/overlay``).
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

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
    grade: float | str | None = None
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
    replies = [ReplyOut(viewer=e.data.get("viewer"), asked=e.data.get("answered"),
                        text=str(e.data.get("text", "")),
                        first_audio_s=e.data.get("first_audio_s"),
                        completed=e.data.get("completed"), grade=e.data.get("grade"), ts=e.ts)
               for e in events if e.event == "spoken" and e.data.get("kind") == "chat"][-20:]
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
