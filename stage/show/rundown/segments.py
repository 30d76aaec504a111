"""Segment types of a rundown, one class each, in a union discriminated by ``type``;
adding a segment type is one class here and one name in :data:`RundownSegment`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from vhuman.models.types import Emotion, InputError

from .fields import Name, RundownModel, Seconds, resolve_file
from .lines import Line, Lines, speech_seconds


class SegmentBase(RundownModel):
    """What every segment has. ``at`` is a cue in show seconds (None: right after the
    previous one); ``index`` is its position in the rundown, ``line_no`` its file line."""

    type: str
    id: str = Field("", pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    at: Seconds | None = Field(None, description="cue: start at this show time "
                                                 "(else after the previous)")
    repeat: int = Field(1, ge=1, le=1000)
    interruptible: bool | None = Field(
        None, description="may viewer messages interrupt it (overrides preemption)")
    priority: int = Field(10, ge=0, le=1000, description="host overrides need a higher "
                                                        "priority to cut this segment")
    notes: str | None = None
    camera: Literal["wide", "medium", "close_up", "guest"] | None = Field(
        None, description="camera shot to cut to when the segment starts (live program)")
    _index: int = PrivateAttr(0)
    _line_no: int = PrivateAttr(1)

    @property
    def kind(self) -> str:
        return self.type

    @property
    def index(self) -> int:
        return self._index

    @property
    def line_no(self) -> int:
        return self._line_no

    @property
    def is_finale(self) -> bool:
        """A finale (only a dance can be one) is never cut by viewers."""
        return False

    def spoken_lines(self) -> list[Line]:
        """Every scripted line of the segment, in order (for planning and previews)."""
        return []

    def estimated_seconds(self) -> float:
        """Planned length for the clock (speech at 150 words per minute)."""
        return speech_seconds(*self.spoken_lines())


class SaySegment(SegmentBase):
    """Lines spoken in order; ``emotion`` is the default for lines that name none."""

    type: Literal["say"]
    lines: Lines
    emotion: Emotion | None = None

    @model_validator(mode="after")
    def _default_emotion(self) -> SaySegment:
        if self.emotion is not None:
            for line in self.lines:
                if line.emotion is None:
                    object.__setattr__(line, "emotion", self.emotion)
        return self

    def spoken_lines(self) -> list[Line]:
        return list(self.lines)


class _PerformanceSegment(SegmentBase):
    """A dance or a song: an optional spoken intro, and a ``finale`` that ends the show
    big (priority 90 unless given) and is never interrupted by viewers."""

    finale: bool = Field(False, description="a finale is never interrupted by viewers")
    intro: Line | None = None

    @model_validator(mode="before")
    @classmethod
    def _finale_priority(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("finale") is True and "priority" not in data:
            return {**data, "priority": 90}
        return data

    @model_validator(mode="after")
    def _finale_not_interruptible(self) -> _PerformanceSegment:
        if self.finale and self.interruptible:
            raise PydanticCustomError("finale", f"a {self.type} finale is never interruptible")
        return self

    @property
    def is_finale(self) -> bool:
        return self.finale

    def spoken_lines(self) -> list[Line]:
        return [self.intro] if self.intro else []


class DanceSegment(_PerformanceSegment):
    """A dance to a music file, after an optional spoken intro."""

    type: Literal["dance"]
    music: Path
    style: Name | None = None
    clip: str | None = Field(None, min_length=1, max_length=200, description=(
        "dance the avatar's own animation clip of this name (as `vhuman avatar inspect` "
        "lists it), looped onto the music's beats by time-warp"))
    duration: Seconds | None = None

    @field_validator("music", mode="before")
    @classmethod
    def _music_file(cls, value: Any, info: ValidationInfo) -> Path:
        return resolve_file(value, info, "music")


    def estimated_seconds(self) -> float:
        return super().estimated_seconds() + (self.duration or 30.0)


class SingSegment(_PerformanceSegment):
    """A song sung with the host's own voice (MusicXML, MIDI with lyrics, or YAML), with
    a backing (an audio file, ``score``: the score's other parts, or ``none``; default:
    the score's parts if it has any), a dance ``style`` (sway | dance | still) and an
    optional spoken intro. A ``finale`` ends big and is never cut by viewers."""

    type: Literal["sing"]
    score: Path
    backing: str | None = Field(None, description="audio file, 'score' or 'none'")
    backing_start: Seconds = Field(0.0, description="where the score begins in the backing "
                                                    "file (its intro plays first)")
    style: Literal["sway", "dance", "still"] = "sway"
    emotion: Emotion | None = None
    transpose: Literal["auto", "none"] | int = "auto"

    @field_validator("score", mode="before")
    @classmethod
    def _score_file(cls, value: Any, info: ValidationInfo) -> Path:
        path = resolve_file(value, info, "score")
        from vhuman.models.sing import load_score

        try:  # a score that cannot be sung is a rundown error, with its file and measure
            load_score(path)
        except InputError as exc:
            raise PydanticCustomError("score", "{message}", {"message": str(exc)}) from None
        return path

    @field_validator("backing", mode="before")
    @classmethod
    def _backing_file(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None or str(value) in ("score", "none"):
            return value
        return str(resolve_file(value, info, "backing"))


    def estimated_seconds(self) -> float:
        from vhuman.models.sing import load_score

        return super().estimated_seconds() + load_score(self.score).duration


class ChatSegment(SegmentBase):
    """A chat window: answer viewers for ``minutes`` or ``messages`` (whichever first)."""

    type: Literal["chat"]
    minutes: float | None = Field(None, gt=0, le=600)
    messages: int | None = Field(None, ge=1, le=10000)
    intro: Line | None = None
    outro: Line | None = None
    idle_lines: list[Line] = Field(default_factory=list, max_length=500,
                                   description="said when nobody writes for a while")

    model_config = ConfigDict(json_schema_extra={
        "anyOf": [{"required": ["minutes"]}, {"required": ["messages"]}]})

    @model_validator(mode="after")
    def _bounded(self) -> ChatSegment:
        if self.minutes is None and self.messages is None:
            raise PydanticCustomError("needs_one_of", "needs one of: 'minutes', 'messages'")
        return self

    def spoken_lines(self) -> list[Line]:
        return [ln for ln in (self.intro, self.outro) if ln]

    def estimated_seconds(self) -> float:
        window = self.minutes * 60 if self.minutes else 15.0 * (self.messages or 1)
        return super().estimated_seconds() + window


class Question(RundownModel):
    """A press question: its text and who asks it (``from``)."""

    model_config = ConfigDict(populate_by_name=True)

    text: str = Field(min_length=1, max_length=1000)
    asker: str = Field("", alias="from", max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 1000},
                          handler(core_schema)]}


class QASegment(SegmentBase):
    """Press questions answered from the knowledge base (or the dialogue brain)."""

    type: Literal["qa"]
    questions: list[Question] = Field(min_length=1, max_length=200)
    intro: Line | None = None

    def spoken_lines(self) -> list[Line]:
        return [self.intro] if self.intro else []

    def estimated_seconds(self) -> float:
        return super().estimated_seconds() + 20.0 * len(self.questions)


class InterviewSegment(SegmentBase):
    """A guest interview: the host introduces the guest and the topic, asks the
    questions in order, listens to each answer (recognised speech), follows up on it when
    time allows, and wraps up so the segment ends within ``minutes``."""

    type: Literal["interview"]
    guest: str = Field(min_length=1, max_length=64, description="the guest's display name")
    topic: str = Field(min_length=1, max_length=300)
    questions: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        min_length=1, max_length=50)
    minutes: float = Field(gt=0, le=180, description="time limit, wrap-up included")
    answer_s: float = Field(45.0, ge=3, le=600, description="longest wait for an answer")
    follow_ups: bool = Field(True, description="ask one follow-up per answer when time allows")
    layout: Literal["host_pip", "side_by_side", "guest_pip"] | None = Field(
        None, description="program layout during the interview (guests on air)")
    intro: Line | None = None
    outro: Line | None = None

    def spoken_lines(self) -> list[Line]:
        return [ln for ln in (self.intro, self.outro) if ln]

    def estimated_seconds(self) -> float:
        return self.minutes * 60


class Product(RundownModel):
    """What a promo sells; shown as an overlay card while the pitch is spoken."""

    name: str = Field(min_length=1, max_length=200)
    price: float = Field(ge=0)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    selling_points: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=10)
    image: str | None = None
    url: str | None = None


class Overlay(RundownModel):
    """Where and how long the product card shows (``seconds``: at least this long)."""

    position: Literal["left", "right", "bottom", "top"] = "right"
    seconds: float = Field(0.0, ge=0)
    theme: str | None = None


class PromoSegment(SegmentBase):
    """A product pitch with its overlay card."""

    type: Literal["promo"]
    product: Product
    pitch: Lines
    overlay: Overlay = Field(default_factory=Overlay)

    def spoken_lines(self) -> list[Line]:
        return list(self.pitch)


class PauseSegment(SegmentBase):
    """A pause or break: a card and/or music for ``duration`` seconds."""

    type: Literal["pause", "break"]
    duration: Seconds
    music: Path | None = None
    card: str | None = Field(None, max_length=500)
    volume: float | None = Field(None, ge=0, le=1)

    @field_validator("music", mode="before")
    @classmethod
    def _music_file(cls, value: Any, info: ValidationInfo) -> Path | None:
        return None if value is None else resolve_file(value, info, "music")

    def estimated_seconds(self) -> float:
        return super().estimated_seconds() + self.duration


RundownSegment = Annotated[SaySegment | DanceSegment | ChatSegment | QASegment | PromoSegment
                    | PauseSegment | SingSegment | InterviewSegment, Field(discriminator="type")]
SEGMENT_TYPES = ("say", "dance", "chat", "qa", "promo", "pause", "break", "sing", "interview")

