"""`LivePerformer`: the character live, for hours — audio-clocked, interruptible, streamed.

Threads and tasks (why: audio must never wait for the event loop, GL is thread-bound):

- **clock thread** (``live-clock``): ticks at ``fps``. Each tick reads exactly its audio
  slice from the :class:`~stage.live.audio.AudioRing` (silence when empty), takes the
  motion row under the audio playhead (speech clip of the sentence playing, or an idle /
  dance window generated ahead), renders the frame (the renderer lives in this thread),
  and offers one :class:`~stage.outputs.base.Tick` to every output. When rendering falls
  behind the wall clock, the tick repeats the previous picture (counted as dropped) so
  audio stays real time — the stream never freezes or goes black.
- **feeder task** (event loop): pops utterances by priority, synthesizes them sentence
  by sentence (TTS in a worker thread via ``synthesize``) at most ``sentences_ahead``
  segments ahead of the playhead, and makes each sentence's motion in a worker thread.
- **interrupt**: cancels synthesis, drops queued utterances and buffered audio, makes
  outputs drop unsent ticks, and crossfades the pose (mouth closing) over ``fade_s``.
  Handles resolve ``done`` to False; interrupt→silence is measured at the first tick
  whose audio is all zeros.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.types import Emotion, InputError, SpeakingStyle, VhumanError
from stage.outputs.base import Output, Tick
from stage.performer import SpeechHandle

from .audio import AudioRing, AudioSlice, Segment
from .metrics import Metrics
from .motion import LiveMotion, MotionMixer, MotionSource
from .render import FrameRenderer, PatternRenderer

log = logging.getLogger(__name__)


@dataclass
class LiveConfig:
    """Clock, picture and buffering settings of a :class:`LivePerformer`."""

    fps: float = 30.0
    width: int = 512
    height: int = 512
    voice: str = "piper"
    sentences_ahead: int = 2
    idle_window_s: float = 2.0
    fade_s: float = 0.1
    max_lateness_s: float = 1.0
    seed: int = 0

    def validate(self) -> None:
        if not 1 <= self.fps <= 120:
            raise InputError(f"live fps must be within 1..120, got {self.fps}")
        if self.width % 2 or self.height % 2 or min(self.width, self.height) < 32:
            raise InputError(f"live size must be even and >= 32, got {self.width}x{self.height}")
        if self.sentences_ahead < 1:
            raise InputError(f"sentences_ahead must be >= 1, got {self.sentences_ahead}")


@dataclass(eq=False)
class _Item:
    """A queued utterance or dance with what the feeder needs to play it."""

    handle: SpeechHandle
    text: str
    style: SpeakingStyle
    gestures: tuple[str, ...] = ()
    music: Path | None = None
    duration: float | None = None
    dance_style: str | None = None
    started: bool = False
    said_at: float = 0.0


class LivePerformer:
    """Implements :class:`stage.performer.Performer` on a real-time audio-mastered clock.

    ``renderer_factory`` builds the :class:`FrameRenderer` inside the clock thread
    (default: :class:`PatternRenderer`; pass ``lambda: AvatarRenderer(...)`` for the
    character). ``tts`` defaults to ``models.tts.get_tts(config.voice)``.
    """

    def __init__(self, config: LiveConfig | None = None, *, tts: Any = None,
                 motion: MotionSource | None = None,
                 renderer_factory: Callable[[], FrameRenderer] | None = None,
                 metrics: Metrics | None = None) -> None:
        self.config = config or LiveConfig()
        self.config.validate()
        if tts is None:
            from models.tts import get_tts

            tts = get_tts(self.config.voice)
        self.tts = tts
        self.sample_rate = int(tts.sample_rate)
        self.fps = float(self.config.fps)
        self.motion: MotionSource = motion or LiveMotion(self.fps)
        cfg = self.config
        self._renderer_factory = renderer_factory or (
            lambda: PatternRenderer(cfg.width, cfg.height))
        self.metrics = metrics or Metrics()
        self.ring = AudioRing(self.sample_rate)
        self.mixer = MotionMixer(self.fps, self.config.fade_s)
        self.emotion, self.intensity = Emotion.NEUTRAL, 0.6
        self.overlay: dict[str, Any] | None = None
        self._outputs: list[Output] = []
        self._out_lock = threading.Lock()
        self._queue: list[tuple[int, int, _Item]] = []
        self._order = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._feeder: asyncio.Task[None] | None = None
        self._speaking_task: asyncio.Task[None] | None = None
        self._feeding: _Item | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._epoch = 0
        self._interrupt_at: tuple[float, int] | None = None
        self._fade_request = False
        self._playing: _Item | None = None
        self._gesture_requests: list[str] = []
        self.tick_index = 0
        self.dropped_frames = 0
        self.last_interrupt: dict[str, float] = {}
        self.render_error: str | None = None
        self._fps_window: list[float] = []
        self._latency: dict[str, float] = {}

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Start the clock thread and the feeder; returns once the first tick is out."""
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._feeder = asyncio.create_task(self._feed(), name="live-feeder")
        self._stop.clear()
        self._thread = threading.Thread(target=self._clock, name="live-clock", daemon=True)
        self._thread.start()
        if not await asyncio.to_thread(self._ready.wait, 60.0):
            raise VhumanError(f"live clock did not start: {self.render_error or 'timeout'}")
        if self.render_error:
            raise VhumanError(f"live renderer failed to start: {self.render_error}")

    async def close(self) -> None:
        """Stop speaking, stop the clock, close every output."""
        await self.interrupt("close")
        if self._feeder is not None:
            self._feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feeder
            self._feeder = None
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10.0)
            self._thread = None
        with self._out_lock:
            outputs, self._outputs = list(self._outputs), []
        for out in outputs:
            await asyncio.to_thread(out.close)

    async def __aenter__(self) -> LivePerformer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def add_output(self, output: Output) -> Output:
        """Subscribe an output to every tick from now on (starts it)."""
        output.start()
        with self._out_lock:
            self._outputs.append(output)
        return output

    def remove_output(self, output: Output) -> None:
        """Unsubscribe (does not close it)."""
        with self._out_lock:
            if output in self._outputs:
                self._outputs.remove(output)

    @property
    def outputs(self) -> list[Output]:
        with self._out_lock:
            return list(self._outputs)

    # -- Performer protocol --------------------------------------------------------------
    async def say(self, text: str, *, emotion: Emotion | None = None,
                  intensity: float | None = None, priority: int = 0, source: str = "host",
                  gestures: Sequence[str] = ()) -> SpeechHandle:
        if not isinstance(text, str) or not text.strip():
            raise InputError("say: text is empty")
        style = SpeakingStyle(emotion=Emotion.parse(emotion) if emotion else self.emotion,
                              intensity=self.intensity if intensity is None else intensity)
        handle = SpeechHandle(text=text, kind="say", priority=priority, source=source)
        self._enqueue(_Item(handle, text, style, tuple(gestures), said_at=time.monotonic()))
        return handle

    async def dance(self, music: Path | None, *, duration: float | None = None,
                    style: str | None = None) -> SpeechHandle:
        if music is not None and not Path(music).is_file():
            raise InputError(f"dance: music file {music} not found")
        if music is None and duration is None:
            raise InputError("dance: give music or a duration")
        if duration is not None and not 0 < duration <= 3600:
            raise InputError(f"dance: duration must be within 0..3600 s, got {duration}")
        handle = SpeechHandle(text=f"<dance {style or 'free'}>", kind="dance")
        self._enqueue(_Item(handle, handle.text, SpeakingStyle(self.emotion, self.intensity),
                            music=Path(music) if music else None, duration=duration,
                            dance_style=style, said_at=time.monotonic()))
        return handle

    async def interrupt(self, reason: str = "") -> None:
        t0 = time.monotonic()
        self._epoch += 1
        for _, _, item in self._queue:
            item.handle.mark_done(False)
        self._queue.clear()
        if self._speaking_task is not None and not self._speaking_task.done():
            self._speaking_task.cancel()
        dropped = self.ring.clear()
        cut = {seg.utterance for seg in dropped if seg.utterance is not None}
        if self._playing is not None:
            cut.add(self._playing)
        for item in cut:
            item.handle.mark_done(False)
        if dropped or self._playing is not None:
            self._interrupt_at = (t0, self.tick_index)
            self.metrics.inc("live_interrupts_total", help="interrupts that cut speech")
        self._playing = None
        self._fade_request = True
        for out in self.outputs:
            out.interrupt()
        if reason != "close":
            log.info("interrupt (%s): dropped %d audio segments", reason or "host", len(dropped))

    async def set_emotion(self, emotion: Emotion, intensity: float = 0.6) -> None:
        if not 0.0 <= intensity <= 1.0:
            raise InputError(f"intensity must be within 0..1, got {intensity}")
        self.emotion, self.intensity = Emotion.parse(emotion), intensity
        self._idle_clip = None  # regenerate the idle window with the new face

    async def gesture(self, name: str) -> None:
        if not name or not name.strip():
            raise InputError("gesture: name is empty")
        self._gesture_requests.append(name.strip())

    async def show_overlay(self, card: dict[str, Any] | None) -> None:
        if card is not None and not isinstance(card, dict):
            raise InputError("show_overlay: card must be an object or null")
        self.overlay = card

    def status(self) -> dict[str, Any]:
        playing = self._playing
        window = self._fps_window
        fps = (len(window) - 1) / (window[-1] - window[0]) if len(window) > 2 else 0.0
        return {
            "speaking": playing is not None,
            "current": playing.text if playing else None,
            "queue_depth": len(self._queue) + (1 if self._feeding else 0),
            "emotion": self.emotion.value,
            "overlay": self.overlay,
            "fps": round(fps, 2),
            "dropped_frames": self.dropped_frames,
            "tick": self.tick_index,
            "audio_buffered_s": round(self.ring.queued_seconds, 3),
            "outputs": {getattr(o, "name", "?"): o.stats() for o in self.outputs},
            "latency": dict(self._latency),
            "last_interrupt": dict(self.last_interrupt),
        }

    # -- feeder (event loop) ---------------------------------------------------------------
    def _enqueue(self, item: _Item) -> None:
        if self._loop is None:
            raise VhumanError("LivePerformer is not started: call await performer.start()")
        heapq.heappush(self._queue, (-item.handle.priority, next(self._order), item))
        self.metrics.set("live_pending_utterances", len(self._queue),
                         help="utterances queued, not yet synthesizing")
        assert self._wakeup is not None
        self._wakeup.set()

    async def _feed(self) -> None:
        assert self._wakeup is not None
        while True:
            if not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            _, _, item = heapq.heappop(self._queue)
            self._feeding = item
            self._speaking_task = asyncio.create_task(self._synthesize(item, self._epoch))
            try:
                await asyncio.wait({self._speaking_task})
                if self._speaking_task.done() and not self._speaking_task.cancelled():
                    exc = self._speaking_task.exception()
                    if exc is not None:
                        log.warning("could not perform %r: %s", item.text[:60], exc)
                        self.metrics.inc("live_errors_total", 1, {"stage": "synthesis"},
                                         help="failures inside the live pipeline")
                        item.handle.mark_done(False)
            finally:
                self._feeding = None
                self._speaking_task = None

    async def _wait_room(self) -> None:
        while self.ring.queued_segments >= self.config.sentences_ahead:
            await asyncio.sleep(0.01)

    def _push(self, segment: Segment, epoch: int) -> None:
        if epoch != self._epoch:
            raise asyncio.CancelledError  # interrupted between the await and here
        self.ring.push(segment)

    async def _synthesize(self, item: _Item, epoch: int) -> None:
        if item.handle.kind == "dance":
            await self._prepare_dance(item, epoch)
            return
        seed = self.config.seed + item.handle.id
        gestures = list(item.gestures) + self._take_gestures()
        count = 0
        t0 = time.monotonic()
        await self._wait_room()
        async for chunk in self.tts.synthesize(item.text, item.style):
            if count == 0:
                self._observe_latency("tts_first_chunk", time.monotonic() - t0)
            timed = [(0.2, g) for g in gestures] if count == 0 else []
            clip = await asyncio.to_thread(self.motion.speech, chunk, emotion=item.style.emotion,
                                           intensity=item.style.intensity, gestures=timed,
                                           seed=seed + count)
            self._push(Segment(chunk.samples, utterance=item, motion=clip, text=chunk.text),
                       epoch)
            count += 1
            await self._wait_room()
        # zero-length marker: the clock resolves the handle when it plays past it
        self._push(Segment(np.zeros(0, np.float32), utterance=item, last=True), epoch)

    async def _prepare_dance(self, item: _Item, epoch: int) -> None:
        sr = self.sample_rate
        if item.music is not None:
            samples = await asyncio.to_thread(_load_music, item.music, sr)
        else:
            samples = np.zeros(int(round((item.duration or 0) * sr)), np.float32)
        if item.duration is not None:
            samples = samples[: int(round(item.duration * sr))]
        clip = await asyncio.to_thread(self.motion.dance, samples, sr, style=item.dance_style,
                                       seed=self.config.seed + item.handle.id)
        await self._wait_room()
        self._push(Segment(samples, utterance=item, motion=clip, kind="dance"), epoch)
        self._push(Segment(np.zeros(0, np.float32), utterance=item, last=True), epoch)

    def _take_gestures(self) -> list[str]:
        taken, self._gesture_requests = self._gesture_requests, []
        return taken

    def _observe_latency(self, stage: str, seconds: float) -> None:
        self._latency[stage] = round(seconds, 4)
        self.metrics.observe("live_stage_latency_seconds", seconds, {"stage": stage},
                             help="latency per live pipeline stage")

    def _call_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # loop closed at shutdown
                self._loop.call_soon_threadsafe(fn, *args)

    # -- clock thread ----------------------------------------------------------------------
    def _clock(self) -> None:
        try:
            renderer = self._renderer_factory()
        except Exception as exc:  # noqa: BLE001 - reported by start()
            log.exception("live renderer failed to start")
            self.render_error = f"{type(exc).__name__}: {exc}"
            self._ready.set()
            return
        self._idle_clip: Any = None
        idle_start = 0
        last_image: np.ndarray | None = None
        try:  # warm up (shader compile, first skinning) before the clock starts
            renderer.render(self.motion.idle(0, 1, emotion=self.emotion))
        except Exception as exc:  # noqa: BLE001 - rendering errors are counted per tick
            log.warning("renderer warm-up failed: %s", exc)
        start = time.monotonic()
        index = 0
        try:
            while not self._stop.is_set():
                due = start + index / self.fps
                now = time.monotonic()
                if due > now:
                    if self._stop.wait(due - now):
                        break
                    now = time.monotonic()
                lateness = now - due
                if lateness > self.config.max_lateness_s:
                    # the machine stalled (suspend, overload): restart the grid rather than
                    # bursting a backlog of ticks
                    log.warning("live clock %.2f s late; resynchronising", lateness)
                    self.metrics.inc("live_clock_resyncs_total", help="clock grid restarts")
                    start = now - index / self.fps
                    lateness = 0.0
                sr, fps = self.sample_rate, self.fps
                count = int(round((index + 1) * sr / fps)) - int(round(index * sr / fps))
                audio = self.ring.read(count)
                if self._fade_request:
                    self._fade_request = False
                    self.mixer.fade()
                pose, item, src = self._pose_for(audio, index, idle_start)
                if pose is None:  # idle window exhausted: make the next one
                    idle_start = index
                    self._idle_clip = self.motion.idle(
                        index, max(1, int(self.config.idle_window_s * fps)),
                        emotion=self.emotion, intensity=self.intensity, seed=self.config.seed)
                    pose, item, src = self._pose_for(audio, index, idle_start)
                rendered = True
                if last_image is not None and lateness > 1.5 / fps:
                    rendered = False  # keep audio real time: show the previous picture
                    self.dropped_frames += 1
                    self.metrics.inc("live_dropped_frames_total",
                                     help="ticks that repeated the previous picture")
                else:
                    t_r = time.perf_counter()
                    try:
                        if src is not None and not self.mixer.blending and \
                                hasattr(renderer, "render_row"):
                            last_image = renderer.render_row(*src)
                        else:
                            last_image = renderer.render(pose)
                    except Exception as exc:  # noqa: BLE001 - the show goes on
                        self.metrics.inc("live_errors_total", 1, {"stage": "render"})
                        log.warning("render failed: %s", exc)
                        if last_image is None:
                            last_image = np.zeros((self.config.height, self.config.width, 3),
                                                  np.uint8)
                        rendered = False
                    self.metrics.observe("live_render_seconds", time.perf_counter() - t_r,
                                         help="time to skin and render one frame")
                assert last_image is not None
                tick = Tick(index=index, pts=index / fps, fps=fps, image=last_image,
                            audio=audio.samples, sample_rate=sr, pose=pose,
                            speaking=not audio.silent and item is not None,
                            utterance_id=item.handle.id if item else None,
                            rendered=rendered, overlay=self.overlay)
                self._bookkeep(audio, tick)
                for out in self.outputs:
                    try:
                        out.offer(tick)
                    except Exception as exc:  # noqa: BLE001
                        log.warning("output %s refused a tick: %s", getattr(out, "name", "?"), exc)
                index += 1
                self.tick_index = index
                if index == 1:
                    self._ready.set()
        finally:
            self._ready.set()
            with contextlib.suppress(Exception):
                renderer.close()

    def _pose_for(self, audio: AudioSlice, index: int, idle_start: int
                  ) -> tuple[Any, Any, tuple[Any, int] | None]:
        """(pose, utterance playing or None, (clip, row) the pose comes from)."""
        first = audio.first
        if first is not None and first[0].motion is not None:
            seg, offset = first
            row = min(int(round(offset * self.fps / self.sample_rate)),
                      seg.motion.num_frames - 1)
            return self.mixer.pose(seg.motion, row, seg), seg.utterance, (seg.motion, row)
        clip = self._idle_clip
        if clip is None or index - idle_start >= clip.num_frames:
            return None, None, None
        row = index - idle_start
        return self.mixer.pose(clip, row, "idle"), None, (clip, row)

    def _bookkeep(self, audio: AudioSlice, tick: Tick) -> None:
        now = time.monotonic()
        window = self._fps_window
        window.append(now)
        if len(window) > 2 * self.fps:
            del window[0]
        self.metrics.inc("live_ticks_total", help="ticks produced by the live clock")
        self.metrics.set("live_audio_buffered_seconds", self.ring.queued_seconds,
                         help="synthesized audio waiting to play")
        for seg, _offset, count in audio.spans:
            item = seg.utterance
            if item is None:
                continue
            if not item.started and count > 0:
                item.started = True
                self._playing = item
                self._call_loop(item.handle.mark_started, now)
                self._observe_latency("text_to_first_audio", now - item.said_at)
                self._observe_latency("text_to_first_frame", now - item.said_at)
        for seg in audio.finished:
            if seg.last and seg.utterance is not None:
                if self._playing is seg.utterance:
                    self._playing = None
                self._call_loop(seg.utterance.handle.mark_done, True)
        if self._interrupt_at is not None and not np.any(tick.audio):
            t0, at_tick = self._interrupt_at
            self._interrupt_at = None
            self.last_interrupt = {"wall_s": now - t0,
                                   "audio_clock_s": max(0, tick.index - at_tick) / self.fps}
            self.metrics.observe("live_interrupt_to_silence_seconds", now - t0,
                                 help="interrupt call to the first all-zero audio tick")


def _load_music(path: Path, sample_rate: int) -> np.ndarray:
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
