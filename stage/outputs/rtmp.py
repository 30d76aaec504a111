"""RTMP push (FLV, H.264 + AAC) to any ingest: Twitch, YouTube, Bilibili, nginx-rtmp.

:class:`RtmpOutput` encodes in its own thread through :class:`stage.media.MediaWriter`
(PyAV). When the server is absent or drops the connection, the failure is logged and
counted, ticks are dropped while disconnected (the clock never waits), and it reconnects
with exponential backoff plus jitter (``0.5 s, 1 s, 2 s ... 30 s``, ±25 %). Each
connection is a fresh stream starting at timestamp 0, as ingest servers expect.

Metrics (labels ``output=<name>``): ``output_connected`` (0/1), ``output_reconnects_total``,
``output_errors_total``, ``output_dropped_frames_total``, ``output_queue_depth``.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from vhuman.models.types import InputError
from vhuman.stage.media import MediaWriter, live_video_options

from .base import ThreadedOutput, Tick

if TYPE_CHECKING:  # stage.live imports this package: no runtime cycle
    from vhuman.stage.metrics import Metrics

log = logging.getLogger(__name__)


class RtmpOutput(ThreadedOutput):
    """Pushes ticks to ``url`` (``rtmp://host[:port]/app/key``) with reconnects."""

    drop_on_interrupt = False  # the stream timeline must stay whole

    def __init__(self, url: str, *, width: int, height: int, fps: float, sample_rate: int,
                 name: str = "rtmp", preset: str = "veryfast", crf: int = 23,
                 backoff_initial: float = 0.5, backoff_max: float = 30.0,
                 max_queue: int = 15, metrics: Metrics | None = None,
                 seed: int | None = None) -> None:
        if not url.startswith(("rtmp://", "rtmps://")):
            raise InputError(f"RTMP url must start with rtmp:// or rtmps://, got {url!r}")
        super().__init__(name, max_queue=max_queue, metrics=metrics)
        self.url = url
        self.width, self.height, self.fps, self.sample_rate = width, height, fps, sample_rate
        self.preset, self.crf = preset, crf
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self._backoff = backoff_initial
        self._rng = random.Random(seed)
        self._writer: MediaWriter | None = None
        self._next_attempt = 0.0
        self._first_index = 0
        self._last_index = -1
        self.connections = 0
        self.reconnects = 0
        self.disconnected_drops = 0

    @property
    def connected(self) -> bool:
        return self._writer is not None

    def open(self) -> None:
        self._connect()

    def _connect(self) -> bool:
        try:
            writer = MediaWriter(self.url, width=self.width, height=self.height, fps=self.fps,
                                 sample_rate=self.sample_rate, preset=self.preset,
                                 crf=self.crf, container="flv",
                                 video_options=live_video_options(self.fps),
                                 # a hung server must not block the reconnect loop forever
                                 open_options={"rw_timeout": "5000000"})
        except Exception as exc:  # noqa: BLE001 - server absent: retry later
            self._schedule_retry(exc, "connect")
            return False
        self._writer = writer
        self._backoff = self.backoff_initial
        self._last_index = -1
        self.connections += 1
        if self.connections > 1:
            self.reconnects += 1
            self.metrics.inc("output_reconnects_total", 1, {"output": self.name},
                             help="successful reconnections of a streaming output")
        self.metrics.set("output_connected", 1, {"output": self.name},
                         help="1 while a streaming output is connected")
        log.info("rtmp %s: connected (connection %d)", self._safe_url, self.connections)
        return True

    @property
    def _safe_url(self) -> str:
        """The URL without its stream key (keys are secrets)."""
        head, _, _key = self.url.rpartition("/")
        return f"{head}/***"

    def _schedule_retry(self, exc: BaseException, what: str) -> None:
        self.record_error(exc, f"{what} {self._safe_url}")
        delay = self._backoff * (1.0 + self._rng.uniform(-0.25, 0.25))
        self._next_attempt = time.monotonic() + delay
        self._backoff = min(self._backoff * 2.0, self.backoff_max)
        self.metrics.set("output_connected", 0, {"output": self.name})
        log.info("rtmp %s: retrying in %.2f s", self._safe_url, delay)

    def _drop_connection(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close(match_audio=False)

    def write(self, tick: Tick) -> None:
        if self._writer is None:
            if time.monotonic() < self._next_attempt or not self._connect():
                self.disconnected_drops += 1
                self._count_drop()
                return
        assert self._writer is not None
        if self._last_index < 0:
            self._first_index = tick.index
        elif tick.index > self._last_index + 1:
            # ticks were dropped upstream: keep audio continuous so A/V stay aligned
            missing = tick.index - self._last_index - 1
            self._writer.write_audio(np.zeros(int(round(missing * self.sample_rate / self.fps)),
                                              np.float32))
        try:
            self._writer.write_video_at(tick.index - self._first_index, tick.image)
            self._writer.write_audio(tick.audio)
        except Exception as exc:  # noqa: BLE001 - the server went away
            self._drop_connection()
            self._schedule_retry(exc, "write")
            return
        self._last_index = tick.index

    def finish(self) -> None:
        self._drop_connection()
        self.metrics.set("output_connected", 0, {"output": self.name})

    def stats(self) -> dict[str, Any]:
        return {**super().stats(), "connected": self.connected,
                "connections": self.connections, "reconnects": self.reconnects,
                "disconnected_drops": self.disconnected_drops}
