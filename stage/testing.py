"""Test kit: run a processor (or pipeline) over frames and collect what comes out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from .aio import run_sync
from .frames import EndFrame, Frame, StartFrame
from .processor import Processor


class CollectSink:
    """Collects every frame a processor pushes."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.ended = asyncio.Event()

    async def __call__(self, frame: Frame) -> None:
        self.frames.append(frame)
        if isinstance(frame, EndFrame):
            self.ended.set()

    def of_type(self, kind: type[Frame]) -> list[Frame]:
        return [f for f in self.frames if isinstance(f, kind)]


async def run_processor(proc: Processor, frames_in: Iterable[Frame], *,
                        timeout: float = 60.0) -> list[Frame]:
    """Feed ``frames_in`` (then an :class:`EndFrame`) through ``proc``; return its output.

    The returned list excludes the Start/End frames the kit itself sent.
    """
    sink = CollectSink()
    proc.link(sink)
    await proc.start()
    try:
        start = StartFrame()
        end = EndFrame()
        await proc.queue_frame(start)
        for frame in frames_in:
            await proc.queue_frame(frame)
        await proc.queue_frame(end)
        await asyncio.wait_for(sink.ended.wait(), timeout)
    finally:
        await proc.stop()
    return [f for f in sink.frames if f is not start and f is not end]


def run_processor_sync(proc: Processor, frames_in: Iterable[Frame], *,
                       timeout: float = 60.0) -> list[Frame]:
    """Blocking form of :func:`run_processor` for scripts and simple tests."""
    return run_sync(run_processor(proc, list(frames_in), timeout=timeout))
