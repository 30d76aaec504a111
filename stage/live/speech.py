"""What the character will say next: the utterance queue and its TTS worker thread.

Utterances (lines and dances) wait in a priority queue (higher priority first, ties in
arrival order) of at most ``max_pending`` items: when it is full, the least important
line (lowest priority, then the oldest) is dropped — the new one itself when it matters
less than everything waiting — so a flood of lines can never grow memory or latency.
One dedicated ``live-tts`` thread takes them one by one and synthesizes sentence by
sentence through the voice's blocking ``synthesize_iter``, makes each
sentence's motion, and pushes it into the :class:`~stage.live.audio.AudioRing` when
fewer than ``sentences_ahead`` segments wait there. A sentence is synthesized *before*
waiting for room, so the first sentence of the next line is ready the moment the
current line ends, and after an interrupt the worker goes straight to the new line.

It never runs on the event loop (a busy loop cannot delay the voice) and never holds a
lock the audio clock takes. :meth:`SpeechQueue.cancel` bumps an epoch under the queue
lock; a push from an older epoch is refused under the same lock, so nothing synthesized
before an interrupt can sneak into the ring after it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vhuman.animation.cues import GestureTimer
from vhuman.models.text.language import detect_language
from vhuman.models.types import InputError, SpeakingStyle
from vhuman.stage.captions.words import line_from_chunk, lines_from_song
from vhuman.stage.metrics import Metrics
from vhuman.stage.performer import SpeechHandle

from .audio import AudioRing, AudioSegment
from .memory import release_free_memory
from .motion import MotionSource

if TYPE_CHECKING:
    from vhuman.models.tts.base import TTSBackend

log = logging.getLogger(__name__)

PREPARED_LINES = 4
"""Lines whose voice is kept synthesized ahead (:meth:`SpeechQueue.prepare`)."""


@dataclass(eq=False)
class Utterance:
    """A queued line or dance with what the worker needs to perform it."""

    handle: SpeechHandle
    text: str
    style: SpeakingStyle
    gestures: tuple[str, ...] = ()
    cues: tuple[tuple[float, str], ...] = ()
    """Gestures placed in the text: (fraction 0..1 of the text where the tag stood, name)."""
    music: Path | None = None
    duration: float | None = None
    dance_style: str | None = None
    song: dict[str, Any] | None = None
    """For a song (kind ``sing``): backing, finale, transpose (see :func:`vhuman.stage.live.songs.plan_song`)."""
    said_at: float = 0.0
    seq: int = 0
    """Order of arrival at this performer: seeds its motion, so the same lines make the
    same motion in any run (live or rendered to a file)."""
    started: bool = False
    framed: bool = False


class SpeechQueue:
    """Priority queue of :class:`Utterance` s and the ``live-tts`` worker that voices them.

    ``call_loop(fn, *args)`` runs handle callbacks on the event loop that owns them;
    ``observe(stage, seconds)`` records a latency; ``on_start()`` runs after the first
    segment of an utterance is in the ring (the timeline then stops idling ahead).
    """

    def __init__(self, tts: TTSBackend, motion: MotionSource, ring: AudioRing, *,
                 sentences_ahead: int = 2, seed: int = 0, max_pending: int = 64,
                 call_loop: Callable[..., None], observe: Callable[[str, float], None],
                 on_start: Callable[[], object] = lambda: None,
                 metrics: Metrics | None = None, language: str = "en") -> None:
        self.tts = tts
        self.language = language
        """The voice's own language: captions of lines whose language cannot be told."""
        self.motion = motion
        self.ring = ring
        self.sample_rate = ring.sample_rate
        self.sentences_ahead = sentences_ahead
        self.seed = seed
        if max_pending < 1:
            raise InputError(f"max_pending must be >= 1, got {max_pending}")
        self.max_pending = max_pending
        self.dropped = 0
        """Utterances dropped because the queue was full."""
        self._call_loop = call_loop
        self._observe = observe
        self._on_start = on_start
        self.metrics = metrics or Metrics()
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[int, int, Utterance]] = []
        self._order = itertools.count()
        self.epoch = 0
        self.current: Utterance | None = None
        self.last_error: str | None = None
        """The last failure to voice an utterance (it was skipped)."""
        self.waiting_for_room = False
        """The worker holds a ready segment until the ring has room (so the ring's audio
        is all there is until it drains; an offline clock may play its last partial tick)."""
        self.last_song: Any = None
        """The last sung song's plan (:class:`vhuman.stage.live.songs.SongPlan`), for figures and plots."""
        self._stop = False
        self._thread: threading.Thread | None = None
        # voice synthesized ahead for lines likely to be said next (see prepare)
        self._prepared: OrderedDict[tuple[str, SpeakingStyle], list[Any]] = OrderedDict()

    # -- control -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="live-tts", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stop = True
            self.epoch += 1
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def put(self, item: Utterance) -> Utterance | None:
        """Queue ``item``; returns the utterance dropped to make room (``item`` itself when
        the queue is full of more important lines), whose handle is then marked not done."""
        item.seq = next(self._order)
        entry = (-item.handle.priority, item.seq, item)
        dropped: Utterance | None = None
        with self._cond:
            if len(self._heap) >= self.max_pending:
                # least important: lowest priority (largest key), then the oldest
                worst = max(self._heap, key=lambda e: (e[0], -e[1]))
                if (entry[0], -entry[1]) >= (worst[0], -worst[1]):
                    dropped = item
                else:
                    self._heap.remove(worst)
                    heapq.heapify(self._heap)
                    dropped = worst[2]
            if dropped is not item:
                heapq.heappush(self._heap, entry)
            depth = len(self._heap)
            self._cond.notify_all()
        self.metrics.set("live_pending_utterances", depth,
                         help="utterances queued, not yet synthesizing")
        if dropped is not None:
            self.dropped += 1
            self.metrics.inc("live_utterances_dropped_total",
                             help="lines dropped because the utterance queue was full")
            log.warning("utterance queue full (%d): dropped %r", self.max_pending,
                        dropped.text[:60])
            self._call_loop(dropped.handle.mark_done, False)
        return dropped

    def prepare(self, item: Utterance) -> None:
        """Synthesize ``item``'s voice ahead (on the worker, before the lines queued at a
        lower priority), without playing it: a :meth:`put` of the same text and style
        within the next few lines starts from that audio. An interrupt forgets it.
        ``item.handle.kind`` is ``prepare``."""
        self.put(item)

    def cancel(self) -> list[Utterance]:
        """Drop the queue and the utterance being synthesized; returns them."""
        with self._cond:
            self.epoch += 1
            items = [item for _, _, item in self._heap]
            self._heap.clear()
            self._prepared.clear()
            if self.current is not None:
                items.append(self.current)
            self._cond.notify_all()
        for item in items:  # voice being prepared is forgotten, not cut
            if item.handle.kind == "prepare":
                self._call_loop(item.handle.mark_done, False)
        return [item for item in items if item.handle.kind != "prepare"]

    @property
    def depth(self) -> int:
        """Utterances waiting or being synthesized (voice prepared ahead not counted)."""
        with self._cond:
            items = [item for _, _, item in self._heap]
            if self.current is not None:
                items.append(self.current)
            return sum(item.handle.kind != "prepare" for item in items)

    # -- worker --------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                _, _, item = heapq.heappop(self._heap)
                self.current, epoch = item, self.epoch
            try:
                if item.handle.kind == "prepare":
                    self._prepare(item, epoch)
                elif item.handle.kind == "dance":
                    self._dance(item, epoch)
                elif item.handle.kind == "sing":
                    self._sing(item, epoch)
                else:
                    self._say(item, epoch)
            except Exception as exc:  # noqa: BLE001 - one bad line must not stop the show
                log.warning("could not perform %r: %s", item.text[:60], exc)
                self.last_error = f"{type(exc).__name__}: {exc}"
                self.metrics.inc("live_errors_total", 1, {"stage": "synthesis"},
                                 help="failures inside the live pipeline")
                self._call_loop(item.handle.mark_done, False)
            finally:
                with self._cond:
                    self.current = None
                release_free_memory()  # keeps a long show's RSS at what it really uses

    def _wait_room(self, epoch: int) -> bool:
        """Block until the ring has room; False when interrupted meanwhile."""
        with self._cond:
            while self.ring.queued_segments >= self.sentences_ahead:
                if self.epoch != epoch or self._stop:
                    self.waiting_for_room = False
                    return False
                # nothing more comes until the ring drains: what it holds is settled
                self.waiting_for_room = True
                self._cond.wait(0.01)
            self.waiting_for_room = False
            return self.epoch == epoch and not self._stop

    def _push(self, segment: AudioSegment, epoch: int) -> bool:
        with self._cond:
            if self.epoch != epoch:
                return False
            self.ring.push(segment)
            return True

    def _prepare(self, item: Utterance, epoch: int) -> None:
        key = (item.text, item.style)
        if key in self._prepared:
            return
        chunks = []
        for chunk in self.tts.synthesize_iter(item.text, item.style):
            if self.epoch != epoch:
                return
            chunks.append(chunk)
        with self._cond:
            if self.epoch == epoch:
                self._prepared[key] = chunks
                while len(self._prepared) > PREPARED_LINES:
                    self._prepared.popitem(last=False)
        self._call_loop(item.handle.mark_done, True)

    def _say(self, item: Utterance, epoch: int) -> None:
        seed = self.seed + item.seq
        t0 = time.monotonic()
        count = 0
        timer = GestureTimer(item.text, list(item.cues))
        language = detect_language(item.text) or self.language  # as the voice chose
        with self._cond:
            ready = self._prepared.pop((item.text, item.style), None)
        for chunk in ready if ready is not None else \
                self.tts.synthesize_iter(item.text, item.style):
            if self.epoch != epoch:
                return
            if count == 0:
                self._observe("tts_first_chunk", time.monotonic() - t0)
            timed = [(0.2, g) for g in item.gestures] if count == 0 else []
            timed += timer.place(chunk)
            clip = self.motion.speech(chunk, emotion=item.style.emotion,
                                      intensity=item.style.intensity, gestures=timed,
                                      seed=seed + count)
            if count == 0:
                self._observe("first_sentence_ready", time.monotonic() - item.said_at)
            if not self._wait_room(epoch):
                return
            line = line_from_chunk(chunk, language=language)
            if not self._push(AudioSegment(chunk.samples, utterance=item, motion=clip,
                                      text=chunk.text, line=line), epoch):
                return
            if count == 0:
                self._on_start()
            count += 1
        # zero-length marker: the clock resolves the handle when it plays past it
        self._push(AudioSegment(np.zeros(0, np.float32), utterance=item, last=True), epoch)

    def _dance(self, item: Utterance, epoch: int) -> None:
        sr = self.sample_rate
        if item.music is not None:
            samples = load_music(item.music, sr)
        else:
            samples = np.zeros(int(round((item.duration or 0) * sr)), np.float32)
        if item.duration is not None:
            samples = samples[: int(round(item.duration * sr))]
        clip = self.motion.dance(samples, sr, style=item.dance_style,
                                 seed=self.seed + item.seq)
        if not self._wait_room(epoch):
            return
        if self._push(AudioSegment(samples, utterance=item, motion=clip, kind="dance"), epoch):
            self._on_start()
            self._push(AudioSegment(np.zeros(0, np.float32), utterance=item, last=True), epoch)


    def song_options(self, item: Utterance) -> dict[str, Any]:
        """How this performer sings ``item`` (the arguments of :func:`vhuman.stage.live.songs.plan_song`):
        with its own Piper voice, the item's emotion, at its frame rate."""
        from vhuman.stage.live.songs import song_seed

        assert item.music is not None
        opts = item.song or {}
        return {"backing": opts.get("backing"),
                "voice": str(getattr(self.tts, "voice_path", None) or "joe"),
                "emotion": item.style.emotion, "intensity": item.style.intensity,
                "dance": item.dance_style or "sway", "transpose": opts.get("transpose", "auto"),
                "finale": bool(opts.get("finale", False)), "fps": self.motion.fps,
                "backing_start": float(opts.get("backing_start", 0.0)),
                "seed": song_seed(item.music, self.seed)}

    def _sing(self, item: Utterance, epoch: int) -> None:
        """Sing a score with the speaking voice (its Piper voice), backing mixed in, and
        play it with its lip-sync and dance as one segment."""
        from vhuman.stage.live.songs import plan_song_cached

        assert item.music is not None
        t0 = time.monotonic()
        plan = plan_song_cached(item.music, **self.song_options(item))
        self._observe("song_ready", time.monotonic() - t0)
        self.last_song = plan
        samples = np.asarray(plan.mix.samples, np.float32)
        if plan.mix.sample_rate != self.sample_rate:
            from scipy.signal import resample_poly

            g = np.gcd(int(plan.mix.sample_rate), int(self.sample_rate))
            samples = resample_poly(samples, self.sample_rate // g,
                                    plan.mix.sample_rate // g).astype(np.float32)
        clip = self.motion.song(plan.motion)
        if self.epoch != epoch or not self._wait_room(epoch):
            return
        lyrics = lines_from_song(plan.song, self.sample_rate, len(samples) / self.sample_rate,
                                 language=self.language)
        if self._push(AudioSegment(samples, utterance=item, motion=clip, kind="sing",
                              text=lyrics.text, line=lyrics), epoch):
            self._on_start()
            self._push(AudioSegment(np.zeros(0, np.float32), utterance=item, last=True), epoch)


def load_music(path: Path, sample_rate: int) -> np.ndarray:
    """Decode a music file to mono float32 at ``sample_rate``."""
    try:
        import soundfile as sf

        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
        samples = data.mean(axis=1)
    except Exception:  # noqa: BLE001 - formats soundfile lacks (mp3/aac): ask librosa
        try:
            import librosa

            samples, sr = librosa.load(str(path), sr=None, mono=True)
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"dance: cannot decode music file {path}: {exc}") from exc
    if sr != sample_rate:
        from scipy.signal import resample_poly

        g = np.gcd(int(sr), int(sample_rate))
        samples = resample_poly(samples, sample_rate // g, int(sr) // g).astype(np.float32)
    return np.clip(samples, -1.0, 1.0).astype(np.float32)
