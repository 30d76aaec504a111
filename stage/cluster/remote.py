"""A held show's parts seen from an API replica: each has the typed methods of the real
object on the worker (performer, runner, brain, transcript, chat queue) and carries them
out as typed commands (:mod:`stage.cluster.command_table`) or reads the status the holder
publishes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vhuman.dialogue.reply import ReplyContext, ReplySentence
from vhuman.models.types import Emotion, InputError, VhumanError

from ..chat.queue import ChatQueue
from ..outputs.base import Output
from ..performer import SpeechHandle
from ..server.chatdesk import QueueView
from ..server.rundesk import TimelineOut
from . import keys
from .command_table import (
    AnswerNow,
    BlockViewer,
    ChatView,
    Command,
    Complete,
    Dance,
    Gesture,
    HostSay,
    Insert,
    Interrupt,
    Pause,
    Reorder,
    Resume,
    Say,
    SetEmotion,
    SetShot,
    ShowOverlay,
    Sing,
    Skip,
    SkipMessage,
    Stop,
    Timeline,
    Transcribe,
    UnblockViewer,
)
from .commands import send_command, stream_command

if TYPE_CHECKING:
    from .api import ClusterAppState, RemoteShowSession

log = logging.getLogger(__name__)


def remote_handle(reply: dict[str, Any], text: str, kind: str) -> SpeechHandle:
    """The holder's speech handle as seen here: its id (for the transcript); it never
    starts or finishes in this process."""
    result = reply.get("result")
    remote_id = result.get("handle") if isinstance(result, dict) else None
    return SpeechHandle(text=text, kind=kind, id=int(remote_id) if remote_id is not None else -1)


def _held(session: RemoteShowSession) -> None:
    if session.worker is None:
        raise keys.ClusterUnavailable(f"show {session.id!r} is waiting for a worker")


class RemotePerformer:
    """The holder's performer seen from an API replica: the :class:`~stage.performer.
    Performer` methods, each one typed command to the worker."""

    streams_ticks = False
    """Its ticks stay on the worker: video reaches viewers through the worker's WebRTC
    (the offer is a command); ``/params`` clients attach to the session's relay
    (:class:`~stage.cluster.params_relay.ParamsFeed`)."""

    def __init__(self, state: ClusterAppState, session: RemoteShowSession) -> None:
        self._state, self._session = state, session

    async def _send(self, command: Command) -> dict[str, Any]:
        return await send_command(self._state.redis, self._session.id, command)

    async def start(self) -> None:
        """The worker starts its performer when it takes the show."""

    async def warm_up(self) -> None:
        """The worker warms its performer up; readiness arrives with its status."""

    async def close(self) -> None:
        """The performer lives on the worker; nothing to close here."""

    def add_output(self, output: Output) -> Output:
        raise InputError("outputs of a scale-out show are added on its worker")

    def remove_output(self, output: Output) -> None:
        raise InputError("outputs of a scale-out show are on its worker")

    async def say(self, text: str, *, emotion: Emotion | None = None,
                  intensity: float | None = None, priority: int = 0, source: str = "host",
                  gestures: Sequence[str] = ()) -> SpeechHandle:
        reply = await self._send(Say(text=text, emotion=emotion, intensity=intensity,
                                     priority=priority, source=source,
                                     gestures=tuple(gestures)))
        return remote_handle(reply, text, "say")

    async def interrupt(self, reason: str = "") -> None:
        await self._send(Interrupt(reason=reason))

    async def dance(self, music: Path | None, *, duration: float | None = None,
                    style: str | None = None) -> SpeechHandle:
        reply = await self._send(Dance(music=music, duration=duration, style=style))
        return remote_handle(reply, "", "dance")

    async def sing(self, score: Path, *, backing: str | Path | None = None,
                   style: str | None = None, emotion: Emotion | None = None,
                   intensity: float | None = None, finale: bool = False,
                   transpose: int | str = "auto", priority: int = 0,
                   backing_start: float = 0.0) -> SpeechHandle:
        reply = await self._send(Sing(
            score=score, backing=None if backing is None else str(backing), style=style,
            emotion=emotion, intensity=intensity, finale=finale, transpose=transpose,
            priority=priority, backing_start=backing_start))
        return remote_handle(reply, "", "sing")

    async def set_emotion(self, emotion: Emotion, intensity: float = 0.6) -> None:
        await self._send(SetEmotion(emotion=emotion, intensity=intensity))

    async def gesture(self, name: str) -> None:
        await self._send(Gesture(name=name))

    async def show_overlay(self, card: dict[str, Any] | None) -> None:
        await self._send(ShowOverlay(card=card))

    async def set_shot(self, shot: str, transition: str = "cut",
                       seconds: float = 0.6) -> dict[str, Any]:
        """The camera shot, taken on the holder; returns the camera's status (a refusal,
        such as the guest shot with no guest on air, carries the holder's reason)."""
        reply = await self._send(SetShot(shot=shot, transition=transition,  # type: ignore[arg-type]
                                         seconds=seconds))
        return dict(reply.get("result") or {})

    def metrics_registry(self) -> None:
        """The worker holds the performer; its metrics stay in the worker process."""
        return None

    def status(self) -> dict[str, Any]:
        return dict(self._session.remote.get("performer") or {})


class RemoteRunner:
    """The holder's show runner seen from an API replica: its controls as typed commands,
    its state from the status the holder publishes."""

    def __init__(self, state: ClusterAppState, session: RemoteShowSession) -> None:
        self._state, self._session = state, session

    async def _send(self, command: Command) -> dict[str, Any]:
        return await send_command(self._state.redis, self._session.id, command)

    @property
    def state(self) -> str:
        return str((self._session.remote.get("show") or {}).get("state") or "ready")

    def status(self) -> dict[str, Any]:
        return dict(self._session.remote.get("show") or {})

    async def pause(self) -> None:
        await self._send(Pause())

    async def resume(self) -> None:
        await self._send(Resume())

    async def skip(self) -> None:
        await self._send(Skip())

    async def stop(self) -> None:
        await self._send(Stop())

    async def host_say(self, text: str, *, emotion: Emotion | None = None,
                       priority: int | None = None) -> SpeechHandle:
        reply = await self._send(HostSay(text=text, emotion=emotion, priority=priority))
        return remote_handle(reply, text, "say")

    # the control room's run-of-show (:mod:`stage.server.rundesk` on the holder)
    async def timeline(self) -> TimelineOut:
        """The holder's run-of-show (at once ``ClusterUnavailable`` while no worker holds
        the show: the control room polls it)."""
        _held(self._session)
        return TimelineOut.model_validate((await self._send(Timeline()))["result"])

    async def reorder(self, order: Sequence[str]) -> TimelineOut:
        reply = await self._send(Reorder(order=tuple(order)))
        return TimelineOut.model_validate(reply["result"])

    async def insert(self, segment: dict[str, Any], after: str | None = None) -> TimelineOut:
        reply = await self._send(Insert(segment=segment, after=after))
        return TimelineOut.model_validate(reply["result"])


class RemoteTranscript:
    """The transcript seen from an API replica: lines said through its routes (say-now,
    spoken Q&A) are recorded by the worker that holds their speech handles."""

    def __init__(self, state: ClusterAppState) -> None:
        self._state = state

    def spoken(self, show_id: str, kind: str, handles: Sequence[SpeechHandle], text: str, *,
               answered: str | None = None, viewer: str | None = None,
               sources: Sequence[str] = (), **_: Any) -> asyncio.Task[None]:
        command = Transcribe(kind=kind, handles=tuple(h.id for h in handles if h.id >= 0),
                             text=text, answered=answered, viewer=viewer,
                             sources=tuple(str(s) for s in sources))

        async def send() -> None:
            try:
                await send_command(self._state.redis, show_id, command)
            except VhumanError as exc:
                log.warning("show %s: transcript line not recorded: %s", show_id, exc)
        return self._state.spawn(send())


class RemoteBrain:
    """The holder's dialogue brain seen from an API replica (``/v1/chat/completions``):
    the reply is made on the worker and each sentence is relayed as it is made."""

    def __init__(self, state: ClusterAppState, show_id: str) -> None:
        self._state, self._show_id = state, show_id

    async def reply_stream(self, message: str, viewer: str | None = None,
                           opener: bool | None = None,
                           context: ReplyContext | None = None) -> AsyncIterator[ReplySentence]:
        context = context or ReplyContext()
        command = Complete(text=str(message), viewer=viewer,
                           history=tuple((str(w), str(t)) for w, t in context.history),
                           notes=tuple(str(n) for n in context.notes),
                           max_tokens=context.max_tokens, temperature=context.temperature)
        async for sentence in stream_command(self._state.redis, self._show_id, command,
                                             timeout_s=COMPLETION_TIMEOUT_S):
            yield ReplySentence.from_wire(sentence) if isinstance(sentence, dict) \
                else ReplySentence(str(sentence), Emotion.NEUTRAL, 0.0)  # an older worker's text


COMPLETION_TIMEOUT_S = 60.0


class RemoteChatQueue(ChatQueue):
    """The show's chat queue seen from an API replica: chat is admitted by the intake
    (:mod:`stage.cluster.intake`) into the show's stream and queued on the worker, so
    this one stays empty; its length is the holder's queue depth, and the control room's
    chat desk (view, answer now, skip, block) goes to the holder as typed commands."""

    def __init__(self, state: ClusterAppState, session: RemoteShowSession) -> None:
        super().__init__()
        self._state, self._session = state, session

    def __len__(self) -> int:
        return int(self._session.remote.get("chat_queue") or 0)

    # the control room's chat desk (:mod:`stage.server.chatdesk` on the holder)
    async def _send(self, command: Command, timeout_s: float = 5.0) -> Any:
        return (await send_command(self._state.redis, self._session.id, command,
                                   timeout_s=timeout_s)).get("result")

    async def view(self) -> QueueView:
        """The holder's queue (best first), its latest drops and blocked viewers (at once
        ``ClusterUnavailable`` while no worker holds the show)."""
        _held(self._session)
        return QueueView.model_validate(await self._send(ChatView()))

    async def answer_now(self, message_id: int) -> str:
        return str(await self._send(AnswerNow(message=message_id),
                                    timeout_s=COMPLETION_TIMEOUT_S))

    async def skip_message(self, message_id: int) -> str:
        return str(await self._send(SkipMessage(message=message_id)))

    async def block_viewer(self, viewer: str) -> str:
        return str(await self._send(BlockViewer(viewer=viewer)))

    async def unblock_viewer(self, viewer: str) -> str:
        return str(await self._send(UnblockViewer(viewer=viewer)))
