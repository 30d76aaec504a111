"""A guest's WebRTC connection (aiortc): their camera and microphone in, the program out.

The guest's browser offers to send camera + microphone and to receive video + audio.
Incoming video frames are scaled by libswscale straight to at most ``MAX_SIDE`` pixels
on their long side (a 4K or portrait camera costs the program the same as a small one)
and stored as the guest's newest picture; incoming audio is mixed down to mono and
buffered (:class:`~.media.GuestMedia`). Back to the guest goes the program picture and the
program audio *without their own voice* (mix-minus: ``tick.voices``), with the low
delay of the viewers' WebRTC path.

Connection states are reported to the :class:`~.room.GuestRoom` (``connected``,
``lost`` when ICE drops — it may recover —, ``closed``); a connection still lost after
``room.reconnect_s`` is closed and the guest has left. None of this blocks the program:
a guest whose frames stop is a name card after ``stale_s``, their silence is zeros.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from typing import Any, Protocol

import numpy as np

from vhuman.models.types import InputError
from vhuman.stage.outputs.base import AsyncTickQueue, Tick
from vhuman.stage.outputs.webrtc import TickFeed, _tracks

from .media import MAX_SIDE, GuestMedia
from .room import GuestRoom

log = logging.getLogger(__name__)


class Ear(Protocol):
    """Where a guest's voice is heard (a listening session: recognition, captions)."""

    async def start(self) -> None: ...

    def push(self, samples: np.ndarray, sample_rate: int) -> None: ...

    async def close(self) -> None: ...


class MixMinus(AsyncTickQueue):
    """The program for one guest: every tick without that guest's own voice."""

    def __init__(self, loop: asyncio.AbstractEventLoop, name: str, guest_id: str,
                 **kwargs: Any) -> None:
        super().__init__(loop, name, **kwargs)
        self.guest_id = guest_id

    def offer(self, tick: Tick) -> None:
        own = tick.voices.get(self.guest_id)
        if own is not None:
            tick = dataclasses.replace(tick, audio=np.clip(tick.audio - own, -1.0, 1.0))
        super().offer(tick)


def scaled_size(width: int, height: int, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """Even frame size with the long side at most ``max_side`` (aspect kept)."""
    scale = min(1.0, max_side / max(width, height, 1))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


class GuestLink:
    """One connection of one guest (a later join makes a new one; this one closes)."""

    def __init__(self, room: GuestRoom, guest_id: str, connection: int, media: GuestMedia,
                 performer: Any) -> None:
        self.room, self.guest_id, self.connection = room, guest_id, connection
        self.media, self.performer = media, performer
        self.pc: Any = None
        self.feed: TickFeed | None = None
        self.sub: MixMinus | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.frames = 0
        self.closed = False
        self.ear: Ear | None = None
        """Hears the guest's voice while they are on air and not muted."""

    async def answer(self, sdp: str) -> dict[str, str]:
        """Accept the guest browser's offer; returns the SDP answer."""
        from aiortc import RTCPeerConnection, RTCSessionDescription

        if not isinstance(sdp, str) or "v=0" not in sdp:
            raise InputError("join: expected an SDP offer")
        loop = asyncio.get_running_loop()
        pc = self.pc = RTCPeerConnection()
        self.sub = MixMinus(loop, f"guest-{self.guest_id}-{self.connection}", self.guest_id,
                            max_queue=4)
        self.feed = TickFeed(self.sub)

        @pc.on("track")
        def _track(track: Any) -> None:
            work = self._video(track) if track.kind == "video" else self._audio(track)
            task = loop.create_task(work, name=f"guest-{track.kind}-{self.guest_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        @pc.on("connectionstatechange")
        async def _state() -> None:
            state = pc.connectionState
            log.info("guest %s connection %d: %s", self.guest_id, self.connection, state)
            if state == "connected":
                self.room.link(self.guest_id, self.connection, "connected")
            elif state in ("disconnected", "failed"):
                self.room.link(self.guest_id, self.connection, "lost",
                               "connection lost; waiting for it to come back")
                loop.create_task(self._give_up_later())
            elif state == "closed":
                self.room.link(self.guest_id, self.connection, "closed")

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            kinds = {t.kind for t in pc.getTransceivers()}
            video, audio = _tracks(self.feed)
            for track in (video, audio):
                if track.kind in kinds:
                    pc.addTrack(track)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            await self.close()
            log.info("guest %s: offer refused: %s", self.guest_id, exc)
            raise InputError("join: the browser's offer could not be negotiated") from exc
        self.feed.start()
        self.performer.add_output(self.sub)
        return {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type}

    async def _give_up_later(self) -> None:
        await asyncio.sleep(self.room.reconnect_s)
        if self.room.lost_too_long(self.guest_id, self.connection):
            await self.close()

    async def _video(self, track: Any) -> None:
        with contextlib.suppress(Exception):  # the track ended: the guest left
            while True:
                frame = await track.recv()
                w, h = scaled_size(frame.width, frame.height)
                image = frame.to_ndarray(format="rgb24", width=w, height=h)
                self.media.push_image(image)
                self.frames += 1

    async def _audio(self, track: Any) -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = await track.recv()
                pcm = frame.to_ndarray()
                channels = len(frame.layout.channels)
                data = pcm.reshape(-1, channels) if pcm.shape[0] == 1 else pcm.T
                samples = data.astype(np.float32).mean(axis=1)
                if pcm.dtype == np.int16:
                    samples /= 32768.0
                self.media.push_audio(samples, frame.sample_rate)
                if self.ear is not None and self.room.audible(self.guest_id):
                    self.ear.push(samples, frame.sample_rate)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.sub is not None:
            with contextlib.suppress(Exception):
                self.performer.remove_output(self.sub)
            self.sub.close()
        if self.feed is not None:
            await self.feed.close()
        for task in list(self._tasks):
            task.cancel()
        if self.pc is not None:
            with contextlib.suppress(Exception):
                await self.pc.close()
