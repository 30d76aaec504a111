"""The typed table of host commands that travel from an API replica to the worker
holding a show: one pydantic model per command, a union discriminated by ``op``, encoded
and decoded here only (JSON in the ``vh:cmd:<show>`` stream).

The API side builds them in :mod:`stage.cluster.remote` (its ``RemotePerformer``,
``RemoteRunner`` and ``RemoteChatQueue`` have the real objects' typed methods); the
worker decodes one and :func:`perform` / :func:`direct` / :func:`desk` call the matching
typed method. A new command is one
class here, one ``case`` where it is carried out, and one method that sends it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from vhuman.models.types import Emotion

from ..server import chatdesk, rundesk
from ..server.rundesk import take_shot

if TYPE_CHECKING:
    from ..performer import Performer, SpeechHandle
    from ..server.state import AppState, ShowSession
    from ..show.runner import ShowRunner


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    concurrent: ClassVar[bool] = False
    """Runs beside the show's other commands (it takes model time; say-now must not wait)."""


# -- the performer (what the live host does) -------------------------------------------
class Say(_Command):
    op: Literal["performer.say"] = "performer.say"
    text: str
    emotion: Emotion | None = None
    intensity: float | None = None
    priority: int = 0
    source: str = "host"
    gestures: tuple[str, ...] = ()


class Interrupt(_Command):
    op: Literal["performer.interrupt"] = "performer.interrupt"
    reason: str = ""


class SetEmotion(_Command):
    op: Literal["performer.set_emotion"] = "performer.set_emotion"
    emotion: Emotion
    intensity: float = 0.6


class Gesture(_Command):
    op: Literal["performer.gesture"] = "performer.gesture"
    name: str


class Dance(_Command):
    op: Literal["performer.dance"] = "performer.dance"
    music: Path | None
    duration: float | None = None
    style: str | None = None


class Sing(_Command):
    op: Literal["performer.sing"] = "performer.sing"
    score: Path
    backing: str | None = None
    style: str | None = None
    emotion: Emotion | None = None
    intensity: float | None = None
    finale: bool = False
    transpose: int | str = "auto"
    priority: int = 0
    backing_start: float = 0.0


class ShowOverlay(_Command):
    op: Literal["performer.show_overlay"] = "performer.show_overlay"
    card: dict[str, Any] | None  # a promo card: JSON as the control route took it


class SetShot(_Command):
    """A camera shot; answered with the camera's status."""

    op: Literal["performer.set_shot"] = "performer.set_shot"
    shot: Literal["wide", "medium", "close_up", "guest"]
    transition: Literal["cut", "ease"] = "cut"
    seconds: float = Field(0.6, ge=0, le=5)


PerformerCommand = Say | Interrupt | SetEmotion | Gesture | Dance | Sing | ShowOverlay | SetShot


# -- the rundown's runner -----------------------------------------------------------------
class Pause(_Command):
    op: Literal["runner.pause"] = "runner.pause"


class Resume(_Command):
    op: Literal["runner.resume"] = "runner.resume"


class Skip(_Command):
    op: Literal["runner.skip"] = "runner.skip"


class Stop(_Command):
    op: Literal["runner.stop"] = "runner.stop"


class HostSay(_Command):
    op: Literal["runner.host_say"] = "runner.host_say"
    text: str
    emotion: Emotion | None = None
    priority: int | None = None


RunnerCommand = Pause | Resume | Skip | Stop | HostSay


# -- the control room's run-of-show and chat desk (:mod:`stage.server.rundesk`,
# :mod:`stage.server.chatdesk` carry them out on the holder's session) -------------------
class Timeline(_Command):
    """The run-of-show now; answered with a ``TimelineOut``."""

    op: Literal["rundown.timeline"] = "rundown.timeline"


class Reorder(_Command):
    """The segments not yet aired, in a new order; answered with the timeline."""

    op: Literal["rundown.reorder"] = "rundown.reorder"
    order: tuple[str, ...]


class Insert(_Command):
    """A segment (as in a rundown file) added after ``after`` or as the next one; the
    holder checks it like a rundown's; answered with the timeline."""

    op: Literal["rundown.insert"] = "rundown.insert"
    segment: dict[str, Any]
    after: str | None = None


class ChatView(_Command):
    """The chat queue (best first), its latest drops, the blocked viewers."""

    op: Literal["chat.view"] = "chat.view"


class AnswerNow(_Command):
    """Answer a queued message now (what is being said stops)."""

    op: Literal["chat.answer_now"] = "chat.answer_now"
    concurrent: ClassVar[bool] = True
    message: int


class SkipMessage(_Command):
    op: Literal["chat.skip"] = "chat.skip"
    message: int


class BlockViewer(_Command):
    op: Literal["chat.block"] = "chat.block"
    viewer: str


class UnblockViewer(_Command):
    op: Literal["chat.unblock"] = "chat.unblock"
    viewer: str


