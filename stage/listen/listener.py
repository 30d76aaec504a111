"""The listener: audio in → voice activity → turns → recognised words, on the audio clock.

One :class:`Listener` per audio stream (a microphone, a browser, a file). :meth:`feed`
takes audio at any rate, runs Silero VAD frame by frame, lets the
:class:`~vhuman.dialogue.turns.TurnDetector` open and close turns, and recognises each
turn with the recogniser (at the first pause, to judge whether the words sound finished,
and again only when the person went on speaking). It returns :class:`ListenEvent` s:
``started``, ``partial``, ``speaking`` (≥ ``barge_in_s`` of speech: the barge-in signal,
with ``echo`` set when the speech was the host's own voice coming back), ``pause``
(live: the words recognised at a pause, the final transcript unless speech resumes, so
an answer can be prepared early; ``preview`` when they are a partial's words that
reached within :data:`PREVIEW_GAP_S` of the pause, known before the pause's own
recognition), ``final``.
With ``background=False`` (files, tests) everything is synchronous and deterministic
for a given input. Live sessions use ``background=True``: partial transcripts and the
recognition at a pause run on the listener's own recognition thread while frames keep
coming, so the end of a turn is decided on time and its final transcript is usually ready
when the end-of-turn silence has passed (the turn waits for the words at the pause to be
judged, up to ``unfinished_silence_s``). No partial starts once a pause has begun. With a
recogniser that decodes two at once (``workers`` > 1) the recognition at a pause runs on a
thread of its own, beside a partial still being decoded; otherwise it waits for that
partial (each wait is counted in :attr:`Listener.pause_waits`). Partials carry their stable prefix (the words two
consecutive partials agree on, :func:`~vhuman.models.asr.streaming.stable_prefix`), and
a confidently detected language is kept for the rest of the turn, which spares the
language detection at the final; the language of the speaker's last turn is handed to
the recogniser as a ``prior``, kept when a new turn's detection is unsure (a short
Spanish turn otherwise comes out as Portuguese). A failing recogniser becomes a turn with status
``error``, never an exception out of :meth:`feed`.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from vhuman.dialogue.turns import TurnDetector, TurnSettings
from vhuman.models.asr.base import SAMPLE_RATE, Recognizer, Transcription, VoiceActivityDetector
from vhuman.models.asr.streaming import stable_prefix

from .echo import EchoJudge, EchoSuppressor

log = logging.getLogger(__name__)

_turn_ids = itertools.count(1)
EventKind = Literal["started", "partial", "speaking", "pause", "final"]
Analysed = tuple[np.ndarray, float, bool]
"""One frame after :meth:`Listener.analyse`: (samples, speech probability, explained by echo)."""
PIN_LANGUAGE = 0.8
"""A partial whose language was detected at least this surely keeps it for the turn..."""
PIN_AFTER_S = 3.0
"""...when it heard at least this much of the turn: on a second or two Whisper can be sure
and wrong (a Spanish turn's first 1.5 s detected as Arabic at 0.92, then Spanish at 0.97
from 3 s on), and a pinned wrong language ruins the whole turn."""
PREVIEW_GAP_S = 0.3
"""A partial whose audio ended at most this long before a pause began holds nearly all the
words at that pause: its words are handed on at once as a ``preview`` ``pause`` event (an
answer starts on them while the pause's own recognition runs, and is kept only when the
final transcript says the same words)."""


@dataclass
class HeardTurn:
    """One person's turn: when (seconds on the stream's audio clock), what, how sure."""

    speaker: str
    role: str
    start: float
    end: float = 0.0
    text: str = ""
    language: str = ""
    confidence: float = 0.0
    status: str = "listening"  # ok | empty | low_confidence | unsupported_language | echo | error
    detail: str = ""
    cut: bool = False  # ended by max_turn_s, not by silence
    id: int = field(default_factory=lambda: next(_turn_ids))
    speech_end_wall: float | None = None  # monotonic time the end of speech arrived
    final_wall: float | None = None  # monotonic time the final transcript was ready

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("start", "end", "confidence"):
            data[key] = round(float(data[key]), 3)
        data.pop("speech_end_wall")
        data.pop("final_wall")
        return data


@dataclass(frozen=True)
class ListenEvent:
    kind: EventKind
    turn: HeardTurn
    text: str = ""  # the partial text for ``partial``; the words at the pause for ``pause``
    echo: bool = False  # ``speaking``: the speech was the host's own voice (not a barge-in)
    stable: str = ""  # ``partial``: its start that the previous partial agreed with
    language: str = ""  # ``partial``, ``pause``: the language it was heard in
    preview: bool = False  # ``pause``: a partial's words, before the pause's recognition


class Listener:
    """VAD + turn-taking + recognition for one stream (see the module docstring).

    ``min_confidence``: a turn recognised below it gets status ``low_confidence`` (music,
    noise and far-off talk come out as confident-sounding nonsense otherwise).
    ``partials``: recognise the turn so far every ``partial_every_s`` while it lasts, but
    only while the listener keeps up with real time (a partial never delays a final).
    """

    def __init__(self, recognizer: Recognizer, vad: VoiceActivityDetector,
                 settings: TurnSettings | None = None, *, speaker: str = "guest",
                 role: str = "guest", language: str | None = None,
                 min_confidence: float = 0.3, partials: bool = True,
                 echo: EchoSuppressor | None = None, background: bool = False) -> None:
        self.recognizer = recognizer
        self.vad = vad
        self.settings = settings or TurnSettings()
        self.speaker, self.role, self.language = speaker, role, language
        self.min_confidence = min_confidence
        self.partials = partials
        self.echo = echo
        self.frame = vad.frame_samples
        self.detector = TurnDetector(self.settings, self.frame / SAMPLE_RATE)
        keep = int((self.settings.max_turn_s + self.settings.pre_roll_s + 2) * SAMPLE_RATE)
        self._audio: deque[np.ndarray] = deque(maxlen=keep // self.frame + 1)
        self._pending = np.zeros(0, dtype=np.float32)
        self._arrivals: deque[tuple[float, float]] = deque(maxlen=4096)  # (audio t, wall)
        self._resampler: Any = None
        self._resampler_rate = 0
        self._turn: HeardTurn | None = None
        self._judged: Transcription | None = None
        self._frames = 0  # frames processed (audio clock = frames * frame / rate)
        self._analysed = 0  # frames analysed (ahead of _frames when a session splits them)
        # live, the analysing thread owns the suppressor: its BargeInWatch judges echo
        self._judge = EchoJudge(self.settings, self.frame / SAMPLE_RATE,
                                None if background else echo)
        self._voiced = 0  # speech frames in the current turn
        self._echoed = 0  # of which the echo check explained
        self.recognitions = 0
        self.pauses = 0  # recognitions at a pause (live)
        self.pause_waits: list[float] = []
        """Seconds each recognition at a pause waited for the recognition thread (for a
        partial or an earlier pause's recognition still being decoded)."""
        self.background = background
        # partials on one thread, the recognitions at a pause on another: with a recogniser
        # that decodes two at once (``workers``), a pause never waits behind a partial
        self._worker: ThreadPoolExecutor | None = None
        self._pause_worker: ThreadPoolExecutor | None = None
        # (turn id, end of its audio, job)
        self._partial_job: tuple[int, float, Future[Transcription]] | None = None
        self._last_partial: tuple[int, float, Transcription] | None = None  # the newest result
        self._pause_job: tuple[int, float, Future[Transcription]] | None = None  # (+ end)
        # a partial that reached the pause: (turn id, pause's end of speech, job)
        self._preview: tuple[int, float, Future[Transcription]] | None = None
        self.previews = 0  # ``preview`` pause events handed on
        self._hypothesis = ""  # the last partial's words
        self._partial_due = False  # a partial fell due while the recogniser was busy
        self._turn_language: str | None = None  # kept from a confident partial
        self.prompt: str | None = None
        """Text the recogniser takes as said just before each turn (e.g. the names and
        terms a press desk's reporters ask about); None: none."""
        # the language of this speaker's last turn: kept when a new turn's detection is
        # unsure (recognisers whose transcribe takes a ``prior``)
        self.speaker_language: str | None = None
        try:
            self._takes_prior = "prior" in inspect.signature(recognizer.transcribe).parameters
        except (TypeError, ValueError):
            self._takes_prior = False

    # -- input -----------------------------------------------------------------------
    def feed(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[ListenEvent]:
        """Take the next ``samples`` (mono float32) of the stream; returns what happened."""
        return self.process(self.analyse(samples, sample_rate))

    def analyse(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[Analysed]:
        """The cheap half of :meth:`feed` (resampling, echo suppression, VAD), frame by
        frame; live sessions run it on its own thread so a barge-in is never stuck behind
        a recognition, then hand the frames to :meth:`process`."""
        audio = self._resample(np.asarray(samples, dtype=np.float32).reshape(-1), sample_rate)
        self._pending = np.concatenate([self._pending, audio]) if self._pending.size else audio
        self._analysed += self._pending.size // self.frame
        self._arrivals.append((self._analysed * self.frame / SAMPLE_RATE, time.monotonic()))
        out: list[Analysed] = []
        n = self._pending.size // self.frame
        for i in range(n):
            frame = self._pending[i * self.frame:(i + 1) * self.frame]
            heard, echo_only = (frame, False) if self.echo is None else self.echo.process(frame)
            out.append((frame, self.vad.probability(heard), echo_only))
        self._pending = self._pending[n * self.frame:].copy()
        return out

    def process(self, frames: list[Analysed]) -> list[ListenEvent]:
        """Turn-taking and recognition over analysed frames (see :meth:`analyse`)."""
        events: list[ListenEvent] = []
        for frame, p, echo_only in frames:
            events.extend(self._frame(frame, p, echo_only))
        return events

    def finish(self) -> list[ListenEvent]:
        """The stream ended: close a turn in progress (with the audio it has)."""
        events = [self._final(cut=False)] if self._turn is not None else []
        for worker in (self._worker, self._pause_worker):
            if worker is not None:
                worker.shutdown(wait=True)
        self._worker = self._pause_worker = None
        self._partial_job = self._pause_job = self._preview = None
        return events

    @property
    def clock(self) -> float:
        """Seconds of audio processed so far."""
        return self._frames * self.frame / SAMPLE_RATE

    def _resample(self, audio: np.ndarray, rate: int) -> np.ndarray:
        if rate == SAMPLE_RATE:
            return audio
        import av

        if self._resampler is None or self._resampler_rate != rate:
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            self._resampler_rate = rate
        frame = av.AudioFrame.from_ndarray(audio[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)

    # -- per frame -------------------------------------------------------------------
    def _frame(self, frame: np.ndarray, p: float, echo_only: bool) -> list[ListenEvent]:
        self._audio.append(frame)
        self._frames += 1
        events: list[ListenEvent] = self._collect() if self.background else []
        for signal in self.detector.push(p):
            if signal == "started":
                self._turn = HeardTurn(self.speaker, self.role, self.detector.turn_start)
                self._judged = None
                self._hypothesis, self._turn_language = "", None
                self._partial_due = False
                events.append(ListenEvent("started", self._turn))
            elif signal == "speaking" and self._turn is not None:
                events.append(ListenEvent("speaking", self._turn, echo=self._judge.speaking()))
            elif signal == "partial" and self._turn is not None and self.partials:
                if self.background:
                    self._partial_due = True
                    self._submit_partial()
                elif self._keeping_up():
                    events.extend(self._partial(self._recognise(self._turn.start, self.clock,
                                                                  partial=True)))
            elif signal == "pause" and self._turn is not None:
                if self.background:
                    end = self.detector.speech_end
                    self._pause_job = (self._turn.id, end, self._submit_pause(self._turn.start, end))
                    self.detector.await_judgement()
                else:
                    self._judged = self._recognise(self._turn.start, self.detector.speech_end)
                    self.detector.judge(self._judged.text, self._judged.language)
            elif signal in ("ended", "cut") and self._turn is not None:
                events.append(self._final(cut=signal == "cut"))
            elif signal == "dropped":
                self._judge.reset()
        phase = self.detector.state.phase
        if self._turn is not None and self._judge.person_now(phase == "speaking"):
            events.append(ListenEvent("speaking", self._turn, echo=False))
        voiced = phase in ("onset", "speaking") and p >= self.settings.vad_off
        self._judge.frame(voiced, echo_only)
        if voiced:
            self._voiced += 1
            self._echoed += int(echo_only)
        if phase == "idle" and self._turn is None:
            self._voiced = self._echoed = 0
            self._judge.reset()
        return events

    def _final(self, *, cut: bool) -> ListenEvent:
        turn = self._turn
        assert turn is not None
        end = self.clock if self.detector.in_turn else min(self.detector.speech_end, self.clock)
        if self._pause_job is not None and not cut:  # wait for the words at the pause
            turn_id, at, job = self._pause_job
            self._pause_job = None
            if turn_id == turn.id and abs(at - end) < 1e-6:
                self._judged = self._result(job)
        result = self._judged if (self._judged is not None and not cut) else \
            self._recognise(turn.start, end)
        turn.end, turn.cut = end, cut
        turn.text, turn.language = result.text, result.language
        turn.confidence, turn.detail = result.confidence, result.detail
        turn.status = result.status
        if result.ok and result.confidence < self.min_confidence:
            turn.status, turn.detail = "low_confidence", f"confidence {result.confidence:.2f}"
        if self._voiced and self._echoed > 0.5 * self._voiced:
            turn.status, turn.detail = "echo", "the host's own voice coming back"
        self._voiced = self._echoed = 0
        if turn.status == "ok" and turn.language:
            self.speaker_language = turn.language
        turn.speech_end_wall = self._arrival(end)
        turn.final_wall = time.monotonic()
        self._turn, self._judged = None, None
        if self.detector.in_turn:  # the stream ended mid-turn
            self.detector.reset()
        return ListenEvent("final", turn)

    # -- background recognition ------------------------------------------------------
    def _submit(self, start: float, end: float, *, partial: bool = False,
                before: Callable[[], None] | None = None) -> Future[Transcription]:
        """Recognise ``start..end`` on the recognition thread (the audio is cut now);
        ``partial``: the words so far of a turn still being spoken; ``before``: called
        on that thread as the recognition starts."""
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix=f"asr-{self.speaker}")
        worker = self._worker
        if not partial and getattr(self.recognizer, "workers", 1) > 1:
            if self._pause_worker is None:
                self._pause_worker = ThreadPoolExecutor(
                    1, thread_name_prefix=f"asr-pause-{self.speaker}")
            worker = self._pause_worker
        audio = self._slice(start, end)
        language = self.language or self._turn_language

        def job() -> Transcription:
            if before is not None:
                before()
            return self._transcribe(audio, language, partial)

        return worker.submit(job)

    def _submit_pause(self, start: float, end: float) -> Future[Transcription]:
        """The recognition at a pause. It waits only for a recognition already running
        (no partial starts once the pause began; an earlier pause's recognition not yet
        started is cancelled); each wait, in seconds, is kept in :attr:`pause_waits`.
        A partial that reached within :data:`PREVIEW_GAP_S` of the pause (done or still
        running) becomes the pause's preview."""
        self.pauses += 1
        turn_id = self._turn.id if self._turn is not None else -1
        self._preview = None
        if self._partial_job is not None:
            job_turn, reached, job = self._partial_job
            if not job.done():
                self._partial_job = None  # its words are older than the pause's
            if job_turn == turn_id and end - reached <= PREVIEW_GAP_S:
                self._preview = (turn_id, end, job)
        elif self._last_partial is not None and self._last_partial[0] == turn_id \
                and end - self._last_partial[1] <= PREVIEW_GAP_S:
            done: Future[Transcription] = Future()
            done.set_result(self._last_partial[2])
            self._preview = (turn_id, end, done)
        if self._pause_job is not None and self._pause_job[2].cancel():
            # an earlier pause's recognition, still queued: the person went on, and this
            # one hears all of it
            self.pauses -= 1
        submitted = time.monotonic()

        def waited() -> None:
            self.pause_waits.append(round(time.monotonic() - submitted, 3))

        return self._submit(start, end, before=waited)

    @staticmethod
    def _result(job: Future[Transcription]) -> Transcription:
        try:
            return job.result()
        except Exception as exc:  # noqa: BLE001 - _transcribe already catches; belt and braces
            return Transcription("", status="error", detail=f"recognizer failed: {exc}")

    def _collect(self) -> list[ListenEvent]:
        """Results that the recognition thread finished since the last frame."""
        events: list[ListenEvent] = []
        turn = self._turn
        if self._partial_job is not None and self._partial_job[2].done():
            turn_id, reached, job = self._partial_job
            self._partial_job = None
            if turn is not None and turn_id == turn.id:
                result = self._result(job)
                self._last_partial = (turn_id, reached, result)
                events.extend(self._partial(result))
        if self._preview is not None and self._preview[2].done():
            turn_id, at, job = self._preview
            self._preview = None
            pending = self._pause_job is not None and not self._pause_job[2].done() \
                and self._pause_job[0] == turn_id and abs(self._pause_job[1] - at) < 1e-6
            if turn is not None and turn_id == turn.id and pending \
                    and self.detector.state.phase == "paused" \
                    and abs(at - self.detector.speech_end) < 1e-6:
                result = self._result(job)
                if result.ok and result.confidence >= self.min_confidence:
                    self.previews += 1
                    events.append(ListenEvent("pause", turn, text=result.text,
                                              language=result.language, preview=True))
        if self._pause_job is not None and self._pause_job[2].done():
            turn_id, at, job = self._pause_job
            if turn is None or turn_id != turn.id:
                self._pause_job = None
            elif self.detector.state.phase != "paused" \
                    or abs(at - self.detector.speech_end) > 1e-6:
                # the person went on speaking: a later pause judges; the words up to this
                # pause are still the newest transcript of the turn
                self._pause_job = None
                events.extend(self._partial(self._result(job)) if self.partials else [])
            elif self._judged is None or self.detector.state.pending:
                self._judged = self._result(job)
                self._pause_job = None
                self.detector.judge(self._judged.text, self._judged.language)
                # shown at once: the person may go on after this pause
                events.extend(self._partial(self._judged) if self.partials else [])
                if self._judged.ok and self._judged.confidence >= self.min_confidence:
                    # the final transcript unless the person goes on: answers start early
                    events.append(ListenEvent("pause", turn, text=self._judged.text,
                                              language=self._judged.language))
        self._submit_partial()
        return events

    def _submit_partial(self) -> None:
        """Start a partial that fell due, once the recognition thread is free: partials
        never queue behind each other (or behind the words at a pause), and one that fell
        due while the previous was decoded starts as soon as that one is done."""
        turn = self._turn
        if not self._partial_due or turn is None or self._partial_job is not None \
                or self._pause_job is not None:
            return
        if self.detector.state.phase != "speaking":
            self._partial_due = False
        elif self.detector.time - self.detector.state.speech_end < 1e-9:
            # only on a speech frame: once a pause begins no partial starts, so the
            # recognition at the pause never waits behind one
            self._partial_due = False
            self._partial_job = (turn.id, self.clock,
                                 self._submit(turn.start, self.clock, partial=True))

    def _partial(self, result: Transcription) -> list[ListenEvent]:
        """A partial event with its stable prefix; keeps a surely detected language."""
        if not result.ok or self._turn is None:
            return []
        stable = stable_prefix(self._hypothesis, result.text)
        self._hypothesis = result.text
        if self.language is None and self._turn_language is None \
                and result.language_probability >= PIN_LANGUAGE \
                and result.seconds >= PIN_AFTER_S:
            self._turn_language = result.language
        return [ListenEvent("partial", self._turn, text=result.text, stable=stable,
                            language=result.language)]

    # -- helpers ---------------------------------------------------------------------
    def _recognise(self, start: float, end: float, *, partial: bool = False) -> Transcription:
        return self._transcribe(self._slice(start, end), self.language or self._turn_language,
                                partial=partial)

    def _transcribe(self, audio: np.ndarray, language: str | None,
                    partial: bool = False) -> Transcription:
        """``partial``: use the recogniser's quicker partial decoding where it has one
        (``transcribe_partial``: it gives up on what a final would decode again)."""
        self.recognitions += 1
        quick = getattr(self.recognizer, "transcribe_partial", None) if partial else None
        try:
            options: dict[str, str] = {}
            if self.prompt:
                options["prompt"] = self.prompt
            if language is None and self._takes_prior and self.speaker_language:
                options["prior"] = self.speaker_language
            if quick is not None:
                return quick(audio, language=language, **options)
            if options:
                return self.recognizer.transcribe(audio, language=language,  # type: ignore[arg-type]
                                                  **options)
            return self.recognizer.transcribe(audio, language=language)
        except Exception as exc:  # noqa: BLE001 - a failed turn must not stop the stream
            log.exception("recognizer failed on a %.1fs turn", audio.size / SAMPLE_RATE)
            return Transcription("", status="error", detail=f"recognizer failed: {exc}",
                                 seconds=audio.size / SAMPLE_RATE)

    def _slice(self, start: float, end: float) -> np.ndarray:
        first = self._frames - len(self._audio)  # frame index of the oldest kept frame
        a = max(first, int(start * SAMPLE_RATE) // self.frame)
        b = min(self._frames, -(-int(end * SAMPLE_RATE) // self.frame))
        frames = list(self._audio)[a - first:b - first]
        return np.concatenate(frames) if frames else np.zeros(0, np.float32)

    def _arrival(self, t: float) -> float | None:
        """Wall time at which the audio at stream time ``t`` was fed."""
        for audio_t, wall in list(self._arrivals):  # appended to by the analysing thread
            if audio_t >= t:
                return wall
        return self._arrivals[-1][1] if self._arrivals else None

    def _keeping_up(self) -> bool:
        """Whether the frame being processed arrived less than 0.25 s ago."""
        arrived = self._arrival(self.clock)
        return arrived is not None and time.monotonic() - arrived < 0.25


class BargeInWatch:
    """The barge-in signal alone, on analysed frames: a run of a person's speech of
    ``barge_in_s`` (``speaking`` events, ``echo`` as :class:`EchoJudge` judges the run,
    and a later ``speaking`` event when a person starts inside a turn the echo opened). Cheap: a
    live session runs it where the frames are analysed, so a barge-in never waits behind
    a recognition."""

    def __init__(self, settings: TurnSettings, frame_s: float, *, speaker: str,
                 role: str, echo: EchoSuppressor | None = None) -> None:
        self.settings = settings
        self.echo = echo  # judges each run before a barge-in
        self.detector = TurnDetector(settings, frame_s)
        self.frame_s = frame_s
        self.speaker, self.role = speaker, role
        self.judge = EchoJudge(settings, frame_s, echo)

    def push(self, frames: list[Analysed]) -> list[ListenEvent]:
        out: list[ListenEvent] = []
        for _, p, echo_only in frames:
            signals = self.detector.push(p)
            phase = self.detector.state.phase
            self.judge.frame(phase in ("onset", "speaking") and p >= self.settings.vad_off,
                             echo_only)
            if "speaking" in signals:
                turn = HeardTurn(self.speaker, self.role, self.detector.turn_start)
                out.append(ListenEvent("speaking", turn, echo=self.judge.speaking()))
            elif self.judge.person_now(phase == "speaking"):
                turn = HeardTurn(self.speaker, self.role, self.detector.turn_start)
                out.append(ListenEvent("speaking", turn, echo=False))
            if phase == "idle":
                self.judge.reset()
        return out
