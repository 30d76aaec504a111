"""The WebRTC output's tick feed: an interrupt drops the ticks the browser has not got."""

from __future__ import annotations

import asyncio

import numpy as np

from vhuman.stage.outputs.base import AsyncTickQueue, Tick
from vhuman.stage.outputs.webrtc import TickFeed


def _tick(i: int) -> Tick:
    return Tick(i, i / 25, 25.0, np.zeros((8, 8, 3), np.uint8), np.full(640, 0.1, np.float32),
                16000)


def test_interrupt_flushes_audio_and_video_not_yet_sent() -> None:
    async def run() -> tuple[int, int, int]:
        sub = AsyncTickQueue(asyncio.get_running_loop(), "webrtc-test", max_queue=4)
        feed = TickFeed(sub, audio_queue=15)
        feed.start()
        for i in range(10):
            sub.offer(_tick(i))
            await asyncio.sleep(0)
        await asyncio.sleep(0.05)
        before = feed.audio.qsize()
        sub.interrupt()  # what the performer calls on every output
        await asyncio.sleep(0.05)
        after = feed.audio.qsize() + feed.video.qsize()
        sub.offer(_tick(10))  # speech after the interrupt flows again
        await asyncio.sleep(0.05)
        resumed = feed.audio.qsize()
        await feed.close()
        return before, after, resumed

    before, after, resumed = asyncio.run(run())
    assert before >= 5 and after == 0 and resumed == 1
