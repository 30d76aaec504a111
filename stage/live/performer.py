"""`LivePerformer`: the character live, for hours — audio-clocked, interruptible, streamed.

The facade over three threads (audio never waits for pictures, voice or the event loop):

- ``live-clock`` (:mod:`stage.live.clock`): the master clock. Every 1/fps s it takes
  the tick's audio slice and the newest picture rendered for a tick at or before it from
  the :class:`~stage.live.timeline.Timeline`, and offers a
  :class:`~stage.outputs.base.Tick` to every output. A late renderer costs a repeated
  picture (counted), never late audio.
- ``live-render`` (:mod:`stage.live.renderloop`): owns the renderer, renders poses of
  ticks up to ``lookahead_frames`` ahead of the playhead, skinning ``skin_batch`` at a
  time, and draws the overlay card.
- ``live-tts`` (:mod:`stage.live.speech`): the utterance queue, synthesized sentence by
  sentence into the audio ring ``sentences_ahead`` segments ahead.

``interrupt`` cancels synthesis, drops queued utterances, buffered audio and pre-rendered
ticks, makes outputs drop unsent ticks, and the pose fades (mouth closing) over
``fade_s``. Interrupt → silence is measured on the audio clock: the first tick whose
audio is all zeros. Gestures apply at once, over speech or idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from prometheus_client import CollectorRegistry

from vhuman.animation.gestures import gesture_names
from vhuman.models.textproc.tags import extract_gestures
from vhuman.models.types import Emotion, InputError, SpeakingStyle, VhumanError
from vhuman.stage.captions.track import Turn
from vhuman.stage.captions.words import heard_in
from vhuman.stage.guests.attention import LookOverlay
from vhuman.stage.guests.layout import check_layout
from vhuman.stage.guests.program import Program
from vhuman.stage.metrics import Metrics
from vhuman.stage.outputs.base import Output, Tick
from vhuman.stage.performer import SpeechHandle

from .audio import AudioRing
from .clock import AudioClock
from .motion import LiveMotion, MotionSource
from .overlay import card_fields
from .render import FrameRenderer, PatternRenderer, parse_color
from .renderloop import RenderLoop
from .shots import ShotDirector, Transition
from .speech import SpeechQueue, Utterance
from .timeline import Shown, TickSlot, Timeline

if TYPE_CHECKING:
    from vhuman.models.tts.base import TTSBackend

log = logging.getLogger(__name__)


@dataclass
class LiveConfig:
    """Clock, picture, buffering and scheduling settings of a :class:`LivePerformer`."""

    fps: float = 30.0
    width: int = 512
    height: int = 512
    background: str | None = None
    """Background colour (``#rrggbb`` or a name such as ``green``, the broadcast chroma
    green for OBS's Chroma Key) or image path; None: the renderer's default."""
    transparent: bool = False
    """RGBA pictures with a transparent background (file outputs must be ``.webm``)."""
    voice: str = "piper"
    sentences_ahead: int = 2
    max_pending: int = 64
    idle_window_s: float = 2.0
    fade_s: float = 0.1
    max_lateness_s: float = 1.0
    lookahead_frames: int = 3
    skin_batch: int = 2
    render_nice: int = 5
    render_torch_threads: int | None = 1
    seed: int = 0
    adaptive_quality: bool = True
    """Real time: render smaller and fewer pictures while rendering cannot keep up
    (:mod:`stage.live.quality`), back to full quality when it can."""
    avatar: str | None = None
    """The avatar file whose own clips dances (``clip:NAME``) and gestures may play
    (None: the built-in character, which has none)."""
    burn_captions: bool = False
    """Burn captions into the program picture (title-safe, two lines, speaker colour)."""
    layout: str = "host_pip"
    """How guests on air share the picture: host_pip | side_by_side | guest_pip."""
    realtime: bool = True
    """False renders to outputs as fast as the machine allows (``vhuman say``/``dance``):
    the clock ignores wall time, waits for every tick's own picture and for the voice,
    and lossless outputs slow it down instead of dropping — same engine, another clock."""

    def validate(self) -> None:
        if not 1 <= self.fps <= 120:
            raise InputError(f"live fps must be within 1..120, got {self.fps}")
        if self.width % 2 or self.height % 2 or min(self.width, self.height) < 32:
            raise InputError(f"live size must be even and >= 32, got {self.width}x{self.height}")
        if self.sentences_ahead < 1:
            raise InputError(f"sentences_ahead must be >= 1, got {self.sentences_ahead}")
        if self.max_pending < 1:
            raise InputError(f"max_pending must be >= 1, got {self.max_pending}")
        if not 1 <= self.lookahead_frames <= 30:
            raise InputError(f"lookahead_frames must be within 1..30, got "
                             f"{self.lookahead_frames}")
        if not 1 <= self.skin_batch <= self.lookahead_frames:
            raise InputError(f"skin_batch must be within 1..lookahead_frames, got "
                             f"{self.skin_batch}")
        if self.background is not None and not Path(self.background).is_file():
            parse_color(self.background)  # InputError for what is neither a colour nor a file
        check_layout(self.layout)
        if not 0 <= self.render_nice <= 19:
            raise InputError(f"render_nice must be within 0..19, got {self.render_nice}")


class LivePerformer:
    """Implements :class:`stage.performer.Performer` on a real-time audio-mastered clock.

    ``renderer_factory`` builds the :class:`FrameRenderer` inside the render thread
    (default: :class:`PatternRenderer`). For the character pass
    ``lambda: ProcessRenderer.avatar(path, w, h)`` (rendered in a child process, so GL
    read-back never holds this process's GIL and the clock stays on time) or
    ``lambda: AvatarRenderer(path, w, h)`` (in this process: simpler, but ticks jitter by
    tens of ms while frames are read back). ``tts`` defaults to
    ``models.tts.get_tts(config.voice)``.
    """

    def __init__(self, config: LiveConfig | None = None, *, tts: TTSBackend | None = None,
                 motion: MotionSource | None = None,
                 renderer_factory: Callable[[], FrameRenderer] | None = None,
                 metrics: Metrics | None = None) -> None:
        self.config = cfg = config or LiveConfig()
        cfg.validate()
        if tts is None:
            from vhuman.models.tts import get_tts
            from vhuman.models.tts.multilingual import MultilingualVoice

            # Sentences in other languages (a Spanish or Chinese reply) get a voice that
            # speaks them (eSpeak NG), never silence or English sounds.
            tts = MultilingualVoice(get_tts(cfg.voice))
        self.tts = tts
        self.sample_rate = int(tts.sample_rate)
        self.fps = float(cfg.fps)
        clips = None
        if cfg.avatar:
            from vhuman.avatar.clips import AvatarClips

            clips = AvatarClips(cfg.avatar, self.fps)  # loaded when a clip is first asked for
        self.motion: MotionSource = motion or LiveMotion(self.fps, clips=clips)
        self.metrics = metrics or Metrics()
        self.ring = AudioRing(self.sample_rate)
        self.timeline = Timeline(self.ring, self.motion, self.fps, fade_s=cfg.fade_s,
                                 idle_window_s=cfg.idle_window_s, seed=cfg.seed)
        self.timeline.gestures.clips = clips  # host gestures may name the avatar's clips
        self.clock = AudioClock(self.timeline, width=cfg.width, height=cfg.height,
                                outputs=lambda: self.outputs, on_tick=self._on_tick,
                                overlay=lambda: self.overlay,
                                max_lateness_s=cfg.max_lateness_s, metrics=self.metrics,
                                realtime=cfg.realtime, turns=self._take_turns)
        self._turns: list[Turn] = []
        self._turn_lock = threading.Lock()
        self.timeline.realtime = cfg.realtime
        self.timeline.speech_busy = lambda: self.speech.depth > 0
        self.timeline.speech_waiting = lambda: self.speech.waiting_for_room
        self.program = Program(cfg.width, cfg.height, self.sample_rate, layout=cfg.layout,
                               burn_captions=cfg.burn_captions)
        """Guests on air and burned-in captions (``program.set_guests``/``set_layout``)."""
        self.timeline.program_audio = self.program.audio
        self.shots = ShotDirector()
        """The camera shot (:meth:`set_shot`)."""
        self._layout_before_guest_shot: str | None = None
        look = LookOverlay(self.fps)
        self.timeline.look = lambda pose, speaking: look.apply(pose, self.program.look_side(),
                                                               speaking)
        self.render_loop = RenderLoop(
            self.timeline, self.clock,
            renderer_factory or (lambda: PatternRenderer(cfg.width, cfg.height)),
            width=cfg.width, height=cfg.height, lookahead=cfg.lookahead_frames,
            batch=cfg.skin_batch, nice=cfg.render_nice, torch_threads=cfg.render_torch_threads,
            warmup_pose=self.motion.idle(0, 1, emotion=Emotion.NEUTRAL, intensity=0.6),
            overlay=lambda: self.overlay, metrics=self.metrics,
            adaptive=cfg.adaptive_quality, compose=self._compose, shots=self.shots)
        self.speech = SpeechQueue(tts, self.motion, self.ring,
                                  sentences_ahead=cfg.sentences_ahead, seed=cfg.seed,
                                  max_pending=cfg.max_pending,
                                  call_loop=self._call_loop, observe=self._observe_latency,
                                  on_start=self.timeline.rewind_idle, metrics=self.metrics,
                                  language=tts.language or "en")
        self.emotion, self.intensity = Emotion.NEUTRAL, 0.6
        self.overlay: dict[str, Any] | None = None
        self._outputs: list[Output] = []
        self._out_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._interrupt_at: tuple[float, int] | None = None
        self._playing: Utterance | None = None
        self.repeated_frames = 0
        self.last_interrupt: dict[str, float] = {}
        self._tick_times: deque[float] = deque(maxlen=int(2 * self.fps) + 1)
        self._fresh_times: deque[float] = deque(maxlen=int(2 * self.fps) + 1)
        self._latency: dict[str, float] = {}

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Start the render thread (renderer built and warmed up), the clock and the
        voice; returns once the first tick is out."""
        if self._started:
            return
        self._loop = asyncio.get_running_loop()
        self._started = True
        self.render_loop.start()
        if not await asyncio.to_thread(self.render_loop.ready.wait, 120.0):
            raise VhumanError("live renderer did not start within 120 s")
        if self.render_loop.error:
            self._started = False
            raise VhumanError(f"live renderer failed to start: {self.render_loop.error}")
        self.speech.start()
        if not self.config.realtime:
            # No idle ticks play before the first line: start from the rest pose, as a
            # live line starts from the idle pose on screen.
            self.timeline.mixer.settle(self.motion.idle(0, 1, emotion=self.emotion,
                                                        intensity=self.intensity,
                                                        seed=self.config.seed))
            self.clock.start()  # ticks come as soon as there is something to play
            return
        self.clock.start(delay=min(0.2, self.config.lookahead_frames / self.fps))
        while self.clock.index < 1:
            await asyncio.sleep(0.005)

    async def hold(self, seconds: float) -> None:
        """Not real time: play ``seconds`` more of whatever comes next (idle, or the end
        of a line) and return once they are out."""
        self._check_started()
        last = self.timeline.hold(max(0, int(round(seconds * self.fps))))
        while self.clock.index <= last:
            if self.render_loop.error:
                raise VhumanError(f"rendering failed: {self.render_loop.error}")
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        """Stop speaking, stop the threads, close every output."""
        if self._started:
            await self.interrupt("close")
        await asyncio.to_thread(self.speech.close)
        await asyncio.to_thread(self.clock.stop)
        await asyncio.to_thread(self.render_loop.stop)
        with self._out_lock:
            outputs, self._outputs = list(self._outputs), []
        for out in outputs:
            await asyncio.to_thread(out.close)
        self._started = False

    streams_ticks = True

    async def warm_up(self) -> None:
        """One short emotional sentence through the voice (not played): the model loads
        and its caches fill before the first real line."""
        await asyncio.to_thread(self.tts.warm_up)

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

    @property
    def tick_index(self) -> int:
        """Ticks emitted so far."""
        return self.clock.index

    @property
    def dropped_frames(self) -> int:
        """Ticks that repeated an older picture (the renderer was late); kept for status."""
        return self.repeated_frames

    # -- Performer protocol --------------------------------------------------------------
    async def say(self, text: str, *, emotion: Emotion | None = None,
                  intensity: float | None = None, priority: int = 0, source: str = "host",
                  gestures: Sequence[str] = ()) -> SpeechHandle:
        if not isinstance(text, str) or not text.strip():
            raise InputError("say: text is empty")
        names = self._known_gestures(gestures)
        clips = self.timeline.gestures.clips
        own = [n for c in (clips.names() if clips else []) for n in {c, c.split("|")[-1]}]
        text, cues = extract_gestures(text, gesture_names() + own)
        if not text.strip():
            raise InputError("say: text has nothing to speak once gesture tags are removed")
        style = SpeakingStyle(emotion=Emotion.parse(emotion) if emotion else self.emotion,
                              intensity=self.intensity if intensity is None else intensity)
        self._check_started()
        handle = SpeechHandle(text=text, kind="say", priority=priority, source=source)
        self.speech.put(Utterance(handle, text, style, names, cues=tuple(cues),
                                  said_at=time.monotonic()))
        return handle

    def prepare(self, text: str, *, emotion: Emotion | None = None,
                intensity: float | None = None, priority: int = 0) -> SpeechHandle | None:
        """Synthesize the voice of a line that is likely to be said soon, without saying
        it (an answer prepared before the person has finished): a :meth:`say` of the same
        text and style then starts from that audio. Nothing plays; an interrupt forgets it.
        The handle's ``done`` is True once the voice is ready (None: nothing to prepare)."""
        if not isinstance(text, str) or not text.strip() or not self._started:
            return None
        clips = self.timeline.gestures.clips
        own = [n for c in (clips.names() if clips else []) for n in {c, c.split("|")[-1]}]
        text, _ = extract_gestures(text, gesture_names() + own)
        if not text.strip():
            return None
        style = SpeakingStyle(emotion=Emotion.parse(emotion) if emotion else self.emotion,
                              intensity=self.intensity if intensity is None else intensity)
        handle = SpeechHandle(text=text, kind="prepare", priority=priority, source="prepare")
        self.speech.prepare(Utterance(handle, text, style, said_at=time.monotonic()))
        return handle

    def _known_gestures(self, gestures: Sequence[str]) -> tuple[str, ...]:
        """The gestures a line asks for that exist (library or the avatar's clips); an
        unknown one is logged and left out, so the line itself is never lost."""
        names = []
        for g in gestures:
            try:
                names.append(self.timeline.gestures.validate(g))
            except InputError as exc:
                log.warning("say: gesture left out, the line is spoken: %s", exc)
        return tuple(names)

    async def dance(self, music: Path | None, *, duration: float | None = None,
                    style: str | None = None) -> SpeechHandle:
        if music is not None and not Path(music).is_file():
            raise InputError(f"dance: music file {music} not found")
        if music is None and duration is None:
            raise InputError("dance: give music or a duration")
        if duration is not None and not 0 < duration <= 3600:
            raise InputError(f"dance: duration must be within 0..3600 s, got {duration}")
        self._check_started()
        handle = SpeechHandle(text=f"<dance {style or 'free'}>", kind="dance")
        self.speech.put(Utterance(handle, handle.text, SpeakingStyle(self.emotion, self.intensity),
                                  music=Path(music) if music else None, duration=duration,
                                  dance_style=style, said_at=time.monotonic()))
        return handle

    async def sing(self, score: Path, *, backing: str | Path | None = None,
                   style: str | None = None, emotion: Emotion | None = None,
                   intensity: float | None = None, finale: bool = False,
                   transpose: int | str = "auto", priority: int = 0,
                   backing_start: float = 0.0) -> SpeechHandle:
        from vhuman.stage.live.songs import check_song_request

        check_song_request(score, backing, style)
        self._check_started()
        handle = SpeechHandle(text=f"<sing {Path(score).name}>", kind="sing", priority=priority)
        self.speech.put(self._song_item(handle, score, backing, style, emotion, intensity,
                                        finale, transpose, backing_start))
        return handle

    def prepare_sing(self, score: Path, *, backing: str | Path | None = None,
                     style: str | None = None, emotion: Emotion | None = None,
                     intensity: float | None = None, finale: bool = False,
                     transpose: int | str = "auto", backing_start: float = 0.0) -> None:
        """Start singing a song in the background so that a later :meth:`sing` with the
        same arguments starts at once (a show prepares its songs while it talks)."""
        from vhuman.stage.live.songs import check_song_request, prepare_song

        check_song_request(score, backing, style)
        dummy = SpeechHandle(text="", kind="sing")
        item = self._song_item(dummy, score, backing, style, emotion, intensity, finale,
                               transpose, backing_start)
        prepare_song(Path(score), **self.speech.song_options(item))

    def _song_item(self, handle: SpeechHandle, score: Path, backing: str | Path | None,
                   style: str | None, emotion: Emotion | None, intensity: float | None,
                   finale: bool, transpose: int | str, backing_start: float) -> Utterance:
        style_ = SpeakingStyle(emotion=Emotion.parse(emotion) if emotion else self.emotion,
                               intensity=self.intensity if intensity is None else intensity)
        return Utterance(handle, handle.text, style_, music=Path(score), dance_style=style,
                         said_at=time.monotonic(),
                         song={"backing": None if backing is None else str(backing),
                               "finale": finale, "transpose": transpose,
                               "backing_start": float(backing_start)})

    async def interrupt(self, reason: str = "") -> None:
        t0 = time.monotonic()
        cancelled = self.speech.cancel()
        at_tick = self.clock.index
        dropped, slots = self.timeline.interrupt()
        cut = {seg.utterance for seg in dropped if seg.utterance is not None}
        cut |= {s.utterance for s in slots if s.utterance is not None}
        cut.update(cancelled)
        audible = bool(dropped) or any(not s.audio.silent for s in slots)
        if self._playing is not None:
            cut.add(self._playing)
            audible = True
        for item in cut:
            item.handle.mark_done(False)
        if audible:
            self._interrupt_at = (t0, at_tick)
            self.metrics.inc("live_interrupts_total", help="interrupts that cut speech")
        self._playing = None
        for out in self.outputs:
            out.interrupt()
        if reason != "close":
            log.info("interrupt (%s): dropped %d audio segments, %d ticks", reason or "host",
                     len(dropped), len(slots))

    async def set_emotion(self, emotion: Emotion, intensity: float = 0.6) -> None:
        if not 0.0 <= intensity <= 1.0:
            raise InputError(f"intensity must be within 0..1, got {intensity}")
        self.emotion, self.intensity = Emotion.parse(emotion), intensity
        self.timeline.reset_idle(self.emotion, intensity)

    async def gesture(self, name: str) -> None:
        """Play ``name`` now, over whatever is playing (``InputError`` for unknown names)."""
        if not isinstance(name, str) or not name.strip():
            raise InputError("gesture: name is empty")
        at = self.timeline.start_gesture(name.strip())
        self.metrics.inc("live_gestures_total", help="gestures played on request")
        log.debug("gesture %s from tick %d", name, at)

    async def show_overlay(self, card: dict[str, Any] | None) -> None:
        if card is not None:
            if not isinstance(card, dict):
                raise InputError("show_overlay: card must be an object or null")
            title, price, lines = card_fields(card)
            if not (title or price or lines):
                raise InputError("show_overlay: card needs a name/title, price, text or "
                                 "selling_points")
        self.overlay = card

    def set_shot(self, shot: str, transition: Transition = "cut", seconds: float = 0.6) -> None:
        """Switch the camera: ``wide`` | ``medium`` | ``close_up`` frame the host
        (:mod:`.shots`); ``guest`` puts a guest on air full frame with the host
        picture-in-picture, and the next shot puts the layout back."""
        if shot == "guest":
            if not self.program.guests:
                raise InputError("no guest is on air for the guest shot")
            if self.shots.shot != "guest":
                self._layout_before_guest_shot = self.program.layout
            self.program.set_layout("guest_pip")
        elif self.shots.shot == "guest" and self._layout_before_guest_shot is not None:
            self.program.set_layout(self._layout_before_guest_shot)
            self._layout_before_guest_shot = None
        self.shots.take(shot, transition, seconds)

    def set_layout(self, layout: str) -> None:
        """How guests on air share the picture (host_pip | side_by_side | guest_pip)."""
        self.program.set_layout(layout)

    def caption(self, turn: Turn) -> None:
        """Recognised speech of a person becomes a caption: it reaches every output (live
        cues, burned-in text, caption files) with the next tick. Times are program time
        (:meth:`program_time`). Safe from any thread."""
        with self._turn_lock:
            self._turns.append(turn)
        self.program.add_turn(turn)

    def program_time(self, monotonic: float | None = None) -> float:
        """The program time (``tick.pts``) of a ``time.monotonic()`` instant (now by
        default): what a recogniser stamps its turns with."""
        now = time.monotonic() if monotonic is None else monotonic
        if not self.config.realtime or self.clock.start_time == float("inf"):
            return self.clock.index / self.fps
        return max(0.0, now - self.clock.start_time)

    def _compose(self, image: np.ndarray, slot: TickSlot) -> np.ndarray:
        """The render thread's program stage for one tick's picture."""
        program = self.program
        if not program.guests and program.burner is None:
            return image
        pts = slot.index / self.fps
        return program.picture(image, pts, len(slot.audio.samples) / self.sample_rate,
                               heard_in(slot.audio.spans, pts, self.sample_rate))

    def _take_turns(self) -> tuple[Turn, ...]:
        with self._turn_lock:
            if not self._turns:
                return ()
            turns, self._turns = tuple(self._turns), []
            return turns

    def metrics_registry(self) -> CollectorRegistry:
        """This performer's registry (its outputs report into it too)."""
        return self.metrics.registry

    def status(self) -> dict[str, Any]:
        playing = self._playing
        return {
            "speaking": playing is not None,
            "current": playing.text if playing else None,
            "queue_depth": self.speech.depth,
            "dropped_utterances": self.speech.dropped,
            "emotion": self.emotion.value,
            "overlay": self.overlay,
            "fps": round(_rate(self._tick_times), 2),
            "render_fps": round(_rate(self._fresh_times), 2),
            "dropped_frames": self.repeated_frames,
            "repeated_frames": self.repeated_frames,
            "late_pictures_dropped": self.timeline.late_dropped,
            "late_ticks": self.clock.late_ticks,
            "quality": self.render_loop.governor.status() if self.render_loop.governor
            else None,
            "tick": self.tick_index,
            "lookahead": self.timeline.ahead,
            "audio_buffered_s": round(self.ring.queued_seconds, 3),
            "gestures": self.timeline.gestures.active,
            "outputs": {getattr(o, "name", "?"): o.stats() for o in self.outputs},
            "latency": dict(self._latency),
            "last_interrupt": dict(self.last_interrupt),
            "camera": self.shots.status(),
            "program": {"layout": self.program.layout,
                        "guests": [g.id for g in self.program.guests],
                        "burn_captions": self.program.burner is not None},
        }

    # -- internals -----------------------------------------------------------------------
    def _check_started(self) -> None:
        if self._loop is None or not self._started:
            raise VhumanError("LivePerformer is not started: call await performer.start()")

    def _observe_latency(self, stage: str, seconds: float) -> None:
        self._latency[stage] = round(seconds, 4)
        self.metrics.observe("live_stage_latency_seconds", seconds, {"stage": stage},
                             help="latency per live pipeline stage")

    def _call_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # loop closed at shutdown
                self._loop.call_soon_threadsafe(fn, *args)

    def _on_tick(self, slot: TickSlot, shown: Shown, tick: Tick) -> None:
        """Bookkeeping in the clock thread: handles, latencies, counters (cheap)."""
        now = tick.wall
        self._tick_times.append(now)
        if shown.rendered:
            self._fresh_times.append(now)
        else:
            self.repeated_frames += 1
            self.metrics.inc("live_repeated_frames_total",
                             help="ticks that repeated an older picture (renderer late)")
        self.metrics.inc("live_ticks_total", help="ticks produced by the live clock")
        self.metrics.set("live_audio_buffered_seconds", self.ring.queued_seconds,
                         help="synthesized audio waiting to play")
        audio = slot.audio
        for seg, _offset, count in audio.spans:
            item = seg.utterance
            if item is not None and not item.started and count > 0:
                item.started = True
                self._playing = item
                self._call_loop(item.handle.mark_started, now)
                self._observe_latency("text_to_first_audio", now - item.said_at)
        seen = shown.utterance
        if seen is not None and not seen.framed:
            seen.framed = True
            self._observe_latency("text_to_first_frame", now - seen.said_at)
        for seg in audio.finished:
            if seg.last and seg.utterance is not None:
                if self._playing is seg.utterance:
                    self._playing = None
                self._call_loop(seg.utterance.handle.mark_done, True)
        if self._interrupt_at is not None and not np.any(slot.audio.samples):  # the host
            t0, at_tick = self._interrupt_at
            self._interrupt_at = None
            self.last_interrupt = {"wall_s": now - t0,
                                   "audio_clock_s": max(0, tick.index - at_tick) / self.fps}
            self.metrics.observe("live_interrupt_to_silence_seconds", now - t0,
                                 help="interrupt call to the first all-zero audio tick")


def _rate(times: deque[float]) -> float:
    """Events per second over a window of monotonic times."""
    if len(times) < 3 or times[-1] <= times[0]:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])
