"""What a reply is (the sentences the brain yields, what the body does with them, the whole
reply, per-call settings) and how streamed model text is cut into pieces the voice can
start on. These types are the contract between the dialogue and the stage: the stage reads
their fields, never probes for attributes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from vhuman.models.text import SentenceStream
from vhuman.models.types import Emotion

from .moderation import ModerationResult
from .tags import parse_tags

_CLAUSE = re.compile(r"^(.{16,}?[,;:—])\s+(?=\S)")
_OPEN_MARK = re.compile(r"[\[(*][^\])*]{0,24}$")  # a tag still being written: "[wa"


@dataclass(frozen=True)
class SingCue:
    """After the sentence, sing ``title`` from the show's repertoire (its score file)."""

    title: str
    score: Path


@dataclass(frozen=True)
class DanceCue:
    """After the sentence, dance for ``seconds`` (no music)."""

    seconds: float = 6.0


PerformCue = SingCue | DanceCue
"""What the host performs after a sentence, beyond its gestures."""


@dataclass
class ReplySentence:
    """One sentence to speak, with its emotion (0..1 intensity) and action tags.

    ``source``: llm | opener | template | memory | small_talk | kb | unsure | deflection |
    fallback | ``skill:<name>``. An ``opener`` is the instant acknowledgement spoken while the model
    writes the rest. ``language``: the sentence's language (ISO 639-1), so the voice can
    pick one that speaks it. ``tags``: the action words of the reply grammar
    (:mod:`vhuman.models.textproc.tags`): gestures, ``dance``, ``sing:<title>``; ``cue``:
    what to perform after the sentence (a song, a dance), typed.
    """

    text: str
    emotion: Emotion
    intensity: float
    tags: list[str] = field(default_factory=list)
    source: str = "llm"
    index: int = 0
    language: str = "en"
    cue: PerformCue | None = None

    @property
    def gestures(self) -> list[str]:
        """The tags the body gestures while speaking (not the performed cues)."""
        return [t for t in self.tags if t != "dance" and not t.startswith("sing:")]

    def to_wire(self) -> dict[str, Any]:
        """A JSON-ready form (for a reply made on another process); the cue stays behind."""
        return {"text": self.text, "emotion": self.emotion.value, "intensity": self.intensity,
                "tags": list(self.tags), "source": self.source, "index": self.index,
                "language": self.language}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> ReplySentence:
        """The sentence :meth:`to_wire` wrote (unknown emotions read as neutral)."""
        try:
            emotion = Emotion(str(data.get("emotion", "neutral")))
        except ValueError:
            emotion = Emotion.NEUTRAL
        return cls(str(data.get("text", "")), emotion, float(data.get("intensity", 0.0)),
                   [str(t) for t in data.get("tags") or []], str(data.get("source", "llm")),
                   int(data.get("index", 0)), str(data.get("language", "en")))


@dataclass
class ReplyContext:
    """Per-call settings from an API client (OpenAI-compatible endpoint).

    ``history``: earlier turns as (``viewer`` | ``host``, text), used instead of memory;
    ``notes``: the client's system messages, passed to the model as notes under the
    persona's fixed system prompt (they never replace it); ``max_tokens`` and
    ``temperature`` override the brain's for this reply.
    """

    history: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    max_tokens: int | None = None
    temperature: float | None = None


class ReplyStream(Protocol):
    """What answers a viewer sentence by sentence: :class:`~dialogue.brain.Brain`, a
    remote brain on another process, a test fake."""

    def reply_stream(self, message: str, viewer: str | None = None, opener: bool | None = None,
                     context: ReplyContext | None = None) -> AsyncIterator[ReplySentence]:
        """Stream the reply. ``opener`` overrides the instant acknowledgement (``False``:
        none, e.g. for press Q&A; ``None``: the brain's default)."""
        ...


@dataclass
class Reply:
    """A whole reply. ``source``: llm | template | kb | deflection | fallback | dropped."""

    text: str
    emotion: Emotion
    intensity: float
    tags: list[str]
    sentences: list[str]
    source: str
    moderation: ModerationResult | None = None
    items: list[ReplySentence] = field(default_factory=list)


def after(tail: str, released: list[str]) -> str:
    """What is left of ``tail`` (the text since the last release) after ``released``."""
    for sentence in released:
        i = tail.find(sentence)
        if i < 0:
            return ""
        tail = tail[i + len(sentence):]
    return tail


def has_words(tail: str) -> bool:
    """True once ``tail`` holds spoken words, not only (possibly unfinished) tags."""
    spoken, _, _ = parse_tags(tail)
    return any(ch.isalnum() for ch in _OPEN_MARK.sub("", spoken))


def first_clause(head: str) -> tuple[list[str], SentenceStream]:
    """Split the start of a reply: whole sentences, or else a first clause of >= 4 words.

    Releasing "Oh, I love skiing," before the sentence ends lets the voice start a few
    tokens earlier; the rest continues in a fresh splitter.
    """
    splitter = SentenceStream(max_chars=160)
    ready = splitter.feed(head)
    if ready:
        return ready, splitter
    match = _CLAUSE.match(head)
    if match and len(match.group(1).split()) >= 4:
        rest = SentenceStream(max_chars=160)
        rest.feed(head[match.end():])
        return [match.group(1)], rest
    return [], splitter


def finish(sentence: str) -> str:
    """A reply cut by the token cap ends at its last clause, with a full stop."""
    s = sentence.rstrip()
    if s and s[-1] not in ".!?…":
        cut = max(s.rfind(","), s.rfind(";"), s.rfind(" -"))
        s = (s[:cut] if cut > len(s) // 2 else s).rstrip(" ,;-") + "."
    return s
