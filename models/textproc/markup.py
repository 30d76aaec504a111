"""Inline style markup in text to speak: ``[happy]``, ``[pause 300ms]``, ``[slow]``...

Tags change the speaking style from that point on (until another tag) or insert a pause:

- an emotion name (``[happy]``, ``[sad 0.9]``: optional intensity 0..1), ``[neutral]``;
- ``[slow]`` / ``[fast]``, ``[loud]`` / ``[soft]``, ``[high]`` / ``[low]``: relative prosody;
- ``[rate 1.2]``, ``[pitch 0.9]``, ``[volume 1.5]``: explicit multipliers;
- ``[pause 300ms]``, ``[pause 1.5s]``, ``[pause]`` (300 ms): silence;
- ``[reset]`` / ``[normal]``: back to the style the caller passed.

Unknown tags are spoken as nothing and logged, never read aloud; text in brackets that is
not a tag word (``[citation needed]``) is left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from vhuman.models.types import Emotion, InputError, SpeakingStyle

from .tags import TAG_PATTERN

logger = logging.getLogger(__name__)

_EMOTIONS = {e.value for e in Emotion}
_RELATIVE = {
    "slow": ("rate", 0.8),
    "fast": ("rate", 1.2),
    "loud": ("volume", 1.4),
    "soft": ("volume", 0.65),
    "high": ("pitch", 1.12),
    "low": ("pitch", 0.9),
}
_ABSOLUTE = {"rate", "pitch", "volume"}
_RESET = {"reset", "normal"}
DEFAULT_PAUSE_MS = 300.0
MAX_PAUSE_MS = 10_000.0


@dataclass(frozen=True)
class TextSegment:
    """A run of text spoken in one style."""

    text: str
    style: SpeakingStyle


@dataclass(frozen=True)
class PauseSegment:
    """Silence of ``seconds`` inserted by a ``[pause]`` tag."""

    seconds: float
    style: SpeakingStyle


MarkupSegment = TextSegment | PauseSegment


def _clamp_multiplier(value: float) -> float:
    return min(4.0, max(0.25, value))


def _apply_tag(word: str, number: str | None, unit: str | None, style: SpeakingStyle,
               base: SpeakingStyle) -> SpeakingStyle | float | None:
    """Return the new style, a pause length in seconds, or None if ``word`` is not a tag."""
    if word == "pause":
        ms = DEFAULT_PAUSE_MS
        if number is not None:
            value = float(number)
            ms = value * 1000.0 if unit == "s" else value
        return min(ms, MAX_PAUSE_MS) / 1000.0
    if word in _EMOTIONS:
        intensity = style.intensity if number is None else min(1.0, max(0.0, float(number)))
        return replace(style, emotion=Emotion(word), intensity=intensity)
    if word in _RELATIVE:
        field_name, factor = _RELATIVE[word]
        value = _clamp_multiplier(getattr(base, field_name) * factor)
        return replace(style, **{field_name: value})  # type: ignore[arg-type]
    if word in _ABSOLUTE and number is not None:
        return replace(style, **{word: _clamp_multiplier(float(number))})  # type: ignore[arg-type]
    if word in _RESET:
        return base
    return None


def parse_markup(text: str, style: SpeakingStyle | None = None) -> list[MarkupSegment]:
    """Split ``text`` into styled text runs and pauses, applying inline tags in order.

    >>> [type(s).__name__ for s in parse_markup("Hi. [pause 200ms] [sad] Bye.")]
    ['TextSegment', 'PauseSegment', 'TextSegment']
    """
    if not isinstance(text, str):
        raise InputError(f"text must be a string, got {type(text).__name__}")
    base = style or SpeakingStyle()
    current = base
    segments: list[MarkupSegment] = []
    pending: list[str] = []
    position = 0

    def flush() -> None:
        chunk = " ".join("".join(pending).split())
        pending.clear()
        if chunk:
            segments.append(TextSegment(chunk, current))

    for match in TAG_PATTERN.finditer(text):
        pending.append(text[position : match.start()])
        position = match.end()
        word = match.group("name").lower()
        try:
            result = _apply_tag(word, match.group("value"), match.group("unit"), current, base)
        except ValueError:  # "[pause 1.2.3]"
            logger.warning("ignoring malformed markup tag %r", match.group(0))
            continue
        if result is None:
            pending.append(match.group(0))  # "[citation]": ordinary bracketed text
            continue
        flush()
        if isinstance(result, float):
            if result > 0:
                segments.append(PauseSegment(result, current))
        else:
            current = result
    pending.append(text[position:])
    flush()
    return segments


def strip_markup(text: str) -> str:
    """The text without its tags (what a caption should show)."""
    return " ".join(s.text for s in parse_markup(text) if isinstance(s, TextSegment))