DeskCommand = (Timeline | Reorder | Insert | ChatView | AnswerNow | SkipMessage | BlockViewer
               | UnblockViewer)


# -- the show, its video and its guests ---------------------------------------------------
class StartShow(_Command):
    """Play the rundown from its beginning."""

    op: Literal["show.start"] = "show.start"


class Transcribe(_Command):
    """Put a line said through an API replica's route into the transcript (the holder
    has its speech handles)."""

    op: Literal["show.transcribe"] = "show.transcribe"
    kind: str
    handles: tuple[int, ...]
    text: str
    answered: str | None = None
    viewer: str | None = None
    sources: tuple[str, ...] = ()


class Complete(_Command):
    """``/v1/chat/completions`` on the holder's brain; answered with the reply's sentences."""

    op: Literal["show.complete"] = "show.complete"
    concurrent: ClassVar[bool] = True
    text: str
    viewer: str | None = None
    history: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    max_tokens: int | None = None
    temperature: float | None = None


class WebRtcAnswer(_Command):
    """A viewer page's WebRTC offer, answered by the worker that renders the show."""

    op: Literal["webrtc.answer"] = "webrtc.answer"
    sdp: str
    kind: str
    client: str = "remote"


class WebRtcBye(_Command):
    op: Literal["webrtc.bye"] = "webrtc.bye"
    peer: str
    client: str = ""


class GuestCall(_Command):
    """A guest operation (invites, host controls, a guest's WebRTC join), carried out by
    :class:`~stage.guests.service.GuestService` with its own argument checks."""

    op: Literal["guests"] = "guests"
    method: Literal["invite", "list", "control", "program", "join", "me", "caption"]
    args: dict[str, Any] = Field(default_factory=dict)


Command = Annotated[
    Say | Interrupt | SetEmotion | Gesture | Dance | Sing | ShowOverlay | SetShot
    | Pause | Resume | Skip | Stop | HostSay
    | Timeline | Reorder | Insert | ChatView | AnswerNow | SkipMessage | BlockViewer
    | UnblockViewer
    | StartShow | Transcribe | Complete | WebRtcAnswer | WebRtcBye | GuestCall,
    Field(discriminator="op")]
_TABLE: TypeAdapter[Command] = TypeAdapter(Command)


def encode(command: Command) -> str:
    """The command as it travels (JSON)."""
    return command.model_dump_json()


def decode(raw: str | bytes) -> Command:
    """A command from the stream; ``pydantic.ValidationError`` names what is wrong."""
    return _TABLE.validate_json(raw)


async def perform(performer: Performer, command: PerformerCommand
                  ) -> SpeechHandle | dict[str, Any] | None:
    """Carry out a performer command with the performer's own typed method."""
    match command:
        case Say():
            return await performer.say(command.text, emotion=command.emotion,
                                       intensity=command.intensity,
                                       priority=command.priority, source=command.source,
                                       gestures=command.gestures)
        case Interrupt():
            await performer.interrupt(command.reason)
        case SetEmotion():
            await performer.set_emotion(command.emotion, command.intensity)
        case Gesture():
            await performer.gesture(command.name)
        case Dance():
            return await performer.dance(command.music, duration=command.duration,
                                         style=command.style)
        case Sing():
            return await performer.sing(command.score, backing=command.backing,
                                        style=command.style, emotion=command.emotion,
                                        intensity=command.intensity, finale=command.finale,
                                        transpose=command.transpose,
                                        priority=command.priority,
                                        backing_start=command.backing_start)
        case ShowOverlay():
            await performer.show_overlay(command.card)
        case SetShot():
            return take_shot(performer, command.shot, command.transition, command.seconds)
    return None


async def direct(runner: ShowRunner, command: RunnerCommand) -> SpeechHandle | None:
    """Carry out a runner command with the runner's own typed method."""
    match command:
        case Pause():
            await runner.pause()
        case Resume():
            await runner.resume()
        case Skip():
            await runner.skip()
        case Stop():
            await runner.stop()
        case HostSay():
            return await runner.host_say(command.text, emotion=command.emotion,
                                         priority=command.priority)
    return None


async def desk(state: AppState, session: ShowSession, command: DeskCommand) -> Any:
    """Carry out a control-room command on the session held here (the same functions the
    single-server routes call); answered as JSON."""
    match command:
        case Timeline():
            return rundesk.timeline(session).model_dump(mode="json")
        case Reorder():
            return rundesk.reorder(session, list(command.order)).model_dump(mode="json")
        case Insert():
            timeline = await rundesk.insert(state, session, command.segment, command.after)
            return timeline.model_dump(mode="json")
        case ChatView():
            return chatdesk.queue_view(session).model_dump(mode="json")
        case AnswerNow():
            return await chatdesk.answer_now(state, session, command.message)
        case SkipMessage():
            return chatdesk.skip(session, command.message)
        case BlockViewer():
            return chatdesk.block(session, command.viewer)
        case UnblockViewer():
            return chatdesk.unblock(session, command.viewer)
    return None
