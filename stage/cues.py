"""Gesture tags in text (``[wave] Hello!``): pulled out before speech, timed after it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from vhuman.models.textproc.tags import TAG_PATTERN


def extract_gestures(text: str, known: Iterable[str]) -> tuple[str, list[tuple[float, str]]]:
    """Remove ``[gesture]`` tags naming a known gesture; other tags (voice markup such as
    ``[happy]`` or ``[pause 300ms]``) stay in the text for the voice to read.

    Returns the text and ``(position, name)`` pairs, position = fraction 0..1 of the way
    through the remaining text where the tag stood.
    """
    names = {n.lower().replace(" ", "_").replace("-", "_"): n for n in known}
    pieces: list[str] = []
    marks: list[tuple[int, str]] = []
    last = 0
    length = 0
    for match in TAG_PATTERN.finditer(text):
        key = match.group("name").lower().replace(" ", "_").replace("-", "_")
        if key not in names:
            continue
        pieces.append(text[last:match.start()])
        length += match.start() - last
        marks.append((length, names[key]))
        last = match.end()
    pieces.append(text[last:])
    clean = re.sub(r"\s{2,}", " ", "".join(pieces)).strip()
    total = max(len(clean), 1)
    return clean, [(min(pos / total, 1.0), name) for pos, name in marks]


class GestureTimer:
    """Places text-position gestures onto streamed chunks by the share of text spoken."""

    def __init__(self, text: str, gestures: list[tuple[float, str]]) -> None:
        self._total = max(len(text), 1)
        self._pending = sorted(gestures)
        self._done = 0.0

    def place(self, chunk_text: str, duration: float) -> list[tuple[float, str]]:
        """Gestures that fall in this chunk, as (seconds from its start, name)."""
        share = len(chunk_text) / self._total
        start, end = self._done, min(self._done + share, 1.0)
        self._done = end
        placed = [(p, g) for p, g in self._pending if p < end or end >= 1.0]
        self._pending = [(p, g) for p, g in self._pending if (p, g) not in placed]
        span = max(end - start, 1e-9)
        return [(min(max(p - start, 0.0) / span, 1.0) * duration, g) for p, g in placed]

    def leftover(self) -> list[str]:
        """Gestures never placed (the text ran out early): perform them at the end."""
        rest, self._pending = [g for _, g in self._pending], []
        return rest
