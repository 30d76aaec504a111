"""Record audio and video frames into a media file (MP4 by default)."""

from __future__ import annotations

import asyncio
import logging

from ..frames import AudioFrame, EndFrame, Frame, VideoFrame
from ..media import MediaWriter
from ..processor import Processor

log = logging.getLogger(__name__)


class RecorderProcessor(Processor):
    """Writes :class:`AudioFrame` s and :class:`VideoFrame` s; closes the file at the end.

    Video frames must arrive in index order; gaps (frames nobody rendered) are filled with
    the previous picture so the timeline never shifts.
    """

    def __init__(self, writer: MediaWriter, name: str | None = None) -> None:
        super().__init__(name)
        self.writer = writer
        self.closed = False

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, AudioFrame):
            await asyncio.to_thread(self.writer.write_audio, frame.chunk.samples)
        elif isinstance(frame, VideoFrame):
            await asyncio.to_thread(self.writer.write_video_at, frame.index, frame.image)
        elif isinstance(frame, EndFrame):
            await asyncio.to_thread(self.writer.close)
            self.closed = True
        await self.push(frame)
