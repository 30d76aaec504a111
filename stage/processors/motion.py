"""Speech → motion: audio frames of an utterance become one :class:`MotionFrame`.

Audio passes straight through (so it can be written or played at once); the motion for
an utterance is computed when its last chunk is in, from all its chunks together, so
coarticulation, gestures and idle life are continuous across sentence boundaries.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

import numpy as np

from models.types import AudioChunk, PhonemeTiming

from ..frames import AudioFrame, EndOfUtteranceFrame, Frame, InterruptFrame, MotionFrame
from ..processor import Processor

log = logging.getLogger(__name__)


def frame_index(seconds: float, fps: float) -> int:
    """Index of the first video frame shown at or after ``seconds``."""
    return int(math.ceil(seconds * fps - 1e-6))


class MotionProcessor(Processor):
    """Builds lip-sync, expression, idle life and gestures for each utterance."""

    def __init__(self, fps: float, *, seed: int = 0, name: str | None = None) -> None:
        super().__init__(name)
        self.fps = fps
        self.seed = seed
        self._pending: list[AudioFrame] = []
        self._next_frame = 0

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, InterruptFrame):
            self._pending.clear()
            await self.push(frame)
        elif isinstance(frame, AudioFrame):
            self._pending.append(frame)
            await self.push(frame)
        elif isinstance(frame, EndOfUtteranceFrame):
            if self._pending:
                await self.push(await asyncio.to_thread(self._motion_for, self._pending,
                                                        frame.late_gestures))
                self._pending = []
            await self.push(frame)
        else:
            await self.push(frame)

    def _motion_for(self, frames: list[AudioFrame], late_gestures: list[str]) -> MotionFrame:
        from animation.performance import perform

        start = frames[0].start
        end = frames[-1].start + frames[-1].chunk.duration
        # Start the clip on the video frame grid: pad the utterance with the silence between
        # the grid frame at or before ``start`` and ``start``, so row i is exactly frame
        # grid + i and lip-sync stays sample-accurate for every utterance, not only the first.
        grid = int(math.floor(start * self.fps + 1e-6))
        chunks = [f.chunk for f in frames]
        rate = chunks[0].sample_rate
        lead = int(round((start - grid / self.fps) * rate))
        if lead > 0:
            chunks.insert(0, AudioChunk(samples=np.zeros(lead, np.float32), sample_rate=rate,
                                        phonemes=[PhonemeTiming("_", 0, lead)],
                                        style=chunks[0].style))
        lead_s = lead / rate
        gestures = [(t + f.start - start + lead_s, g) for f in frames for t, g in f.gestures]
        gestures += [(max(lead_s + end - start - 0.8, lead_s), g) for g in late_gestures]
        style = frames[0].chunk.style
        # One seed for the whole show and the absolute start time: idle life (blinks,
        # breathing, gaze) continues seamlessly from the previous utterance.
        clip: Any = perform(chunks, fps=self.fps, emotion=style.emotion,
                            intensity=style.intensity, gestures=gestures, seed=self.seed,
                            start_time=grid / self.fps)
        first = max(frame_index(start, self.fps), self._next_frame)
        last = frame_index(end, self.fps)  # exclusive
        clip = clip.slice(first - grid, last - grid)
        self._next_frame = last
        return MotionFrame(clip=clip, first_frame=first)
