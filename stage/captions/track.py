"""Captions from what the program plays: cues built from ticks and recognised turns.

:class:`CaptionTrack` watches ticks. The host's lines arrive as :class:`~.words.Heard`
records (``tick.said``): the first tick of a line places all of its cues at once, in
program time, from the line's word timings; every tick that plays it moves the line's
*played end*, so a line cut by an interrupt keeps only the cues (and the part of a cue)
that were heard. People's speech arrives as :class:`Turn` s (``tick.turns``), the entry
point of speech recognition: speaker, role, text, language and program-time start/end.

Cues are at most two lines of ``max_chars`` characters and ``max_cue_s`` seconds, split
at phrase ends and at pauses. A cue starts at its first word: 50 ms early at a phrase start
(those times are exact; the first sound of a word can precede its first phoneme),
``lead_s`` early inside a phrase (those times are estimates), so a caption is never shown
after its words are heard — it may lead slightly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from vhuman.models.types import InputError

from .words import Heard, SpokenLine, Word

log = logging.getLogger(__name__)

MAX_CHARS = 42
"""Characters per caption line (the broadcast norm for two-line captions)."""


@dataclass(frozen=True)
class Turn:
    """Recognised speech of a person, in program time (seconds on the performer's tick
    clock, ``tick.pts``): what the recogniser hands the captions."""

    speaker: str
    role: str
    text: str
    language: str
    start: float
    end: float

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise InputError("caption turn: text is empty")
        if not self.end >= self.start >= 0:
            raise InputError(f"caption turn: need 0 <= start <= end, got {self.start}..{self.end}")
        if self.role not in ("host", "guest", "reporter", "viewer"):
            raise InputError(f"caption turn: unknown role {self.role!r}")


@dataclass(frozen=True)
class Cue:
    """One caption: up to two lines (``\\n``) from ``start`` to ``end`` seconds."""

    start: float
    end: float
    text: str
    speaker: str
    role: str
    language: str
    line: int = 0
    """The host line it came from (its serial; 0 for people's turns)."""

    def shifted(self, by: float) -> Cue:
        return Cue(self.start + by, self.end + by, self.text, self.speaker, self.role,
                   self.language, self.line)

    def event(self) -> dict[str, Any]:
        """The live cue as the viewer socket sends it."""
        data = asdict(self)
        data["start"], data["end"] = round(self.start, 3), round(self.end, 3)
        return {"type": "caption", **data}


def wrap(words: Iterable[str], max_chars: int = MAX_CHARS) -> list[str]:
    """Greedy wrap to lines of at most ``max_chars`` (a longer word gets its own line)."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _phrase_end(word: str) -> bool:
    return word.rstrip("\"')»”").endswith((".", "!", "?", "…", ";", ":"))


def cue_groups(words: tuple[Word, ...], *, max_chars: int = MAX_CHARS, max_lines: int = 2,
               max_cue_s: float = 6.0, max_gap_s: float = 0.7) -> list[list[Word]]:
    """Words cut into cues: a cue ends when two lines are full, at a sentence end, at a
    pause of ``max_gap_s``, or after ``max_cue_s``."""
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current:
            trial = wrap([w.text for w in current + [word]], max_chars)
            gap = word.start - current[-1].end
            if (len(trial) > max_lines or gap > max_gap_s
                    or word.end - current[0].start > max_cue_s or _phrase_end(current[-1].text)):
                groups.append(current)
                current = []
        current.append(word)
    if current:
        groups.append(current)
    return groups


EXACT_LEAD_S = 0.05
"""Lead of a cue that starts a phrase: its phoneme times are exact, but the first sound
of a word (a breath, an aspirated onset) can come a few ms before its first phoneme."""


def line_cues(line: SpokenLine, start: float, *, lead_s: float = 0.25,
              max_chars: int = MAX_CHARS) -> list[Cue]:
    """Cues of a host line whose first sample plays at program time ``start``."""
    cues: list[Cue] = []
    previous_end_word: Word | None = None
    for group in cue_groups(line.words, max_chars=max_chars):
        first = group[0]
        exact = previous_end_word is None or previous_end_word.text[-1:] in ",.;:!?…—"
        at = start + first.start - (EXACT_LEAD_S if exact else lead_s)
        if cues:
            at = max(at, cues[-1].start + 0.05)
            prev = cues[-1]
            cues[-1] = Cue(prev.start, min(prev.end, at), prev.text, prev.speaker, prev.role,
                           prev.language, prev.line)
        cues.append(Cue(max(0.0, at), start + group[-1].end,
                        "\n".join(wrap([w.text for w in group], max_chars)),
                        line.speaker, line.role, line.language, line.serial))
        previous_end_word = group[-1]
    return cues


def turn_cues(turn: Turn, *, max_chars: int = MAX_CHARS) -> list[Cue]:
    """Cues of a person's turn (no word times: its time shared by letters)."""
    text = turn.text.split()
    total = sum(max(1, len(w)) for w in text)
    span = turn.end - turn.start
    words, done = [], 0
    for w in text:
        a = turn.start + span * done / total
        done += max(1, len(w))
        words.append(Word(w, a, turn.start + span * done / total))
    return [Cue(g[0].start, max(g[-1].end, g[0].start + 0.5),
                "\n".join(wrap([w.text for w in g], max_chars)), turn.speaker, turn.role,
                turn.language)
            for g in cue_groups(tuple(words), max_chars=max_chars, max_gap_s=1e9)]


class CaptionTrack:
    """The cues of one program (thread-safe): fed tick by tick, read at the end (files)
    or as cues fall due (live). Times are program seconds minus ``origin`` (the first
    tick's ``pts`` when None)."""

    def __init__(self, *, origin: float | None = None, lead_s: float = 0.25) -> None:
        self.origin = origin
        self.lead_s = lead_s
        self._lock = threading.Lock()
        self._cues: list[Cue] = []
        self._played: dict[int, float] = {}
        """Host line serial -> program time its audio has played through."""
        self._active: set[int] = set()
        self._live: list[Cue] = []
        """Cues not handed out by :meth:`due` yet."""
        self.cut: list[tuple[int, float]] = []
        """(line serial, time) of host lines cut before their end."""

    def observe(self, tick: Any) -> None:
        """Take a tick's ``said`` and ``turns`` (a :class:`stage.outputs.base.Tick`)."""
        self.feed(float(tick.pts), len(tick.audio) / float(tick.sample_rate), tick.said,
                  tick.turns)

    def feed(self, pts: float, duration: float, said: Iterable[Heard],
             turns: Iterable[Turn] = ()) -> None:
        """What plays from program time ``pts`` for ``duration`` s."""
        with self._lock:
            if self.origin is None:
                self.origin = pts
            end = pts + duration - self.origin
            now: set[int] = set()
            for heard in said:
                serial = heard.line.serial
                now.add(serial)
                if serial not in self._played:
                    self._add(line_cues(heard.line, heard.start - self.origin,
                                        lead_s=self.lead_s))
                line_end = heard.start - self.origin + heard.line.duration
                self._played[serial] = min(end, line_end)
            for serial in self._active - now:
                self._close(serial)
            self._active = now
            for turn in turns:
                self._add([c.shifted(-self.origin) for c in turn_cues(turn)])

    def _add(self, cues: list[Cue]) -> None:
        self._cues.extend(cues)
        self._live.extend(cues)

    def _close(self, serial: int) -> None:
        """A line left the program: drop what was never heard of it."""
        played = self._played.get(serial)
        if played is None:
            return
        kept: list[Cue] = []
        cut = False
        for cue in self._cues:
            if cue.line == serial and cue.end > played + 1e-6:
                cut = True
                if cue.start >= played:
                    continue
                cue = Cue(cue.start, played, cue.text, cue.speaker, cue.role, cue.language,
                          cue.line)
            kept.append(cue)
        if cut:
            self.cut.append((serial, played))
            self._live = [c for c in self._live if c.line != serial or c.start < played]
        self._cues = kept

    def close(self) -> None:
        """End of the program: lines still playing end where their audio stopped."""
        with self._lock:
            for serial in list(self._active):
                self._close(serial)
            self._active = set()

    def forget_before(self, t: float) -> None:
        """Drop cues that ended before ``t`` and lines no longer playing (live tracks
        run for hours: memory stays flat)."""
        with self._lock:
            self._cues = [c for c in self._cues if c.end >= t]
            self._live = [c for c in self._live if c.end >= t]
            self._played = {k: v for k, v in self._played.items()
                            if k in self._active or v >= t}

    def cues(self) -> list[Cue]:
        """Every cue so far, by start time (open lines clipped to what was played)."""
        with self._lock:
            out = []
            for cue in self._cues:
                played = self._played.get(cue.line) if cue.line else None
                if played is not None and cue.start >= played and cue.line in self._active:
                    continue  # not reached yet
                out.append(cue)
            return sorted(out, key=lambda c: (c.start, c.end))

    def due(self, now: float) -> list[Cue]:
        """Cues whose start has come by program time ``now`` (origin subtracted) and that
        were not handed out yet: what a live page shows next."""
        with self._lock:
            out = sorted((c for c in self._live if c.start <= now), key=lambda c: c.start)
            if out:
                self._live = [c for c in self._live if c.start > now]
            return out
