"""What is being said, word by word: the typed record the live engine's ticks carry.

A :class:`SpokenLine` is one sentence (or sung phrase) of the host's audio with its words
placed in time, in seconds from the sentence's first sample. It is built once, when the
sentence is synthesized, from its text and phoneme timings (:func:`line_from_chunk`) or
from a sung score's syllables (:func:`lines_from_song`), and travels with the audio
segment; each tick that plays part of it carries a :class:`Heard` (the line and the
program time of its first sample), so captions are made from exactly what was played.

Word times come from the phonemes: the text is cut into phrases at punctuation and the
phonemes into voiced runs at pauses; when the counts agree each phrase gets its run,
otherwise all voiced phonemes are shared. Inside a run, words take phonemes in proportion
to their letters. Phoneme timings carry no word boundaries (word spaces fold into the
previous phoneme), so inside a phrase the times are estimates; phrase starts are exact.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vhuman.models.types import AudioChunk, PhonemeTiming

SILENCE = "_"
_PHRASE_END = re.compile(r"[,.;:!?…—]+$")
_LETTERS = re.compile(r"\w", re.UNICODE)
_serial = itertools.count(1)


@dataclass(frozen=True)
class Word:
    """One word and when it is heard, in seconds from its line's first sample."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class SpokenLine:
    """A sentence (or sung phrase) on the program audio, its words timed."""

    text: str
    words: tuple[Word, ...]
    duration: float
    language: str = "en"
    speaker: str = "Host"
    role: str = "host"
    serial: int = field(default_factory=lambda: next(_serial))
    """Unique per line in this process: ticks that play the same line carry the same one."""


@dataclass(frozen=True)
class Heard:
    """A tick plays part of ``line``; its first sample is at program time ``start`` s."""

    line: SpokenLine
    start: float


def heard_in(spans: Sequence[tuple[Any, int, int]], pts: float,
             sample_rate: int) -> tuple[Heard, ...]:
    """The timed lines an audio slice plays (``spans``: (segment, offset, count) in play
    order, a segment's ``line`` its :class:`SpokenLine`), each with the program time of
    its first sample; the slice starts at ``pts``."""
    out: list[Heard] = []
    at = 0
    for seg, offset, count in spans:
        if count > 0 and seg.line is not None:
            out.append(Heard(seg.line, pts + (at - offset) / sample_rate))
        at += count
    return tuple(out)


def _weight(word: str) -> int:
    return max(1, len(_LETTERS.findall(word)))


def _phrases(text: str) -> list[list[str]]:
    """Words grouped into phrases ended by punctuation."""
    phrases: list[list[str]] = [[]]
    for word in text.split():
        phrases[-1].append(word)
        if _PHRASE_END.search(word):
            phrases.append([])
    return [p for p in phrases if p]


def _runs(phonemes: Sequence[PhonemeTiming], sample_rate: int,
          min_pause_s: float = 0.06) -> list[list[tuple[float, float]]]:
    """Voiced phonemes as (start, end) seconds, grouped into runs split by pauses."""
    runs: list[list[tuple[float, float]]] = [[]]
    for p in phonemes:
        start, end = p.start / sample_rate, p.end / sample_rate
        if p.phoneme == SILENCE:
            if runs[-1] and end - start >= min_pause_s:
                runs.append([])
            continue
        runs[-1].append((start, end))
    return [r for r in runs if r]


def _place(words: list[str], units: list[tuple[float, float]]) -> list[Word]:
    """Share ``units`` (voiced phonemes, in order) among ``words`` by their letters."""
    if not words:
        return []
    weights = [_weight(w) for w in words]
    total = sum(weights)
    n = len(units)
    out: list[Word] = []
    done = 0
    for word, weight in zip(words, weights, strict=True):
        first = min(n - 1, int(round(done / total * n)))
        done += weight
        last = max(first, min(n - 1, int(round(done / total * n)) - 1))
        out.append(Word(word, units[first][0], units[last][1]))
    return out


def time_words(text: str, phonemes: Sequence[PhonemeTiming], sample_rate: int,
               duration: float) -> tuple[Word, ...]:
    """Words of ``text`` placed on ``phonemes`` (see the module notes)."""
    phrases = _phrases(text)
    if not phrases:
        return ()
    runs = _runs(phonemes, sample_rate)
    if not runs:  # no timings: the words share the whole chunk
        runs = [[(duration * i / 20, duration * (i + 1) / 20) for i in range(20)]]
    words: list[Word] = []
    if len(runs) == len(phrases):
        for phrase, run in zip(phrases, runs, strict=True):
            words += _place(phrase, run)
    else:
        words = _place([w for p in phrases for w in p], [u for r in runs for u in r])
    return tuple(words)


def line_from_chunk(chunk: AudioChunk, *, language: str = "en", speaker: str = "Host",
                    role: str = "host") -> SpokenLine:
    """The timed line of a synthesized sentence."""
    duration = chunk.duration
    return SpokenLine(chunk.text.strip(), time_words(chunk.text, chunk.phonemes,
                                                     chunk.sample_rate, duration),
                      duration, language, speaker, role)


def lines_from_song(song: Any, sample_rate: int, duration: float, *, language: str = "en",
                    speaker: str = "Host") -> SpokenLine:
    """A song's lyrics as one line, each word timed by its sung syllables.

    ``song`` is a :class:`models.sing.singer.SungSong` (syllable times are in its chunk,
    the offset included)."""
    words: list[Word] = []
    for phrase in song.score.phrases():
        for syllables in phrase.words():
            if not syllables:
                continue
            text = "".join(s.text for s in syllables).strip()
            if text:
                words.append(Word(text, syllables[0].start + song.offset,
                                  syllables[-1].end + song.offset))
    text = " ".join(w.text for w in words)
    return SpokenLine(text, tuple(words), duration, language, speaker, "host")
