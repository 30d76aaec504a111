"""Time text cues (``[wave]`` tags) to the spoken word they are attached to: the one
tag-timing module.

Tag parsing is the tag grammar's (:func:`vhuman.models.textproc.tags.extract_gestures`);
this module takes the parsed positions and returns seconds: the onset of the word that
starts at or after the tag, found from the phoneme timings (word gaps are the pause
entries), or proportionally through the audio when there are none.
:class:`GestureTimer` does it for a line spoken as several streamed chunks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vhuman.animation.phonemes import fold_phonemes, is_pause
from vhuman.models.types import AudioChunk, InputError, PhonemeTiming

_WORD = re.compile(r"\w[\w'’-]*", re.UNICODE)


def word_onsets(timings: Sequence[PhonemeTiming], sample_rate: int) -> list[float]:
    """Onset (s, relative to the chunk) of every spoken word in the phoneme stream."""
    onsets: list[float] = []
    in_word = False
    for p in fold_phonemes(timings):
        if is_pause(p.phoneme):
            in_word = False
        elif not in_word:
            onsets.append(p.start / sample_rate)
            in_word = True
    return onsets


def tag_times(
    tags: Sequence[tuple[int, str]],
    text: str,
    chunk: AudioChunk | None = None,
    *,
    duration: float | None = None,
    offset: float = 0.0,
) -> list[tuple[float, str]]:
    """``(t, tag)`` for each ``(char_offset, tag)`` of ``text`` spoken as ``chunk``.

    ``offset`` (s) is where the chunk starts in the clip. Without a chunk (or without its
    phonemes), times are proportional to the character position over ``duration``.
    """
    words = [m.start() for m in _WORD.finditer(text)]
    total = chunk.duration if chunk is not None else duration
    if total is None:
        raise InputError("tag_times needs an audio chunk or a duration")
    onsets = (
        word_onsets(chunk.phonemes, chunk.sample_rate)
        if chunk is not None and chunk.phonemes
        else []
    )
    out: list[tuple[float, str]] = []
    for pos, tag in tags:
        if not 0 <= pos <= len(text):
            raise InputError(f"tag {tag!r} offset {pos} is outside the text (length {len(text)})")
        k = next((i for i, w in enumerate(words) if w >= pos), len(words))
        if onsets and words:
            # spoken words can outnumber written ones (numbers, abbreviations): map by rank
            idx = min(round(k * len(onsets) / len(words)), len(onsets) - 1)
            t = onsets[idx] if k < len(words) else total
        else:
            t = (words[k] if k < len(words) else len(text)) / max(len(text), 1) * total
        out.append((offset + float(t), tag))
    return out


class GestureTimer:
    """Places a line's gestures onto its streamed chunks, as they are synthesised.

    ``gestures`` are ``(position, name)`` with position the fraction 0..1 of ``text``
    where the tag stood. A gesture falls in the chunk that holds its place in the text
    (found by the chunk's text; by its share of the length when the voice rewrote it),
    on the onset of the word it stands before (see :func:`tag_times`).
    """

    def __init__(self, text: str, gestures: Sequence[tuple[float, str]]) -> None:
        self._text = text
        self._pending = sorted((p * len(text), g) for p, g in gestures)
        self._cursor = 0

    def place(self, chunk: AudioChunk) -> list[tuple[float, str]]:
        """Gestures that fall in ``chunk`` (the next one of the line), as (seconds from
        its start, name)."""
        text = chunk.text
        found = self._text.find(text, self._cursor) if text.strip() else -1
        start = found if found >= 0 else self._cursor
        end = min(start + len(text), len(self._text))
        self._cursor = end
        last = end >= len(self._text)
        placed = [(p, g) for p, g in self._pending if p < end or last]
        self._pending = self._pending[len(placed):]
        out: list[tuple[float, str]] = []
        for p, g in placed:
            offset = min(max(round(p) - start, 0), len(text))
            if text.strip():
                out += tag_times([(offset, g)], text, chunk)
            else:
                out.append((offset / max(len(text), 1) * chunk.duration, g))
        return out
