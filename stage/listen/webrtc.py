"""Microphones over WebRTC (aiortc): a browser sends its audio, the show listens.

:class:`MicPeers` answers a browser's offer (audio, sent with the browser's echo
cancellation, noise suppression and gain control on), reads the incoming track's frames
(48 kHz Opus decoded by aiortc), and pushes them into a :class:`ListenSession` for that
speaker. A connection that fails or closes ends the session cleanly: the turn in progress
is finished with what was heard and answered, and the session's status says ``closed``.
At most ``max_peers`` microphones are open at once; one that never connects is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from typing import Any

import numpy as np

from vhuman.models.types import InputError

from .session import ListenSession

log = logging.getLogger(__name__)


def frame_to_mono(frame: Any) -> tuple[np.ndarray, int]:
    """An ``av.AudioFrame`` (any layout, s16/flt, packed or planar) as mono float32."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if data.dtype == np.int16:
        data = data.astype(np.float32) / 32768.0
    else:
        data = data.astype(np.float32)
    if frame.format.is_planar:
        mono = data.reshape(channels, -1).mean(axis=0)
    else:
        mono = data.reshape(-1, channels).mean(axis=1)
    return mono, int(frame.sample_rate)


class MicPeers:
    """Open browser microphones (one :class:`ListenSession` each)."""

    def __init__(self, *, max_peers: int = 8, connect_timeout_s: float = 20.0) -> None:
        self.max_peers = max_peers
        self.connect_timeout_s = connect_timeout_s
        self.peers: dict[str, tuple[Any, ListenSession, str]] = {}  # id -> (pc, session, show)
        self.closed: dict[str, dict[str, Any]] = {}  # last status of ended sessions

    async def answer(self, sdp: str, kind: str, show_id: str,
                     make_session: Callable[[], ListenSession]) -> dict[str, str]:
        """Accept an offer carrying one audio track; returns the answer and a peer id."""
        from aiortc import RTCPeerConnection, RTCSessionDescription
        from aiortc.mediastreams import MediaStreamError

        if len(self.peers) >= self.max_peers:
            raise InputError(f"too many microphones open (at most {self.max_peers})")
        if "m=audio" not in sdp:
            raise InputError("the offer carries no audio")
        session = make_session()
        pc = RTCPeerConnection()
        peer_id = secrets.token_urlsafe(12)
        self.peers[peer_id] = (pc, session, show_id)
        await session.start()

        async def read(track: Any) -> None:
            try:
                while True:
                    frame = await track.recv()
                    samples, rate = frame_to_mono(frame)
                    session.push(samples, rate)
            except MediaStreamError:
                log.info("microphone %s ended", peer_id)
            finally:
                await self.drop(peer_id)

        @pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind == "audio":
                asyncio.ensure_future(read(track))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self.drop(peer_id)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # noqa: BLE001 - a malformed offer is the caller's error
            await self.drop(peer_id)
            raise InputError(f"cannot use this offer: {exc}") from None
        asyncio.get_running_loop().call_later(
            self.connect_timeout_s, lambda: asyncio.ensure_future(self._reap(peer_id)))
        return {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type,
                "peer": peer_id}

    async def _reap(self, peer_id: str) -> None:
        entry = self.peers.get(peer_id)
        if entry is not None and entry[0].connectionState not in ("connected",):
            log.info("microphone %s never connected; dropped", peer_id)
            await self.drop(peer_id)

    async def drop(self, peer_id: str) -> bool:
        entry = self.peers.pop(peer_id, None)
        if entry is None:
            return False
        pc, session, _ = entry
        with contextlib.suppress(Exception):
            await pc.close()
        await session.close()
        self.closed[peer_id] = session.status()
        while len(self.closed) > 64:
            self.closed.pop(next(iter(self.closed)))
        return True

    def status(self, show_id: str | None = None) -> list[dict[str, Any]]:
        out = [{"peer": pid, "show": show, "connection": pc.connectionState, **s.status()}
               for pid, (pc, s, show) in self.peers.items() if show_id in (None, show)]
        return out

    async def close(self) -> None:
        for peer_id in list(self.peers):
            await self.drop(peer_id)
