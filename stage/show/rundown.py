"""Rundowns: a show's YAML as typed pydantic models (one model per segment type).

The models are the single source of truth: they validate the file, they are what the
show runner plays, and they generate the published JSON Schema
(``schemas/rundown.schema.json``, see :mod:`stage.show.schema`). A segment is a
discriminated union on ``type``; adding a segment type is one class in the union.
:mod:`stage.show.loader` locates every validation problem by file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from vhuman.dialogue.persona import Persona
from vhuman.models.textproc.tags import TAG_PATTERN
from vhuman.models.tts.registry import BACKENDS as TTS_BACKENDS
from vhuman.models.types import Emotion, InputError

WORDS_PER_SECOND = 2.5  # planning estimate for the clock (150 words per minute)
_EMOTIONS = {e.value for e in Emotion}


@dataclass(frozen=True)
class Problem:
    """One validation problem located in the rundown file."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}:{self.column}: {where}{self.message}"


class RundownError(InputError):
    """A rundown failed validation; ``problems`` lists every located problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("invalid rundown:\n" + "\n".join(f"  {p}" for p in problems))


# -- field types ----------------------------------------------------------------------


def parse_time(value: float | int | str, where: str = "time") -> float:
    """Seconds from a number or ``ss`` / ``mm:ss`` / ``hh:mm:ss`` text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    parts = str(value).strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{where}: not a time: {value!r}") from None
    seconds = 0.0
    for n in numbers:
        seconds = seconds * 60 + n
    return seconds


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("time", "not a time: {value}", {"value": repr(value)})
    try:
        seconds = parse_time(value)
    except InputError:
        raise PydanticCustomError("time", "not a time: {value}", {"value": repr(value)}) from None
    if seconds < 0:
        raise PydanticCustomError("time", "a time must not be negative: {value}",
                                  {"value": repr(value)})
    return seconds


_TIME_SCHEMA = {"description": "seconds, or 'mm:ss' / 'hh:mm:ss'",
                "oneOf": [{"type": "number", "minimum": 0},
                          {"type": "string", "pattern": r"^\d+(:\d{1,2}){0,2}(\.\d+)?$"}]}
Seconds = Annotated[float, BeforeValidator(_seconds), WithJsonSchema(_TIME_SCHEMA)]
Name = Annotated[str, Field(min_length=1, max_length=64)]


def _resolve_file(value: Any, info: ValidationInfo, what: str) -> Path:
    """A file named in the rundown, relative to the rundown's folder; it must exist."""
    resolve = (info.context or {}).get("resolve_file")
    if resolve is not None:  # the server's media root (stage/server/media.py)
        try:
            return resolve(str(value), what)  # type: ignore[no-any-return]
        except InputError as exc:
            raise PydanticCustomError("file_refused", "{message}",
                                      {"message": str(exc)}) from None
    base = Path((info.context or {}).get("base_dir") or Path.cwd())
    candidate = Path(str(value)).expanduser()
    candidate = candidate if candidate.is_absolute() else base / candidate
    if not candidate.is_file():
        raise PydanticCustomError("file_not_found", "{what} file not found: {value}",
                                  {"what": what, "value": str(value)})
    return candidate


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Line(_Model):
    """A line to speak: text (inline ``[tags]`` name its emotion and gestures) or an
    object with ``text``, ``emotion``, ``intensity``, ``gestures``, ``pause_after``."""

    text: str = Field(min_length=1, max_length=2000)
    emotion: Emotion | None = None
    intensity: float | None = Field(None, ge=0, le=1)
    gestures: tuple[Name, ...] = Field((), max_length=8)
    pause_after: float = Field(0.0, ge=0, le=60)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _tags(self) -> Line:
        """Inline tags that name an emotion set it (unless given); others are gestures."""
        gestures = list(self.gestures)
        emotion = self.emotion
        for match in TAG_PATTERN.finditer(self.text):
            tag = match.group("name")
            if tag.lower() in _EMOTIONS:
                emotion = emotion or Emotion.parse(tag)
            else:
                gestures.append(tag)
        text = re.sub(r"\s+", " ", TAG_PATTERN.sub(" ", self.text)).strip()
        if not text:
            raise PydanticCustomError("tags_only", "line has only tags, no words: {text}",
                                      {"text": repr(self.text)})
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "emotion", emotion)
        object.__setattr__(self, "gestures", tuple(gestures))
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        return {"description": "a line to speak: text (inline [tags] allowed) or an object",
                "oneOf": [{"type": "string", "minLength": 1, "maxLength": 2000}, schema]}

    @property
    def words(self) -> int:
        return len(self.text.split())


Lines = Annotated[list[Line], Field(min_length=1, max_length=500)]


def parse_line(raw: str | dict[str, Any]) -> Line:
    """A rundown line from ``[happy] Hi there! [wave]`` or ``{text, emotion, gestures}``."""
    try:
        return Line.model_validate(raw)
    except ValidationError as exc:
        raise InputError("; ".join(e["msg"] for e in exc.errors())) from None


def _speech_seconds(*lines: Line | None) -> float:
    spoken = [ln for ln in lines if ln is not None]
    return (sum(ln.words for ln in spoken) / WORDS_PER_SECOND
            + sum(ln.pause_after for ln in spoken))


# -- segments -------------------------------------------------------------------------


class SegmentBase(_Model):
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
        return _speech_seconds(*self.spoken_lines())


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
        return _resolve_file(value, info, "music")


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
        path = _resolve_file(value, info, "score")
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
        return str(_resolve_file(value, info, "backing"))


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


class Question(_Model):
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


class Product(_Model):
    """What a promo sells; shown as an overlay card while the pitch is spoken."""

    name: str = Field(min_length=1, max_length=200)
    price: float = Field(ge=0)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    selling_points: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=10)
    image: str | None = None
    url: str | None = None


