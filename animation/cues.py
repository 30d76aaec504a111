"""Time text cues (``[wave]`` tags) to the spoken word they are attached to.

Tag parsing belongs to the text side; this module takes the already-parsed
``(char_offset, tag)`` pairs of a chunk's clean text and returns ``(seconds, tag)``: the
onset of the word that starts at or after the tag, found from the phoneme timings (word
gaps are the pause entries), or proportionally through the audio when there are none.
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
