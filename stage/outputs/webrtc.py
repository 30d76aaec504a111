"""Browser viewer over WebRTC (aiortc): live video + audio, and the page that plays it.

Mount ``webrtc_router(performers)`` on the FastAPI app. ``performers`` maps a performer name to a started
:class:`~stage.live.performer.LivePerformer` (anything with ``add_output`` /
``remove_output``), or is a callable ``name -> performer``. Routes:

- ``GET  /viewer``            the viewer page (``page=True``); ``?performer=NAME``. It is
  the engine's one viewer page (``stage/web/viewer.html``): alone it shows the video; the
  show server serves it per show with chat, captions and status (``/shows/{id}/view``)
- ``GET  /web/{file}``        its static files (``stage/web``)
- ``POST /webrtc/offer``      ``{"sdp", "type", "performer"?}`` → the SDP answer and a
  random peer token
- ``POST /webrtc/bye``        ``{"peer": token}``: the page is leaving (sent as a beacon)

Abuse limits: at most ``max_per_address`` peers per client address and ``max_peers`` in
all; a peer that has not connected ``connect_timeout_s`` after its offer is reaped; only
the holder of a peer's token (from the same address) can hang it up.

Chat is not part of this router: the server has one viewer chat socket
(``stage/server/routes/chat.py``) that the page uses.

Each browser gets a :class:`~stage.outputs.base.AsyncTickQueue` subscription; a slow or
vanished browser only loses its own frames (counted) and is removed when its connection
fails or closes (``webrtc_peers`` gauge, ``webrtc_peers_closed_total``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from fastapi import Request  # resolved by name: FastAPI reads the string annotations
from pydantic import BaseModel, ConfigDict, Field

from vhuman.models.types import InputError

from .base import AsyncTickQueue, Tick, new_metrics

if TYPE_CHECKING:  # stage.live imports this package: no runtime cycle
    from vhuman.stage.metrics import Metrics

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
VIDEO_CLOCK = 90000


class OfferIn(BaseModel):
    """A browser's offer (NaN/Infinity refused: nothing here is a number)."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)
    sdp: str = Field(min_length=1, max_length=100_000)
    type: Literal["offer"]
    performer: str | None = Field(None, max_length=64)


class ByeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    peer: str = Field(min_length=1, max_length=128)


class PeerLimit(InputError):
    """Too many viewers (from this address, or in all)."""