class Overlay(_Model):
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
        return None if value is None else _resolve_file(value, info, "music")

    def estimated_seconds(self) -> float:
        return super().estimated_seconds() + self.duration


RundownSegment = Annotated[SaySegment | DanceSegment | ChatSegment | QASegment | PromoSegment
                    | PauseSegment | SingSegment | InterviewSegment, Field(discriminator="type")]
SEGMENT_TYPES = ("say", "dance", "chat", "qa", "promo", "pause", "break", "sing", "interview")

# -- the show ------------------------------------------------------------------------


class ShowInfo(_Model):
    """The show's title, id (default: from the title), planned duration and looping."""

    title: str = Field(min_length=1, max_length=200)
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    description: str | None = None
    duration: Seconds | None = None
    loop: bool | Annotated[int, Field(ge=1, le=1000)] = Field(
        False, description="true: forever; N: play the rundown N times")


#: the voice backends a rundown may name: the TTS registry's names, spelled nowhere else
TTSName = Literal[tuple(TTS_BACKENDS)]  # type: ignore[valid-type]


class VoiceSection(BaseModel):
    """Which voice speaks the show."""

    backend: TTSName | None = None  # type: ignore[valid-type]
    voice: str | None = None
    rate: float | None = Field(None, ge=0.25, le=4)


class Preemption(_Model):
    """Who may cut what: viewer messages at or above ``viewer_min_priority`` may interrupt
    segments whose type is in ``viewer_interrupts`` (never a dance finale); host overrides
    carry ``host_priority`` and cut segments of lower ``priority``."""

    viewer_interrupts: tuple[Literal["say", "dance", "chat", "qa", "promo", "pause",
                                     "break", "sing"], ...] = Field(
        ("pause", "break"), description="segment types viewer messages may cut")
    viewer_min_priority: float = Field(3.0, ge=0,
                                       description="chat priority needed to interrupt")
    host_priority: int = Field(100, ge=0, le=1000)


class Rundown(_Model):
    """A validated show: metadata, persona, avatar, voice, outputs, rules and segments."""

    show: ShowInfo
    persona: Persona | None = Field(None, description="the character (as a persona file)")
    avatar: Path | None = Field(None, description="a .glb / .vrm file; null: built-in")
    voice: VoiceSection = Field(default_factory=VoiceSection)
    outputs: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    preemption: Preemption = Field(default_factory=Preemption)
    segments: list[RundownSegment] = Field(min_length=1, max_length=1000)
    _source: Path | None = PrivateAttr(None)

    @field_validator("avatar", mode="before")
    @classmethod
    def _avatar_file(cls, value: Any, info: ValidationInfo) -> Path | None:
        return None if value in (None, "") else _resolve_file(value, info, "avatar")

    @model_validator(mode="after")
    def _number_segments(self) -> Rundown:
        for i, seg in enumerate(self.segments):
            seg._index = i
            if not seg.id:
                object.__setattr__(seg, "id", f"{i + 1:02d}-{seg.type}")
        return self

    @model_validator(mode="after")
    def _dance_clips_exist(self) -> Rundown:
        wanted = [(i, s.clip) for i, s in enumerate(self.segments)
                  if isinstance(s, DanceSegment) and s.clip]
        if not wanted:
            return self
        if self.avatar is None:
            raise PydanticCustomError("clip", "a dance clip needs an avatar file with clips "
                                      "(the built-in character has none)")
        from vhuman.avatar.clips import AvatarClips

        clips = AvatarClips(self.avatar)
        for i, name in wanted:
            if not clips.has(name):
                raise PydanticCustomError(
                    "clip", "segment {index}: the avatar has no clip '{name}' (clips: {have})",
                    {"index": i + 1, "name": name, "have": ", ".join(clips.names()) or "none"})
        return self

    @property
    def title(self) -> str:
        return self.show.title

    @property
    def id(self) -> str:
        return self.show.id or _slug(self.show.title)

    @property
    def loop(self) -> int:
        """How many times the rundown plays; 0 = forever."""
        return 0 if self.show.loop is True else int(self.show.loop or 1)

    @property
    def planned_duration(self) -> float | None:
        return self.show.duration

    @property
    def source(self) -> Path | None:
        """The file this rundown was loaded from (None when parsed from text)."""
        return self._source

    def clock(self) -> list[tuple[float, SegmentBase]]:
        """Planned start time of each segment (cues honoured, repeats expanded once)."""
        t, plan = 0.0, []
        for seg in self.segments:
            if seg.at is not None:
                t = max(t, seg.at)
            plan.append((t, seg))
            t += seg.estimated_seconds() * seg.repeat
        return plan

    @property
    def summary(self) -> str:
        """A printable run sheet: title, then each segment's planned start and length."""
        rows = [f"{self.title} ({self.id}): {len(self.segments)} segments, about "
                f"{_mmss(self.estimated_seconds())}"
                + (f" (planned {_mmss(self.planned_duration)})" if self.planned_duration
                   else "")]
        for start, seg in self.clock():
            flags = " finale" if seg.is_finale else ""
            flags += f" x{seg.repeat}" if seg.repeat > 1 else ""
            rows.append(f"  {_mmss(start):>6}  {seg.kind:<6} {seg.id}"
                        f"  ~{seg.estimated_seconds():.0f}s{flags}")
        return "\n".join(rows)

    def estimated_seconds(self) -> float:
        plan = self.clock()
        return plan[-1][0] + plan[-1][1].estimated_seconds() * plan[-1][1].repeat


def _mmss(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def _slug(title: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    return "-".join(filter(None, slug.split("-")))[:64] or "show"
