"""Turn-taking: when a person starts speaking, and when they have finished.

A :class:`TurnDetector` reads one voice-activity probability per audio frame (on the
audio clock, so it behaves the same on a file and live). Speech of at least
``min_speech_s`` opens a turn (shorter bursts — a cough, a click — do not). A turn ends
after silence, and how much silence depends on the words: once the speaker pauses for
``pause_s`` the caller recognises the turn so far and hands the text to :meth:`judge`;
words that close a sentence (a complete question or statement, :func:`sounds_complete`)
end the turn after ``complete_silence_s``, other words that do not trail off after
``end_silence_s``, words that trail off (a final "and", "um", "because", a comma) wait
``unfinished_silence_s`` (an adaptive end of turn, as the turn detectors of voice-agent
frameworks do). Turns longer
than ``max_turn_s`` are cut there. The detector also says when speech has lasted
``barge_in_s`` (the barge-in signal) and when a partial transcript is due.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from vhuman.models.types import InputError

Signal = Literal["started", "speaking", "partial", "pause", "ended", "cut", "dropped"]


@dataclass(frozen=True)
class TurnSettings:
    """Thresholds of turn-taking, in seconds of audio and VAD probability."""

    vad_on: float = 0.5  # probability at which a frame counts as speech
    vad_off: float = 0.35  # below this a frame counts as silence (hysteresis between)
    min_speech_s: float = 0.25  # speech needed to open a turn
    pause_s: float = 0.2  # silence after which the words so far are recognised and judged
    complete_silence_s: float = 0.4  # silence that ends a turn whose words close a sentence
    end_silence_s: float = 0.55  # silence that ends a turn whose words sound finished
    unfinished_silence_s: float = 1.4  # silence that ends a turn whose words trail off
    max_turn_s: float = 25.0  # a longer turn is cut here (and recognised)
    partial_every_s: float = 0.5  # partial transcripts while the person speaks (0: none)
    pre_roll_s: float = 0.3  # audio kept from before the onset, so first syllables survive
    barge_in_s: float = 0.3  # speech that interrupts the host while it talks

    def __post_init__(self) -> None:
        for f in fields(self):
            if float(getattr(self, f.name)) < 0:
                raise InputError(f"turns.{f.name}: must be >= 0")
        if not 0 < self.vad_off <= self.vad_on < 1:
            raise InputError("turns: need 0 < vad_off <= vad_on < 1")
        if not self.pause_s <= self.end_silence_s <= self.unfinished_silence_s:
            raise InputError("turns: need pause_s <= end_silence_s <= unfinished_silence_s")
        if self.complete_silence_s < self.pause_s:
            raise InputError("turns: need pause_s <= complete_silence_s")

    @property
    def complete_end_s(self) -> float:
        """Silence that ends a turn whose words close a sentence (never longer than
        ``end_silence_s``)."""
        return min(self.complete_silence_s, self.end_silence_s)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> TurnSettings:
        """Settings from a config mapping; unknown keys are an :class:`InputError`."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"turns: unknown setting(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        try:
            return cls(**{k: float(v) for k, v in data.items()})
        except (TypeError, ValueError) as exc:
            raise InputError(f"turns: {exc}") from None


# Words after which a speaker is usually not done: conjunctions, fillers, articles.
_TRAILING: dict[str, frozenset[str]] = {
    "en": frozenset("and or but so because cause um umm uh uhh er erm hmm mm like the a an to "
                    "of with if that which my your our their his her for in on at as than "
                    "then is are was were i we you what when where why how well also "
                    "actually basically".split()),
    "es": frozenset("y o pero porque que de el la los las un una eh em este pues entonces con "
                    "en mi tu su para por como cuando si más o sea bueno".split()),
    "fr": frozenset("et ou mais donc parce que qui de le la les un une euh ben alors avec "
                    "en mon ton son pour comme quand si".split()),
    "de": frozenset("und oder aber also weil dass der die das ein eine äh ähm mit in mein "
                    "für wie wenn".split()),
    "pt": frozenset("e ou mas porque que de o a os as um uma é então com em meu para como "
                    "quando se tipo".split()),
}
_TRAILING_ZH = ("然后", "那个", "就是", "还有", "因为", "所以", "但是", "而且", "嗯", "呃",
                "的话", "和", "跟", "或者", "如果", "我想", "这个", "啊")
_OPEN_END = re.compile(r"(\.\.\.|…|,|，|、|-|—|:|;)\s*$")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)


def sounds_unfinished(text: str, language: str = "") -> bool:
    """Whether ``text`` trails off: ends on a comma/ellipsis, a conjunction, a filler or
    an article in its language (all known languages when ``language`` is unknown)."""
    text = text.strip()
    if not text:
        return True
    if _OPEN_END.search(text):
        return True
    if language == "zh" or (not language and re.search(r"[\u4e00-\u9fff]$", text)):
        core = re.sub(r"[。！？!?.\s]+$", "", text)
        return core.endswith(_TRAILING_ZH)
    words = _WORD.findall(text.lower())
    if not words:
        return False
    if re.search(r"[.!?。！？]\s*$", text) and words[-1] not in ("um", "uh", "er", "erm", "eh", "euh"):
        return False  # the recogniser heard the sentence close
    sets = [_TRAILING[language]] if language in _TRAILING else list(_TRAILING.values())
    return any(words[-1] in s for s in sets)


