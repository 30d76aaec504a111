"""The audio clock: one thread that emits a tick (audio slice + picture) every 1/fps s.

Audio is the master clock. The thread sleeps until each tick's due time on an absolute
grid (``start + index / fps``: no drift accumulates, however late single ticks are),
takes the tick from the :class:`~stage.live.timeline.Timeline` and offers it to every
output. It never renders, never synthesizes and never waits on anything but short
locks: when the render thread has no picture for the tick, the newest earlier picture
repeats (counted) and the audio still goes out on time. After a long stall (machine
suspended or swamped) the grid restarts instead of bursting a backlog of ticks.

With ``realtime=False`` the same clock renders a file (``vhuman say``/``dance``): it does
not look at the wall clock at all, and plays tick after tick as soon as the render
thread has delivered that tick's own picture — so nothing repeats and the run takes as
long as rendering takes, faster or slower than real time. Everything else (timeline,
speech, motion, outputs) is the live engine unchanged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from vhuman.stage.captions.track import Turn
from vhuman.stage.captions.words import heard_in
from vhuman.stage.metrics import Metrics
from vhuman.stage.outputs.base import Output, Tick

from .timeline import Shown, TickSlot, Timeline

log = logging.getLogger(__name__)

TickHook = Callable[[TickSlot, Shown, Tick], None]


class AudioClock:
    """Wall-clock paced ticks from a :class:`Timeline` to outputs (``live-clock`` thread)."""

    def __init__(self, timeline: Timeline, *, width: int, height: int,
                 outputs: Callable[[], list[Output]], on_tick: TickHook,
                 overlay: Callable[[], dict | None] = lambda: None,
                 max_lateness_s: float = 1.0, metrics: Metrics | None = None,
                 realtime: bool = True,
                 turns: Callable[[], tuple[Turn, ...]] = lambda: ()) -> None:
        self.timeline = timeline
        self.realtime = realtime
        self.fps = timeline.fps
        self.sample_rate = timeline.sample_rate
        self._outputs = outputs
        self._on_tick = on_tick
        self._overlay = overlay
        self._turns = turns
        self.max_lateness_s = max_lateness_s
        self.metrics = metrics or Metrics()
        self._blank = np.zeros((height, width, 3), np.uint8)
        self.start_time = float("inf")
        self.index = 0
        self.late_ticks = 0
        """Ticks emitted more than half a tick after their due time."""
        self.max_lateness = 0.0
        self.started = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self, index: int) -> float:
        """Monotonic time tick ``index`` is played (inf before the clock starts, and
        always for a clock that is not real time: every picture is then in time)."""
        if not self.realtime:
            return float("inf")
        return self.start_time + index / self.fps

    def start(self, delay: float = 0.0) -> None:
        """Start ticking ``delay`` s from now (a head start for the render thread)."""
        if self._thread is not None:
            return
        self.start_time = time.monotonic() + delay
        self.started.set()
        target = self._run if self.realtime else self._run_offline
        self._thread = threading.Thread(target=target, name="live-clock", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self.timeline.cond:
            self.timeline.cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        fps = self.fps
        while not self._stop.is_set():
            index = self.index
            due = self.due(index)
            now = time.monotonic()
            if due > now:
                if self._stop.wait(due - now):
                    break
                now = time.monotonic()
            lateness = now - due
            if lateness > self.max_lateness_s:
                log.warning("live clock %.2f s late; resynchronising", lateness)
                self.metrics.inc("live_clock_resyncs_total", help="clock grid restarts")
                self.start_time = now - index / fps
                lateness = 0.0
            if lateness > 0.5 / fps:
                self.late_ticks += 1
            self.max_lateness = max(self.max_lateness, lateness)
            self.metrics.observe("live_tick_lateness_seconds", lateness,
                                 help="how late the clock emitted a tick after its due time")
            try:
                self._emit(index)
            except Exception:  # noqa: BLE001 - the clock must keep the stream alive
                log.exception("live clock tick %d failed", index)
                self.metrics.inc("live_errors_total", 1, {"stage": "clock"},
                                 help="failures inside the live pipeline")
            self.index = index + 1

    def _run_offline(self) -> None:
        """Not real time: each tick plays once its own picture is rendered."""
        tl = self.timeline
        while not self._stop.is_set():
            index = self.index
            with tl.cond:
                if not tl.rendered(index):
                    tl.cond.wait(0.05)
                    continue
            try:
                self._emit(index)
            except Exception:  # noqa: BLE001 - same policy as the real-time clock
                log.exception("offline clock tick %d failed", index)
                self.metrics.inc("live_errors_total", 1, {"stage": "clock"},
                                 help="failures inside the live pipeline")
            self.index = index + 1

    def _emit(self, index: int) -> None:
        slot, shown = self.timeline.take(index)
        image = shown.image if shown.image is not None else self._blank
        pts = index / self.fps
        audio = slot.audio.samples
        if slot.voices:
            audio = np.clip(audio + sum(slot.voices.values()), -1.0, 1.0)
        tick = Tick(index=index, pts=pts, fps=self.fps, image=image,
                    audio=audio, sample_rate=self.sample_rate, pose=slot.pose,
                    speaking=not slot.audio.silent and slot.utterance is not None,
                    utterance_id=getattr(getattr(slot.utterance, "handle", None), "id", None),
                    rendered=shown.rendered, overlay=self._overlay(),
                    said=heard_in(slot.audio.spans, pts, self.sample_rate), turns=self._turns(),
                    voices=slot.voices or {})
        self._on_tick(slot, shown, tick)
        for out in self._outputs():
            try:
                out.offer(tick)
            except Exception as exc:  # noqa: BLE001
                log.warning("output %s refused a tick: %s", getattr(out, "name", "?"), exc)
