"""The render thread: pictures for ticks just ahead of the audio playhead.

It owns the renderer (GL contexts are thread-bound: the factory runs here). Each round
asks the :class:`~stage.live.timeline.Timeline` for the next ticks it can still finish
on time (at most ``lookahead`` ticks ahead of the playhead, ``batch`` at a time so the
rig skins a few poses in one pass), renders them, draws the overlay card, and delivers
each picture as soon as it is ready. It estimates its own time per frame to aim far
enough ahead; when it cannot keep up, the ticks it skips repeat a picture — the audio
clock never waits for it.

On a 2-core machine the render thread competes with the voice: it runs at a lower
priority (``nice``, inherited by the GL rasteriser threads it starts) and with one torch
thread (oversubscribed torch threads made skinning ~40x slower under load here).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from vhuman.animation.clip import MotionClip
from vhuman.stage.metrics import Metrics

from .clock import AudioClock
from .overlay import OverlayPainter
from .quality import QualityGovernor
from .render import FrameRenderer
from .shots import Framing, ShotDirector, crop_frame
from .timeline import TickSlot, Timeline

log = logging.getLogger(__name__)


def render_poses(renderer: FrameRenderer, poses: Sequence[MotionClip]) -> Iterator[np.ndarray]:
    """Pictures of ``poses`` in order, through ``render_batch`` when the renderer has it."""
    batch = getattr(renderer, "render_batch", None)
    if batch is not None and len(poses) > 1:
        yield from batch(poses)
    else:
        for pose in poses:
            yield renderer.render(pose)


class RenderLoop:
    """The ``live-render`` thread feeding a :class:`Timeline` with pictures."""

    def __init__(self, timeline: Timeline, clock: AudioClock,
                 factory: Callable[[], FrameRenderer], *, width: int, height: int,
                 lookahead: int = 3, batch: int = 2, nice: int = 5,
                 torch_threads: int | None = 1, warmup_pose: MotionClip | None = None,
                 overlay: Callable[[], dict[str, Any] | None] = lambda: None,
                 metrics: Metrics | None = None, adaptive: bool = True,
                 compose: Callable[[np.ndarray, TickSlot], np.ndarray] | None = None,
                 shots: ShotDirector | None = None) -> None:
        self.timeline = timeline
        self.clock = clock
        self.factory = factory
        self.lookahead, self.batch = lookahead, batch
        self.nice, self.torch_threads = nice, torch_threads
        self.warmup_pose = warmup_pose
        self.overlay = overlay
        self.painter = OverlayPainter(width, height)
        self.compose = compose
        """The program stage after the card: guests composited, captions burned in."""
        self.shots = shots
        """The camera shot: the renderer's 3D camera, else a crop of its picture."""
        self.metrics = metrics or Metrics()
        self.frame_s = 1.0 / timeline.fps
        """Running estimate of the time to render one frame (skinning included)."""
        self.governor = QualityGovernor(timeline.fps) if adaptive else None
        """Real time only: lowers render size and picture rate when frames are late."""
        self.rendered = 0
        self.stale = 0
        """Frames abandoned because an interrupt dropped their tick."""
        self.error: str | None = None
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="live-render", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        with self.timeline.cond:
            self.timeline.cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _lower_priority(self) -> None:
        if self.nice > 0:
            try:
                os.nice(self.nice)  # per thread on Linux; inherited by threads started here
            except OSError as exc:
                log.info("render thread keeps its priority: %s", exc)

    def _limit_torch(self) -> None:
        if self.torch_threads and "torch" in sys.modules:
            import torch

            if torch.get_num_threads() != self.torch_threads:
                torch.set_num_threads(self.torch_threads)

    def _run(self) -> None:
        self._lower_priority()
        try:
            renderer = self.factory()
        except Exception as exc:  # noqa: BLE001 - reported by the performer's start()
            log.exception("live renderer failed to start")
            self.error = f"{type(exc).__name__}: {exc}"
            self.ready.set()
            return
        try:
            self._limit_torch()
            self._warm_up(renderer)
            self.ready.set()
            self.clock.started.wait()
            while not self._stop.is_set():
                self._round(renderer)
        finally:
            self.ready.set()
            try:
                renderer.close()
            except Exception as exc:  # noqa: BLE001
                log.warning("renderer close failed: %s", exc)

    def _warm_up(self, renderer: FrameRenderer) -> None:
        """Compile shaders and run the first skinning before the clock starts."""
        if self.warmup_pose is None:
            return
        try:
            t0 = time.perf_counter()
            image = renderer.render(self.warmup_pose)
            for _ in render_poses(renderer, [self.warmup_pose] * max(1, self.batch)):
                pass
            self.frame_s = max(self.frame_s, (time.perf_counter() - t0) / (1 + self.batch))
            self.timeline.show_first(image)
        except Exception as exc:  # noqa: BLE001 - rendering errors are counted per frame
            log.warning("renderer warm-up failed: %s", exc)

    def _round(self, renderer: FrameRenderer) -> None:
        tl = self.timeline
        governor = self.governor if tl.realtime else None
        slots = tl.plan(self.clock.due, time.monotonic(), self.frame_s,
                        lookahead=self.lookahead, batch=self.batch,
                        stride=governor.level.stride if governor else 1)
        if not slots:
            tl.wait(0.5 / tl.fps)
            return
        t_prev = time.perf_counter()
        crop = self._frame_shot(renderer)
        frames = render_poses(renderer, [s.pose for s in slots])
        try:
            for slot in slots:
                if slot.epoch != tl.epoch:  # interrupted: its tick and audio are gone
                    self.stale += 1
                    break
                image = next(frames)  # a tick the clock passed meanwhile still shows, late
                if crop is not None:
                    image = crop_frame(image, crop)
                card = self.overlay()
                if card:
                    image = self.painter.paint(image, card)
                if self.compose is not None:
                    image = self.compose(image, slot)
                tl.deliver(slot, image)
                now = time.perf_counter()
                spent, t_prev = now - t_prev, now
                self.frame_s = 0.8 * self.frame_s + 0.2 * spent
                self.rendered += 1
                self.metrics.observe("live_render_seconds", spent,
                                     help="time to skin and render one frame")
        except Exception as exc:  # noqa: BLE001 - the show goes on with repeated pictures
            self.metrics.inc("live_errors_total", 1, {"stage": "render"},
                             help="failures inside the live pipeline")
            log.warning("render failed: %s", exc)
            if not tl.realtime:  # a file must not repeat pictures: report and stop
                self.error = f"{type(exc).__name__}: {exc}"
                self._stop.set()
            self._stop.wait(0.05)  # a broken renderer must not spin a core
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
        if governor is not None:
            self._adapt(renderer, governor)

    def _frame_shot(self, renderer: FrameRenderer) -> Framing | None:
        """Point the renderer's camera at the current shot; the framing to crop its
        pictures to when it has no camera of its own (None: nothing to crop)."""
        if self.shots is None:
            return None
        framing = self.shots.framing()
        set_framing = getattr(renderer, "set_framing", None)
        if set_framing is not None:
            set_framing(framing.zoom, framing.focus)
            return None
        return framing if framing.zoom > 1.0 else None

    def _adapt(self, renderer: FrameRenderer, governor: QualityGovernor) -> None:
        scale = governor.level.scale
        change = governor.observe(self.frame_s, time.monotonic())
        if change is None:
            return
        self.metrics.set("live_render_quality_level", governor.index,
                         help="0 = full size, every tick; higher = smaller or fewer pictures")
        if change.scale != scale:
            try:
                renderer.set_scale(change.scale)
            except Exception as exc:  # noqa: BLE001 - keep the level, count the failure
                log.warning("renderer cannot change scale: %s", exc)