class TickFeed:
    """Splits one tick subscription into a video queue and an audio queue."""

    def __init__(self, source: AsyncTickQueue, *, video_queue: int = 2,
                 audio_queue: int = 15) -> None:
        self.source = source
        self.video: asyncio.Queue[Tick] = asyncio.Queue(video_queue)
        self.audio: asyncio.Queue[Tick] = asyncio.Queue(audio_queue)
        self.dropped_video = 0
        self._task: asyncio.Task[None] | None = None
        listeners = getattr(source, "interrupt_listeners", None)
        if listeners is not None:  # an interrupt drops what the browser has not got yet
            listeners.append(self.flush)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._pump(), name=f"feed-{self.source.name}")

    async def _pump(self) -> None:
        while True:
            tick = await self.source.get()
            for q in (self.video, self.audio):
                if q.full():
                    q.get_nowait()  # newest wins: a viewer sees live, not a backlog
                    if q is self.video:
                        self.dropped_video += 1
                q.put_nowait(tick)

    def flush(self) -> None:
        """Drop ticks not yet sent (interrupt)."""
        for q in (self.video, self.audio):
            while not q.empty():
                q.get_nowait()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _tracks(feed: TickFeed) -> tuple[Any, Any]:
    import av
    from aiortc.mediastreams import MediaStreamTrack

    class TickVideoTrack(MediaStreamTrack):
        kind = "video"

        async def recv(self) -> av.VideoFrame:
            tick = await feed.video.get()
            image = np.ascontiguousarray(tick.image[..., :3])
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = int(round(tick.pts * VIDEO_CLOCK))
            frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
            return frame

    class TickAudioTrack(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self._samples = 0

        async def recv(self) -> av.AudioFrame:
            tick = await feed.audio.get()
            pcm = (np.clip(tick.audio, -1.0, 1.0) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate = tick.sample_rate
            frame.pts = self._samples
            frame.time_base = fractions.Fraction(1, tick.sample_rate)
            self._samples += pcm.shape[1]
            return frame

    return TickVideoTrack(), TickAudioTrack()


class WebRtcViewers:
    """The peer connections of one app: answer offers, feed tracks, clean up leavers."""

    def __init__(self, performers: Mapping[str, Any] | Callable[[str], Any], *,
                 metrics: Metrics | None = None, max_peers: int = 200,
                 max_per_address: int = 4, connect_timeout_s: float = 20.0) -> None:
        self.performers = performers
        self.metrics = metrics or new_metrics()
        self.max_peers, self.max_per_address = max_peers, max_per_address
        self.connect_timeout_s = connect_timeout_s
        # token -> (peer connection, performer, subscription, feed)
        self.peers: dict[str, tuple[Any, Any, AsyncTickQueue, TickFeed]] = {}
        self.owners: dict[str, str] = {}  # token -> client address
        self._reapers: dict[str, asyncio.Task[None]] = {}

    def performer(self, name: str | None) -> Any:
        if callable(self.performers) and not isinstance(self.performers, Mapping):
            found = self.performers(name or "default")
        elif name:
            found = self.performers.get(name)
        else:
            found = next(iter(self.performers.values()), None)
        if found is None:
            raise InputError("performer: no such show on stage")
        return found

    async def answer(self, sdp: str, kind: str, performer: str | None = None,
                     client: str = "local") -> dict[str, str]:
        """Accept a browser's offer; returns ``{"sdp", "type", "peer"}`` (the answer and
        the random token the page sends to ``/webrtc/bye`` when it leaves)."""
        from aiortc import RTCPeerConnection, RTCSessionDescription

        if kind != "offer" or not isinstance(sdp, str) or "v=0" not in sdp:
            raise InputError("offer: expected {'type': 'offer', 'sdp': '<SDP text>'}")
        perf = self.performer(performer)
        if len(self.peers) >= self.max_peers:
            raise PeerLimit("too many viewers right now; try again later")
        if sum(1 for owner in self.owners.values() if owner == client) >= self.max_per_address:
            raise PeerLimit("too many video connections from this address")
        peer_id = secrets.token_urlsafe(16)
        name = f"webrtc-{peer_id[:8]}"
        sub = AsyncTickQueue(asyncio.get_running_loop(), name, max_queue=4,
                             metrics=self.metrics)
        feed = TickFeed(sub)
        pc = RTCPeerConnection()
        self.peers[peer_id] = (pc, perf, sub, feed)
        self.owners[peer_id] = client

        @pc.on("connectionstatechange")
        async def _state() -> None:
            log.info("viewer %s: %s", name, pc.connectionState)
            if pc.connectionState in ("failed", "closed"):
                await self.drop(peer_id)

        video, audio = _tracks(feed)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            kinds = {t.kind for t in pc.getTransceivers()}
            if not kinds & {"video", "audio"}:
                raise InputError("the offer asks for neither video nor audio")
            for track in (video, audio):
                if track.kind in kinds:
                    pc.addTrack(track)  # binds to the browser's recvonly transceiver
            await pc.setLocalDescription(await pc.createAnswer())
        except InputError:
            await self.drop(peer_id)
            raise
        except Exception as exc:
            await self.drop(peer_id)
            # the reason quotes the offer: for the log, not for the browser
            log.info("viewer %s: offer refused: %s", name, str(exc).splitlines()[0][:200]
                     if str(exc) else type(exc).__name__)
            raise InputError("offer: the SDP could not be negotiated (a browser's "
                             "recvonly video/audio offer is expected)") from None
        feed.start()
        perf.add_output(sub)
        self._reapers[peer_id] = asyncio.get_running_loop().create_task(
            self._reap_unconnected(peer_id, pc), name=f"reap-{name}")
        self.metrics.set("webrtc_peers", len(self.peers), help="connected browser viewers")
        return {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type,
                "peer": peer_id}

    async def _reap_unconnected(self, peer_id: str, pc: Any) -> None:
        """Drop a peer whose browser never connected (an offer and nothing else)."""
        await asyncio.sleep(self.connect_timeout_s)
        if peer_id in self.peers and pc.connectionState != "connected":
            log.info("viewer webrtc-%s never connected: dropped", peer_id[:8])
            self.metrics.inc("webrtc_peers_reaped_total",
                             help="offers whose browser never connected")
            await self.drop(peer_id)

    async def bye(self, peer_id: str, client: str = "local") -> bool:
        """Hang up ``peer_id`` for its owner (same token, same address); False if the
        token is unknown or belongs to someone else (indistinguishable on purpose)."""
        if self.owners.get(peer_id) != client:
            return False
        await self.drop(peer_id)
        return True

    async def drop(self, peer_id: str) -> None:
        """Forget a peer (browser left, failed, or closed)."""
        entry = self.peers.pop(peer_id, None)
        self.owners.pop(peer_id, None)
        reaper = self._reapers.pop(peer_id, None)
        if reaper is not None and reaper is not asyncio.current_task():
            reaper.cancel()
        if entry is None:
            return
        pc, perf, sub, feed = entry
        with contextlib.suppress(Exception):
            perf.remove_output(sub)
        sub.close()
        await feed.close()
        with contextlib.suppress(Exception):
            await pc.close()
        self.metrics.inc("webrtc_peers_closed_total", help="viewer connections that ended")
        self.metrics.set("webrtc_peers", len(self.peers), help="connected browser viewers")

    async def close(self) -> None:
        for peer_id in list(self.peers):
            await self.drop(peer_id)


def viewer_html() -> str:
    """The viewer page (static: the show and performer reach it through the URL)."""
    return (WEB_DIR / "viewer.html").read_text(encoding="utf-8")


def webrtc_router(performers: Mapping[str, Any] | Callable[[str], Any], *,
                  metrics: Metrics | None = None, page: bool = True, **limits: Any) -> Any:
    """FastAPI router: viewer page (unless ``page`` is False: a server that serves it
    itself), static files, SDP offer and bye endpoints.

    ``router.viewers`` (a :class:`WebRtcViewers`) lets the app close peers on shutdown.
    """
    from fastapi import APIRouter, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse

    router = APIRouter()
    viewers = WebRtcViewers(performers, metrics=metrics, **limits)
    router.viewers = viewers  # type: ignore[attr-defined]

    if page:
        @router.get("/viewer", response_class=HTMLResponse, include_in_schema=False)
        async def viewer_page() -> HTMLResponse:
            return HTMLResponse(viewer_html())

    @router.get("/web/{name}", include_in_schema=False)
    async def web_file(name: str) -> FileResponse:
        path = (WEB_DIR / name).resolve()
        if path.parent != WEB_DIR or not path.is_file():
            raise HTTPException(404, f"no such file: {name}")
        return FileResponse(path)

    def client(request: Request) -> str:
        return request.client.host if request.client else "local"

    @router.post("/webrtc/offer")
    async def offer(body: OfferIn, request: Request) -> dict[str, str]:
        try:
            return await viewers.answer(body.sdp, body.type, body.performer, client(request))
        except PeerLimit as exc:
            raise HTTPException(429, str(exc)) from None
        except InputError as exc:
            raise HTTPException(400, str(exc)) from None

    @router.post("/webrtc/bye")
    async def bye(body: ByeIn, request: Request) -> dict[str, bool]:
        # sent by the page on unload: ICE consent expiry alone takes ~30 s to notice
        return {"closed": await viewers.bye(body.peer, client(request))}

    return router
