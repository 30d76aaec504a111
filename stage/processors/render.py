"""Motion → pictures: each :class:`MotionFrame` becomes :class:`VideoFrame` s."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from avatar.render.motion import render_motion

from ..frames import Frame, MotionFrame, VideoFrame
from ..processor import Processor

log = logging.getLogger(__name__)


class RenderProcessor(Processor):
    """Skins the character for a batch of frames (torch) and renders each one.

    Work runs in a worker thread (OpenGL contexts stay on the thread that made them, so
    the renderer is created lazily by ``make_renderer`` inside that thread).
    """

    def __init__(self, rig: Any, make_renderer: Callable[[], Any], *, batch: int = 30,
                 on_progress: Callable[[int, int], None] | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.rig = rig
        self._make_renderer = make_renderer
        self._renderer: Any = None
        self.batch = batch
        self.on_progress = on_progress  # (frames done, frames newly expected)
        self.frames_rendered = 0
        self._executor = None

    def _thread(self):  # one dedicated thread: GL contexts are thread-bound
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(1, thread_name_prefix=self.name)
        return self._executor

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread(), fn, *args)

    def _render_batch(self, clip: Any, start_time: float | None = None) -> list[np.ndarray]:
        if self._renderer is None:
            self._renderer = self._make_renderer()
        return list(render_motion(self.rig, self._renderer, clip, start_time))

    async def process(self, frame: Frame) -> None:
        if not isinstance(frame, MotionFrame):
            await self.push(frame)
            return
        fps = float(frame.clip.fps)
        if self.on_progress is not None:
            self.on_progress(0, frame.num_frames)
        for offset in range(0, frame.num_frames, self.batch):
            part = frame.clip.slice(offset, min(offset + self.batch, frame.num_frames))
            start = (frame.first_frame + offset) / fps
            images = await self._call(self._render_batch, part, start)
            for i, image in enumerate(images):
                index = frame.first_frame + offset + i
                await self.push(VideoFrame(image=image, pts=index / fps, index=index))
                self.frames_rendered += 1
                if self.on_progress is not None:
                    self.on_progress(1, 0)
        await self.push(frame)  # parameter streams and recorders may want the motion too

    async def stop(self) -> None:
        await super().stop()
        if self._executor is not None:
            if self._renderer is not None and hasattr(self._renderer, "close"):
                await self._call(self._renderer.close)
            self._executor.shutdown(wait=True)
            self._executor = None
            self._renderer = None
