"""Scores to sing: the melody's notes with their lyric syllables, in seconds.

A :class:`Score` is what the singer needs from any score format: the vocal line as
:class:`ScoreNote` s (start, length, pitch, the syllable that starts on it, whether the
syllable ends a word, the measure), the beat grid for the dance, and the source path so
errors can name ``file: measure N``. Loaders live in :mod:`models.sing.formats`.

Lyric conventions shared by every format: a trailing ``-`` (``"twin-"``) or MusicXML
``syllabic`` begin/middle means the word goes on; a leading ``-`` is cosmetic; a note
without a lyric (or with ``"_"``) after a sung note continues that syllable (melisma); a
tied note continues its syllable as well; rests are silence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np

from vhuman.models.types import InputError

logger = logging.getLogger(__name__)

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def midi_to_hz(midi: float | np.ndarray) -> float | np.ndarray:
    """Equal-tempered frequency of a MIDI note number (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((np.asarray(midi, np.float64) - 69.0) / 12.0)


def hz_to_midi(hz: float | np.ndarray) -> float | np.ndarray:
    """Inverse of :func:`midi_to_hz` (fractional MIDI numbers)."""
    return 69.0 + 12.0 * np.log2(np.asarray(hz, np.float64) / 440.0)


def note_name(midi: float) -> str:
    """``60`` → ``"C4"`` (nearest semitone)."""
    m = int(round(midi))
    return f"{NOTE_NAMES[m % 12]}{m // 12 - 1}"


@dataclass(frozen=True)
class ScoreNote:
    """One note (or rest) of the vocal line; times in seconds from the score's start.

    ``lyric`` is the syllable that starts on this note (without hyphens), ``None`` when
    the note continues the previous syllable (melisma, tie) or is a rest.
    """

    start: float
    duration: float
    midi: float | None  # None = rest
    lyric: str | None = None
    word_end: bool = True  # the syllable starting here ends its word
    measure: int = 0
    tied: bool = False  # continues the previous note through a tie

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def is_rest(self) -> bool:
        return self.midi is None


@dataclass(frozen=True)
class Syllable:
    """A sung syllable: its text and the notes it spans (one, or several for a melisma)."""

    text: str
    notes: tuple[ScoreNote, ...]
    word_end: bool

    @property
    def start(self) -> float:
        return self.notes[0].start

    @property
    def end(self) -> float:
        return self.notes[-1].end

    @property
    def measure(self) -> int:
        return self.notes[0].measure


@dataclass(frozen=True)
class Phrase:
    """Syllables sung in one breath (between rests): spoken to the voice as one line."""

    syllables: tuple[Syllable, ...]

    @property
    def start(self) -> float:
        return self.syllables[0].start

    @property
    def end(self) -> float:
        return self.syllables[-1].end

    def words(self) -> list[list[Syllable]]:
        """Syllables grouped into words."""
        out: list[list[Syllable]] = [[]]
        for s in self.syllables:
            out[-1].append(s)
            if s.word_end:
                out.append([])
        return [w for w in out if w]

    @property
    def text(self) -> str:
        return " ".join("".join(s.text for s in w) for w in self.words())


@dataclass
class Score:
    """The vocal line of a song, its beat grid and where it came from."""

    notes: list[ScoreNote]
    tempo: float  # beats per minute of the first beat
    beats: np.ndarray  # (N,) beat times (s), covering the song
    beats_per_bar: int = 4
    downbeat_phase: int = 0  # index of the first downbeat among ``beats``
    title: str = ""
    key: str = ""  # as written ("C major"), informational
    source: str = "<score>"
    transposed: int = 0  # semitones applied by :meth:`transpose`
    other_parts_midi: bytes | None = field(default=None, repr=False)  # the accompaniment

    @property
    def duration(self) -> float:
        return max((n.end for n in self.notes), default=0.0)

    @property
    def sung_notes(self) -> list[ScoreNote]:
        return [n for n in self.notes if not n.is_rest]

    def pitch_range(self) -> tuple[float, float]:
        pitches = [n.midi for n in self.sung_notes if n.midi is not None]
        return (min(pitches), max(pitches)) if pitches else (0.0, 0.0)

    def transpose(self, semitones: int) -> Score:
        """The same song ``semitones`` higher (negative: lower)."""
        notes = [replace(n, midi=None if n.midi is None else n.midi + semitones)
                 for n in self.notes]
        return replace(self, notes=notes, transposed=self.transposed + semitones)

    def syllables(self) -> list[Syllable]:
        """The sung syllables in order (notes continuing a syllable are folded into it)."""
        out: list[Syllable] = []
        current: list[ScoreNote] = []
        text, word_end = "", True
        for n in self.notes:
            if n.is_rest:
                if current:
                    out.append(Syllable(text, tuple(current), word_end))
                current = []
                continue
            if n.lyric is None:
                if current:  # melisma or tie: the syllable goes on
                    current.append(n)
                else:
                    logger.warning("%s: measure %d: note %s has no lyric and follows a rest; "
                                   "it is not sung", self.source, n.measure, note_name(n.midi or 0))
                continue
            if current:
                out.append(Syllable(text, tuple(current), word_end))
            current, text, word_end = [n], n.lyric, n.word_end
        if current:
            out.append(Syllable(text, tuple(current), word_end))
        return out

    def phrases(self, min_gap: float = 0.0) -> list[Phrase]:
        """Syllables grouped into breaths: a rest (or any gap > ``min_gap`` s) ends one."""
        out: list[list[Syllable]] = []
        prev_end: float | None = None
        for s in self.syllables():
            if prev_end is None or s.start - prev_end > min_gap + 1e-6:
                out.append([])
            out[-1].append(s)
            prev_end = s.end
        return [Phrase(tuple(p)) for p in out]

    def validate(self) -> None:
        """Raise :class:`InputError` naming the file (and measure) if nothing can be sung."""
        if not self.sung_notes:
            raise InputError(f"{self.source}: the vocal line has no notes")
        if not any(n.lyric for n in self.notes):
            raise InputError(f"{self.source}: no lyrics found (every sung note needs a syllable; "
                             "give lyrics in the score, MIDI lyric events or the YAML notes)")
        for n in self.notes:
            if n.duration <= 0:
                raise InputError(f"{self.source}: measure {n.measure}: a note has no length")
        if self.tempo <= 0 or not np.isfinite(self.tempo):
            raise InputError(f"{self.source}: tempo must be positive, got {self.tempo}")


def fit_to_range(score: Score, low: float, high: float, transpose: int | str = "auto") -> Score:
    """The score moved into the voice's range ``[low, high]`` (MIDI), or an InputError.

    ``transpose="auto"`` shifts by whole octaves when the melody sits outside the range
    (so the key stays), then by the fewest semitones; an int shifts by exactly that much;
    ``"none"`` keeps the score as written. Whatever remains outside the range is refused
    with the file and measure of the first offending note.
    """
    lo, hi = score.pitch_range()
    if isinstance(transpose, str):
        mode = transpose.strip().lower()
        if mode == "auto":
            shift = 0
            if hi - lo > high - low:
                top = next(n for n in score.sung_notes if n.midi == hi)
                bottom = next(n for n in score.sung_notes if n.midi == lo)
                raise InputError(
                    f"{score.source}: the melody spans {note_name(lo)} (measure "
                    f"{bottom.measure}) to {note_name(hi)} (measure {top.measure}), "
                    f"{hi - lo:g} semitones: whatever the transposition, a note stays outside "
                    f"the voice's range {note_name(low)}..{note_name(high)} "
                    f"({high - low:g} semitones)")
            else:
                centre = 0.5 * (low + high) - 0.5 * (lo + hi)
                shift = int(12 * round(centre / 12.0))
                if lo + shift < low or hi + shift > high:  # octaves alone do not fit
                    shift = int(np.clip(round(centre), np.ceil(low - lo), np.floor(high - hi)))
            score = score.transpose(shift) if shift else score
        elif mode != "none":
            try:
                shift = int(mode)
            except ValueError:
                raise InputError(f"transpose must be 'auto', 'none' or a number of semitones, "
                                 f"got {transpose!r}") from None
            score = score.transpose(shift)
    else:
        score = score.transpose(int(transpose))
    for n in score.sung_notes:
        assert n.midi is not None
        if not low <= n.midi <= high:
            written = note_name(n.midi - score.transposed)
            raise InputError(
                f"{score.source}: measure {n.measure}: note {written} is outside the voice's "
                f"range {note_name(low)}..{note_name(high)} (melody spans {note_name(lo)}.."
                f"{note_name(hi)}, {hi - lo:g} semitones; transposed by {score.transposed}); "
                "use --transpose auto or a smaller range")
    return score


def beat_grid(duration: float, seconds_per_beat: float, first_downbeat: float = 0.0
              ) -> tuple[np.ndarray, int]:
    """Beat times covering ``[0, duration]`` and the index of the first downbeat."""
    if seconds_per_beat <= 0:
        raise InputError(f"beat length must be positive, got {seconds_per_beat}")
    before = int(np.floor(first_downbeat / seconds_per_beat + 1e-9))
    start = first_downbeat - before * seconds_per_beat
    count = int(np.ceil((duration - start) / seconds_per_beat - 1e-9)) + 1
    return start + seconds_per_beat * np.arange(max(count, 2)), before
