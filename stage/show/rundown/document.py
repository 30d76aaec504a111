"""The rundown document: show info, voice, preemption rules and the segment list, with
the planned clock and a printable run sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from vhuman.dialogue.persona import Persona
from vhuman.models.tts.registry import BACKENDS as TTS_BACKENDS

from .fields import RundownModel, Seconds, resolve_file
from .segments import DanceSegment, RundownSegment, SegmentBase


class ShowInfo(RundownModel):
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


class Preemption(RundownModel):
    """Who may cut what: viewer messages at or above ``viewer_min_priority`` may interrupt
    segments whose type is in ``viewer_interrupts`` (never a dance finale); host overrides
    carry ``host_priority`` and cut segments of lower ``priority``."""

    viewer_interrupts: tuple[Literal["say", "dance", "chat", "qa", "promo", "pause",
                                     "break", "sing"], ...] = Field(
        ("pause", "break"), description="segment types viewer messages may cut")
    viewer_min_priority: float = Field(3.0, ge=0,
                                       description="chat priority needed to interrupt")
    host_priority: int = Field(100, ge=0, le=1000)


class Rundown(RundownModel):
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
        return None if value in (None, "") else resolve_file(value, info, "avatar")

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
        t, plan = 0.0, list[tuple[float, SegmentBase]]()
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
