"""Rundowns: parse and validate a show's YAML into typed segments.

Validation runs the published JSON Schema, then checks what a schema cannot (music
files exist, cue times increase, ids are unique). Every problem names the file, the line
and column (from YAML node marks) and the field path, e.g.
``show.yaml:14:7: segments[2].music: file not found: music/intro.ogg``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from models.types import Emotion, InputError

from .schema import RUNDOWN_SCHEMA

_VALIDATOR = jsonschema.Draft202012Validator(RUNDOWN_SCHEMA)
_TAG = re.compile(r"\[([A-Za-z][\w\-]{0,40})\]")
_EMOTIONS = {e.value for e in Emotion}
WORDS_PER_SECOND = 2.5  # planning estimate for the clock (150 words per minute)


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


@dataclass
class Line:
    """A line to speak with its emotion, intensity and gestures."""

    text: str
    emotion: Emotion | None = None
    intensity: float | None = None
    gestures: tuple[str, ...] = ()
    pause_after: float = 0.0

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class Segment:
    """One rundown entry. ``kind`` is the segment type; type-specific fields are set only
    for their type. ``at`` is a cue in show seconds (None: right after the previous)."""

    kind: str
    index: int
    line_no: int
    id: str
    at: float | None = None
    repeat: int = 1
    interruptible: bool | None = None
    priority: int = 10
    lines: list[Line] = field(default_factory=list)       # say, promo pitch
    intro: Line | None = None                              # dance, chat, qa
    outro: Line | None = None                              # chat
    music: Path | None = None                              # dance, pause, break
    style: str | None = None                               # dance
    duration: float | None = None                          # dance, pause, break
    finale: bool = False                                   # dance
    minutes: float | None = None                           # chat
    messages: int | None = None                            # chat
    idle_lines: list[Line] = field(default_factory=list)   # chat
    questions: list[tuple[str, str]] = field(default_factory=list)  # qa: (text, from)
    product: dict[str, Any] = field(default_factory=dict)  # promo
    overlay: dict[str, Any] = field(default_factory=dict)  # promo
    card: str | None = None                                # pause, break

    def estimated_seconds(self) -> float:
        """Planned length for the clock (speech at 150 words per minute)."""
        words = sum(line.words for line in self.lines)
        words += sum(line.words for line in (self.intro, self.outro) if line)
        speech = words / WORDS_PER_SECOND + sum(line.pause_after for line in self.lines)
        if self.kind == "dance":
            return speech + (self.duration or 30.0)
        if self.kind == "chat":
            return speech + (self.minutes * 60 if self.minutes else 15.0 * (self.messages or 1))
        if self.kind == "qa":
            return speech + 20.0 * len(self.questions)
        if self.kind in ("pause", "break"):
            return speech + (self.duration or 0.0)
        return speech


@dataclass
class Preemption:
    """Who may cut what: viewer messages at or above ``viewer_min_priority`` may interrupt
    segments whose type is in ``viewer_interrupts`` (never a dance finale); host overrides
    carry ``host_priority`` and cut segments of lower ``priority``."""

    viewer_interrupts: tuple[str, ...] = ("pause", "break")
    viewer_min_priority: float = 3.0
    host_priority: int = 100


@dataclass
class Rundown:
    """A validated show: metadata, persona, avatar, voice, outputs, rules and segments."""

    title: str
    id: str
    source: Path | None
    segments: list[Segment]
    persona: dict[str, Any] = field(default_factory=dict)
    avatar: Path | None = None
    voice: dict[str, Any] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    preemption: Preemption = field(default_factory=Preemption)
    loop: int = 1  # 0 = forever
    planned_duration: float | None = None

    def clock(self) -> list[tuple[float, Segment]]:
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
            flags = " finale" if seg.finale else ""
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


def parse_time(value: float | int | str, where: str = "time") -> float:
    """Seconds from a number or ``ss`` / ``mm:ss`` / ``hh:mm:ss`` text."""
    if isinstance(value, int | float):
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


def parse_line(raw: str | dict[str, Any]) -> Line:
    """A rundown line: ``[happy] Hi there! [wave]`` or ``{text, emotion, gestures}``.

    Inline ``[tags]`` that name an emotion set it; other tags are gestures.
    """
    data = {"text": raw} if isinstance(raw, str) else dict(raw)
    emotion = Emotion.parse(data["emotion"]) if data.get("emotion") else None
    gestures = list(data.get("gestures") or [])
    for tag in _TAG.findall(data["text"]):
        if tag.lower() in _EMOTIONS:
            emotion = emotion or Emotion.parse(tag)
        else:
            gestures.append(tag)
    text = re.sub(r"\s+", " ", _TAG.sub(" ", data["text"])).strip()
    if not text:
        raise InputError(f"line has only tags, no words: {data['text']!r}")
    intensity = data.get("intensity")
    return Line(text, emotion, None if intensity is None else float(intensity), tuple(gestures),
                float(data.get("pause_after", 0.0)))
