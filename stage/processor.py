"""Async processors chained into pipelines.

A :class:`Processor` owns an input queue and one worker task. Data and control frames are
handled in order by the worker; system frames are handled at once. An
:class:`~stage.frames.InterruptFrame` drops queued data frames and cancels the data frame
being processed, so an interrupt silences the output without waiting for slow model work.
A :class:`Pipeline` chains processors and is itself a processor.

Exceptions raised by ``process`` become :class:`~stage.frames.ErrorFrame` s pushed
downstream; a processor never kills the pipeline by raising.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from models.types import VhumanError

from .frames import (
    DataFrame,
    EndFrame,
    ErrorCategory,
    ErrorFrame,
    Frame,
    InterruptFrame,
    SystemFrame,
)

log = logging.getLogger(__name__)

FrameSink = Callable[[Frame], Awaitable[None]]


class Processor:
    """Base class: override :meth:`process`; call :meth:`push` to send frames on."""

    def __init__(self, name: str | None = None, *, max_queue: int = 0) -> None:
        self.name = name or type(self).__name__
        self._next: FrameSink | None = None
        self._queue: asyncio.Queue[Frame] = asyncio.Queue(max_queue)
        self._worker: asyncio.Task[None] | None = None
        self._current: asyncio.Task[None] | None = None
        self._ended = asyncio.Event()
        self.dropped_frames = 0

    # -- wiring ----------------------------------------------------------------------
    def link(self, sink: FrameSink) -> None:
        """Send this processor's output to ``sink`` (the next processor's ``queue_frame``)."""
        self._next = sink

    async def push(self, frame: Frame) -> None:
        """Send a frame downstream (dropped silently when nothing is linked)."""
        if self._next is not None:
            await self._next(frame)

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        if self._worker is None:
            self._ended.clear()
            self._worker = asyncio.create_task(self._run(), name=f"{self.name}.worker")

    async def stop(self) -> None:
        """Cancel the worker (use an :class:`EndFrame` for a graceful finish)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    async def wait_ended(self) -> None:
        """Wait until an :class:`EndFrame` has gone through this processor."""
        await self._ended.wait()

    # -- frame handling --------------------------------------------------------------
    async def queue_frame(self, frame: Frame) -> None:
        """Entry point: system frames are handled now, others queued in order."""
        if isinstance(frame, SystemFrame):
            if isinstance(frame, InterruptFrame):
                self._drop_pending()
            await self._handle(frame)
        else:
            await self._queue.put(frame)

    async def process(self, frame: Frame) -> None:
        """Handle one frame. The default passes it through unchanged."""
        await self.push(frame)

    def _drop_pending(self) -> None:
        kept: list[Frame] = []
        while not self._queue.empty():
            queued = self._queue.get_nowait()
            if isinstance(queued, DataFrame):
                self.dropped_frames += 1
            else:
                kept.append(queued)
        for queued in kept:
            self._queue.put_nowait(queued)
        if self._current is not None and not self._current.done():
            self._current.cancel()

    async def _handle(self, frame: Frame) -> None:
        try:
            await self.process(frame)
        except asyncio.CancelledError:
            raise
        except VhumanError as exc:
            log.warning("%s: %s on %s", self.name, exc, frame.name)
            await self.push(ErrorFrame(message=str(exc), category=ErrorCategory.INPUT,
                                       processor=self.name))
        except Exception as exc:  # noqa: BLE001 - a processor must never kill the pipeline
            log.exception("%s failed on %s", self.name, frame.name)
            await self.push(ErrorFrame(message=f"{type(exc).__name__}: {exc}",
                                       category=ErrorCategory.INTERNAL, processor=self.name))

    async def _run(self) -> None:
        while True:
            frame = await self._queue.get()
            if isinstance(frame, DataFrame):
                # Run data work as its own task so an interrupt can cancel it mid-way.
                self._current = asyncio.create_task(self._handle(frame))
                with contextlib.suppress(asyncio.CancelledError):
                    await self._current
                self._current = None
            else:
                await self._handle(frame)
            if isinstance(frame, EndFrame):
                self._ended.set()


class Pipeline(Processor):
    """Processors chained in order; itself a processor (so pipelines nest)."""

    def __init__(self, processors: Sequence[Processor], name: str | None = None) -> None:
        super().__init__(name)
        if not processors:
            raise ValueError("a pipeline needs at least one processor")
        self.processors = list(processors)
        for upstream, downstream in zip(self.processors, self.processors[1:], strict=False):
            upstream.link(downstream.queue_frame)
        self.processors[-1].link(self._emit)

    async def _emit(self, frame: Frame) -> None:
        await self.push(frame)
        if isinstance(frame, EndFrame):
            self._ended.set()

    async def start(self) -> None:
        for proc in self.processors:
            await proc.start()

    async def stop(self) -> None:
        for proc in self.processors:
            await proc.stop()

    async def queue_frame(self, frame: Frame) -> None:
        if isinstance(frame, InterruptFrame):
            # Every stage drops its backlog before anything new can arrive behind it.
            for proc in self.processors:
                proc._drop_pending()
        await self.processors[0].queue_frame(frame)

    @property
    def dropped(self) -> int:
        return sum(p.dropped_frames for p in self.processors)


class FunctionProcessor(Processor):
    """Wrap ``async fn(frame) -> list[Frame] | None`` as a processor (handy in tests)."""

    def __init__(self, fn: Callable[[Frame], Awaitable[list[Frame] | None]],
                 name: str | None = None) -> None:
        super().__init__(name or getattr(fn, "__name__", "function"))
        self._fn = fn

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, SystemFrame | EndFrame) and not isinstance(frame, ErrorFrame):
            await self.push(frame)
            return
        out = await self._fn(frame)
        for produced in out or []:
            await self.push(produced)
