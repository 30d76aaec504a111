"""What a reply is (the sentences the brain yields, the whole reply, per-call settings)
and how streamed model text is cut into pieces the voice can start on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vhuman.models.text import SentenceStream
from vhuman.models.types import Emotion

from .moderation import ModerationResult
from .tags import parse_tags

_CLAUSE = re.compile(r"^(.{16,}?[,;:—])\s+(?=\S)")
_OPEN_MARK = re.compile(r"[\[(*][^\])*]{0,24}$")  # a tag still being written: "[wa"


@dataclass
class ReplySentence:
    """One sentence to speak, with its emotion (0..1 intensity) and action tags.

    ``source``: llm | opener | template | kb | deflection | fallback. An ``opener`` is the
    instant acknowledgement spoken while the model writes the rest. ``language``: the
    sentence's language (ISO 639-1), so the voice can pick one that speaks it.
    """

    text: str
    emotion: Emotion
    intensity: float
    tags: list[str] = field(default_factory=list)
    source: str = "llm"
    index: int = 0
    language: str = "en"


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