_CLOSED = re.compile(r"[.?!。？！]\s*$")


def sounds_complete(text: str, language: str = "") -> bool:
    """Whether ``text`` is a complete sentence or question: the recogniser heard it close
    (a sentence mark at its end) and it does not trail off (:func:`sounds_unfinished`)."""
    return bool(_CLOSED.search(text.strip())) and not sounds_unfinished(text, language)


@dataclass
class TurnState:
    """Where the detector is: ``idle`` or in a turn (``speaking`` / ``paused``)."""

    phase: Literal["idle", "onset", "speaking", "paused"] = "idle"
    onset: float = 0.0  # audio time the candidate speech began
    speech_end: float = 0.0  # audio time the last speech frame ended
    voiced: float = 0.0  # seconds of speech in the current run (for barge-in/onset)
    unfinished: bool | None = None  # the judged words trail off (None: not judged yet)
    complete: bool = False  # the judged words close a sentence
    last_partial: float = 0.0
    barged: bool = False
    pending: bool = False  # the words at the pause are being recognised elsewhere


class TurnDetector:
    """Consumes one VAD probability per ``frame_s`` of audio; returns signals per frame.

    Signals: ``started`` (a turn opened; its audio starts at :attr:`turn_start`),
    ``speaking`` (speech has lasted ``barge_in_s``, once per run of speech), ``partial``
    (time for a partial transcript), ``pause`` (recognise now and call :meth:`judge`),
    ``ended`` / ``cut`` (the turn is over: silence, or ``max_turn_s``), ``dropped`` (a
    burst too short to be a turn).
    """

    def __init__(self, settings: TurnSettings | None = None, frame_s: float = 0.032) -> None:
        self.settings = settings or TurnSettings()
        self.frame_s = frame_s
        self.time = 0.0  # audio time at the end of the last frame
        self.state = TurnState()
        self._last_end = 0.0

    @property
    def in_turn(self) -> bool:
        return self.state.phase in ("speaking", "paused")

    @property
    def turn_start(self) -> float:
        return max(0.0, self.state.onset - self.settings.pre_roll_s)

    @property
    def speech_end(self) -> float:
        """Audio time the last speech ended (of the turn just closed, when idle)."""
        return self.state.speech_end if self.state.phase != "idle" else self._last_end

    def _close(self) -> None:
        self._last_end = self.state.speech_end
        self.state = TurnState()

    def judge(self, text: str, language: str = "") -> bool:
        """Give the words heard so far; returns whether they sound unfinished."""
        self.state.unfinished = sounds_unfinished(text, language)
        self.state.complete = not self.state.unfinished and sounds_complete(text, language)
        self.state.pending = False
        return self.state.unfinished

    def await_judgement(self) -> None:
        """The words at this pause are being recognised in the background: the turn
        does not end on ``end_silence_s`` before :meth:`judge` is called (it still ends
        after ``unfinished_silence_s``)."""
        if self.state.phase == "paused":
            self.state.pending = True

    def push(self, probability: float) -> list[Signal]:
        s, st = self.settings, self.state
        start = self.time
        self.time += self.frame_s
        now = self.time
        out: list[Signal] = []
        speech = probability >= (s.vad_off if st.phase in ("onset", "speaking") else s.vad_on)
        if st.phase == "idle":
            if speech:
                st.phase, st.onset, st.voiced, st.speech_end = "onset", start, self.frame_s, now
                st.barged = False
            return out
        if speech:
            st.voiced += self.frame_s
            st.speech_end = now
            if st.phase == "paused":
                st.phase, st.unfinished, st.pending = "speaking", None, False
                st.complete = False
            if st.phase == "onset" and st.voiced >= s.min_speech_s:
                st.phase, st.last_partial = "speaking", now
                out.append("started")
            if not st.barged and st.voiced >= s.barge_in_s and st.phase == "speaking":
                st.barged = True
                out.append("speaking")
            if st.phase == "speaking" and s.partial_every_s > 0 and \
                    now - st.last_partial >= s.partial_every_s:
                st.last_partial = now
                out.append("partial")
        else:
            silence = now - st.speech_end
            if st.phase == "onset":
                if silence >= s.pause_s:
                    self._close()
                    out.append("dropped")
                return out
            st.voiced = 0.0
            st.barged = False
            if st.phase == "speaking" and silence >= s.pause_s:
                st.phase = "paused"
                out.append("pause")
            elif st.phase == "paused":
                limit = s.unfinished_silence_s if (st.unfinished or st.pending) \
                    else s.complete_end_s if st.complete else s.end_silence_s
                if silence >= limit:
                    self._close()
                    out.append("ended")
                    return out
        if self.in_turn and now - self.turn_start >= s.max_turn_s:
            self.state.speech_end = now
            self._close()
            out.append("cut")
        return out

    def reset(self) -> None:
        """Drop any turn in progress (keeps the clock)."""
        self._close()
