"""What the live clock hands its outputs each tick, and the plumbing every output shares.

Each tick of the live performer makes one :class:`Tick` (a video frame, the matching
audio slice, the pose as animation parameters) and *offers* it to every output. Offers
never block: an output owns a bounded queue, and when it is slow the oldest ticks are
dropped and counted (``output_dropped_frames_total{output=...}``) instead of stalling
the clock. Two shapes of output exist:

- :class:`ThreadedOutput`: a worker thread drains the queue into blocking work (an
  encoder, a socket). Exceptions are logged and counted; :meth:`ThreadedOutput.write`
  failing never stops the show.
- :class:`AsyncTickQueue`: an asyncio-side queue for consumers living on the event loop
  (WebRTC tracks, WebSocket parameter streams).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from vhuman.stage.captions.track import Turn
from vhuman.stage.captions.words import Heard

if TYPE_CHECKING:  # stage.live imports this package: no runtime cycle
    from vhuman.stage.metrics import Metrics

log = logging.getLogger(__name__)


def new_metrics() -> Metrics:
    """A fresh registry for an output created without one."""
    from vhuman.stage.metrics import Metrics

    return Metrics()


@dataclass(eq=False)
class Tick:
    """One step of the live clock: frame ``index`` shown at ``pts = index / fps``.

    ``audio`` holds exactly the samples from ``pts`` to the next tick (mono float32).
    ``pose`` is the one-frame ``animation.clip.MotionClip`` the image was rendered from.
    """

    index: int
    pts: float
    fps: float
    image: np.ndarray
    audio: np.ndarray
    sample_rate: int
    pose: Any = None
    speaking: bool = False
    utterance_id: int | None = None
    wall: float = field(default_factory=time.monotonic)
    rendered: bool = True
    overlay: dict[str, Any] | None = None
    said: tuple[Heard, ...] = ()
    """The host's lines this tick's audio plays part of, with their word timings."""
    turns: tuple[Turn, ...] = ()
    """People's recognised speech that reached the program since the previous tick."""
    voices: dict[str, np.ndarray] = field(default_factory=dict)
    """Guests' voices mixed into ``audio``, by guest id (a guest is sent the program
    without their own voice: mix-minus)."""


@runtime_checkable
class Output(Protocol):
    """A live output: started once, offered every tick, closed at the end."""

    name: str

    def start(self) -> None: ...

    def offer(self, tick: Tick) -> None:
        """Take a tick without blocking (drop and count when full)."""
        ...

    def interrupt(self) -> None:
        """The performer was interrupted: drop anything not yet sent that may be dropped."""
        ...

    def close(self) -> None: ...

    def stats(self) -> dict[str, Any]: ...


