"""The chat desk's moves on a show held in this process: the queue as the show will
answer it, what moderation and the limits dropped and why, answer now, skip, block and
unblock a viewer.

The control room's routes call these for a show held here; in scale-out the show's
worker calls the same functions when a replica sends the matching typed command
(:mod:`stage.cluster.command_table`), so both modes answer alike, refusals included
(:class:`~stage.server.rundesk.DeskRefused`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..chat.message import ChatMessage, clean_viewer_name
from .rundesk import DeskRefused

if TYPE_CHECKING:
    from .state import AppState, ShowSession

log = logging.getLogger(__name__)


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


class QueueView(BaseModel):
    """The show's chat queue now (best first), its latest drops (newest first), the
    viewers the host blocked, and whether a brain answers chat."""

    queue: list[QueuedOut]
    dropped: list[DroppedOut]
    blocked: list[str]
    answering: bool


def queue_view(session: ShowSession) -> QueueView:
    queue = [QueuedOut(id=m.id, viewer=m.viewer, text=m.text, priority=round(m.priority, 2),
                       gift=m.gift, waiting_s=round(m.age, 1), question=m.is_question,
                       first_time=m.first_time) for m in session.chat.entries()]
    dropped = [DroppedOut(id=m.store_id, viewer=m.viewer, text=m.text, reason=reason,
                          detail=detail, ts=ts)
               for m, reason, detail, ts in list(session.chat.recent_drops)[-30:]]
    return QueueView(queue=queue, dropped=dropped[::-1], blocked=sorted(session.chat.blocked),
                     answering=session.responder is not None)


def _take(session: ShowSession, message_id: int) -> ChatMessage:
    message = session.chat.remove(message_id)
    if message is None:
        raise DeskRefused(404, "that message is no longer in the queue "
                               "(answered, skipped or too old)")
    return message


async def answer_now(state: AppState, session: ShowSession, message_id: int,
                     ready_wait_s: float = 30.0) -> str:
    """Answer this message now: what is being said stops, the brain answers it."""
    if session.responder is None:
        raise DeskRefused(409, "this show has no dialogue brain to answer chat")
    message = _take(session, message_id)
    await session.wait_ready(ready_wait_s)
    await session.performer.interrupt("host: answer now")
    try:
        answer = await session.responder.answer(message)
    except Exception as exc:  # noqa: BLE001 - reported to the host, the show goes on
        session.chat.mark(message, "failed")
        log.warning("show %s: answer-now failed: %s", session.id, exc)
        raise DeskRefused(503, f"the brain could not answer: {exc}") from None
    session.chat.mark(message, "answered")
    state.track_answer(session.id, answer)
    return f"answering {message.viewer}"


def skip(session: ShowSession, message_id: int) -> str:
    """Take this message out of the queue unanswered."""
    message = _take(session, message_id)
    session.chat.skip(message)
    return f"skipped {message.viewer}'s message"


def block(session: ShowSession, viewer: str) -> str:
    """Block a viewer on this show: their queued messages go, later ones are refused."""
    try:
        viewer = clean_viewer_name(viewer)
    except ValueError as exc:
        raise DeskRefused(422, str(exc)) from None
    gone = session.chat.block(viewer)
    return f"blocked {viewer}; {len(gone)} queued message(s) dropped"


def unblock(session: ShowSession, viewer: str) -> str:
    if viewer not in session.chat.blocked:
        raise DeskRefused(404, f"{viewer!r} is not blocked")
    session.chat.blocked.discard(viewer)
    return f"unblocked {viewer}"
