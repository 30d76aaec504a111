"""Captions from what the program plays: cues built from ticks and recognised turns.

:class:`CaptionTrack` watches ticks. The host's lines arrive as :class:`~.words.Heard`
records (``tick.said``): the first tick of a line places all of its cues at once, in
program time, from the line's word timings; every tick that plays it moves the line's
*played end*, so a line cut by an interrupt keeps only the cues (and the part of a cue)
that were heard. People's speech arrives as :class:`Turn` s (``tick.turns``), the entry
point of speech recognition: speaker, role, text, language and program-time start/end.

Recognition is slow beside speech, so a turn may arrive in revisions, the way broadcast
live captions work: *partial* turns (``final=False``) while the person speaks, each with
the words so far, then the *final* one, all with the same ``key``. A partial becomes one
live cue (the last two lines of the words so far, cue ``id`` = the key, ``rev`` counting
up) shown from its arrival until the next revision replaces it; only the final turn's
cues go into files. A final turn with no text *withdraws* the key (the words were refused
by moderation or were noise): pages drop its partial caption.

Cues are at most two lines of ``max_chars`` characters and ``max_cue_s`` seconds, split
at phrase ends and at pauses. A cue starts at its first word: 50 ms early at a phrase start
(those times are exact; the first sound of a word can precede its first phoneme),
``lead_s`` early inside a phrase (those times are estimates), so a caption is never shown
after its words are heard — it may lead slightly.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
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
    key: str = ""
    """The utterance this turn revises (partials and the final share it); "" for a turn
    that comes once, whole."""
    final: bool = True
    """False: a partial transcript, replaced by the next revision of the same ``key``."""

    @property
    def withdrawn(self) -> bool:
        """A final turn without words: the key's partial captions are taken back."""
        return bool(self.key) and self.final and not self.text.strip()

    def __post_init__(self) -> None:
        if not self.text.strip() and not self.withdrawn:
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
    id: str = ""
    """A revisable caption's key (people's turns in revisions); "" for one-off cues."""
    rev: int = 0
    """Its revision: a page keeps the highest one of an ``id``."""
    final: bool = True
    """False: a partial transcript, still to be revised; True: settled words."""

    def shifted(self, by: float) -> Cue:
        return replace(self, start=self.start + by, end=self.end + by)

    def event(self) -> dict[str, Any]:
        """The live cue as the viewer socket sends it (``id``/``rev``/``final`` only on
        revisable cues)."""
        data = asdict(self)
        data["start"], data["end"] = round(self.start, 3), round(self.end, 3)
        if not self.id:
            for key in ("id", "rev", "final"):
                data.pop(key)
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


def turn_cues(turn: Turn, *, max_chars: int = MAX_CHARS, first_rev: int = 0) -> list[Cue]:
    """Cues of a person's turn (no word times: its time shared by letters). A keyed turn's
    cues carry its key as ``id`` with revisions from ``first_rev``."""
    text = turn.text.split()
    total = sum(max(1, len(w)) for w in text)
    span = turn.end - turn.start
    words, done = [], 0
    for w in text:
        a = turn.start + span * done / total
        done += max(1, len(w))
        words.append(Word(w, a, turn.start + span * done / total))
    groups = cue_groups(tuple(words), max_chars=max_chars, max_gap_s=1e9)
    return [Cue(g[0].start, max(g[-1].end, g[0].start + 0.5),
                "\n".join(wrap([w.text for w in g], max_chars)), turn.speaker, turn.role,
                turn.language, id=turn.key, rev=first_rev + i if turn.key else 0,
                final=turn.final)
            for i, g in enumerate(groups)]


PARTIAL_HOLD_S = 3.0
"""How long a partial caption stays up when no revision follows (the final normally
replaces it well before)."""


def partial_cue(turn: Turn, rev: int, *, max_chars: int = MAX_CHARS) -> Cue:
    """A partial turn as one live cue: the last two lines of the words so far, shown from
    when it arrived (``turn.end``, program time) until revised."""
    lines = wrap(turn.text.split(), max_chars)[-2:]
    return Cue(turn.end, turn.end + PARTIAL_HOLD_S, "\n".join(lines), turn.speaker, turn.role,
               turn.language, id=turn.key, rev=rev, final=False)


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
        self.withdrawn: list[str] = []
        """Keys of people's captions taken back (their partials were shown)."""
        self._partials: dict[str, Cue] = {}
        """Key -> the latest partial cue of an utterance still being spoken."""
        self._revs: OrderedDict[str, int] = OrderedDict()
        """Key -> revisions given so far (finished keys kept a while: late partials of a
        finished utterance are ignored)."""
        self._finished: OrderedDict[str, None] = OrderedDict()

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
                self._turn(turn)

    def _turn(self, turn: Turn) -> None:
        """A person's turn: whole, a partial revision, its final, or its withdrawal."""
        origin = self.origin or 0.0
        if not turn.key:
            self._add([c.shifted(-origin) for c in turn_cues(turn)])
            return
        if turn.key in self._finished:
            return  # a revision that arrived after the utterance was finished
        rev = self._revs.get(turn.key, 0)
        if not turn.final:
            cue = partial_cue(turn, rev + 1).shifted(-origin)
            self._revs[turn.key] = rev + 1
            self._partials[turn.key] = cue
            self._live = [c for c in self._live if c.id != turn.key]  # only the newest
            self._live.append(cue)
            return
        self._revs.pop(turn.key, None)
        self._finished[turn.key] = None
        while len(self._finished) > 256:
            self._finished.popitem(last=False)
        shown = self._partials.pop(turn.key, None)
        self._live = [c for c in self._live if c.id != turn.key]
        if turn.withdrawn:
            if shown is not None:
                self.withdrawn.append(turn.key)
            return
        self._add([c.shifted(-origin) for c in turn_cues(turn, first_rev=rev + 1)])

    def partials(self) -> list[Cue]:
        """The partial captions of utterances still being spoken (newest revision each)."""
        with self._lock:
            return list(self._partials.values())

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
                cue = replace(cue, end=played)
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
            self._partials = {k: c for k, c in self._partials.items() if c.end >= t}
            for key in [k for k in self._revs if k not in self._partials]:
                del self._revs[key]  # an utterance whose final never came
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