class ThreadedOutput:
    """Base for outputs with blocking work: bounded queue + one worker thread.

    Subclasses implement :meth:`open`, :meth:`write` and :meth:`finish`. ``drop_on_
    interrupt`` says whether queued ticks may be discarded on interrupt (a live preview
    may; a recording keeps its timeline whole).
    """

    drop_on_interrupt = False

    def __init__(self, name: str, *, max_queue: int = 8, metrics: Metrics | None = None,
                 lossless: bool = False) -> None:
        self.name = name
        self.lossless = lossless
        """Wait for room instead of dropping (a file rendered off the clock: the clock
        then runs at the output's pace, and memory stays bounded by the queue)."""
        self.metrics = metrics or new_metrics()
        self._queue: queue.Queue[Tick | None] = queue.Queue(max_queue)
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self.dropped = 0
        self.written = 0
        self.errors = 0
        self.last_error: str | None = None

    # -- subclass hooks ------------------------------------------------------------------
    def open(self) -> None:
        """Prepare the output (runs in the worker thread)."""

    def write(self, tick: Tick) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def finish(self) -> None:
        """Flush and close (runs in the worker thread)."""

    # -- protocol ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"out-{self.name}",
                                            daemon=True)
            self._thread.start()

    def offer(self, tick: Tick) -> None:
        if self._closing.is_set():
            return
        if self.lossless:
            self._queue.put(tick)
            return
        while True:
            try:
                self._queue.put_nowait(tick)
                break
            except queue.Full:
                try:
                    self._queue.get_nowait()  # drop the oldest: latency stays bounded
                    self._count_drop()
                except queue.Empty:
                    pass
        self.metrics.set("output_queue_depth", self._queue.qsize(), {"output": self.name},
                         help="ticks waiting in an output's queue")

    def interrupt(self) -> None:
        if not self.drop_on_interrupt:
            return
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is None:  # keep the close sentinel
                self._queue.put_nowait(None)
                return
            self._count_drop()

    def close(self, timeout: float = 10.0) -> None:
        """Let the worker drain what is queued, finish, and stop."""
        if self._closing.is_set():
            return
        self._closing.set()
        if self._thread is None:
            return
        while True:
            try:
                self._queue.put(None, timeout=timeout)
                break
            except queue.Full:
                self._queue.get_nowait()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("output %s did not stop within %.0f s", self.name, timeout)

    def stats(self) -> dict[str, Any]:
        return {"written": self.written, "dropped": self.dropped, "errors": self.errors,
                "queue": self._queue.qsize(), "last_error": self.last_error}

    # -- internals -----------------------------------------------------------------------
    def _count_drop(self) -> None:
        self.dropped += 1
        self.metrics.inc("output_dropped_frames_total", 1, {"output": self.name},
                         help="ticks an output dropped because it was behind")

    def record_error(self, exc: BaseException, what: str) -> None:
        """Log and count a failure; the show goes on."""
        self.errors += 1
        self.last_error = f"{what}: {type(exc).__name__}: {exc}"
        log.warning("output %s: %s", self.name, self.last_error)
        self.metrics.inc("output_errors_total", 1, {"output": self.name},
                         help="errors an output hit (it keeps going)")

    def _run(self) -> None:
        try:
            self.open()
        except Exception as exc:  # noqa: BLE001 - an output failing must not stop the show
            self.record_error(exc, "open")
        while True:
            tick = self._queue.get()
            if tick is None:
                break
            try:
                self.write(tick)
                self.written += 1
            except Exception as exc:  # noqa: BLE001
                self.record_error(exc, "write")
        try:
            self.finish()
        except Exception as exc:  # noqa: BLE001
            self.record_error(exc, "finish")


class AsyncTickQueue:
    """A bounded tick queue read on an event loop and fed from the clock thread.

    When the reader is slow the oldest ticks are dropped (counted), so a stalled browser
    or WebSocket client never holds memory or the clock.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, name: str, *, max_queue: int = 4,
                 metrics: Metrics | None = None) -> None:
        self.name = name
        self.loop = loop
        self.metrics = metrics or new_metrics()
        self._queue: asyncio.Queue[Tick] = asyncio.Queue(max_queue)
        self.dropped = 0
        self.closed = False
        self.interrupt_listeners: list[Callable[[], None]] = []
        """Called on the loop after an interrupt drained this queue (a reader's own
        buffers drop what is not sent yet)."""

    def start(self) -> None:
        """Nothing to start: the reader pulls with :meth:`get`."""

    def offer(self, tick: Tick) -> None:
        if self.closed:
            return
        try:
            self.loop.call_soon_threadsafe(self._put, tick)
        except RuntimeError:  # loop closed: the consumer is gone
            self.closed = True

    def _put(self, tick: Tick) -> None:
        while self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            self.metrics.inc("output_dropped_frames_total", 1, {"output": self.name},
                             help="ticks an output dropped because it was behind")
        self._queue.put_nowait(tick)

    async def get(self) -> Tick:
        return await self._queue.get()

    def interrupt(self) -> None:
        def drain() -> None:
            while not self._queue.empty():
                self._queue.get_nowait()
            for listener in list(self.interrupt_listeners):
                listener()
        try:
            self.loop.call_soon_threadsafe(drain)
        except RuntimeError:
            pass

    def close(self) -> None:
        self.closed = True

    def stats(self) -> dict[str, Any]:
        return {"dropped": self.dropped, "queue": self._queue.qsize()}
