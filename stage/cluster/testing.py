"""Test kit for the cluster: real Redis and PostgreSQL servers on free loopback ports
(Debian's ``redis-server`` and ``postgresql``), and fast fake backends for workers.

PostgreSQL refuses to run as root; as root (CI), the server runs as the ``postgres``
user through ``runuser``, in a temporary directory that user owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.models.types import VhumanError

from ..server.settings import ServerSettings
from ..server.state import Backends
from ..testing_performer import FakePerformer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise VhumanError(f"server on port {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise VhumanError(f"nothing listens on port {port} after {timeout} s")


class RedisServer:
    """``redis-server`` on a free port with an append-only file fsynced on every write
    (what production needs for "acknowledged = durable"); restartable on its data."""

    def __init__(self, workdir: Path | None = None) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise VhumanError("redis-server is not installed (scripts/setup.sh installs it)")
        self.exe = exe
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="vh-redis-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.dir),
             "--protected-mode", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, 10.0, self.proc)
        return self

    def kill(self) -> None:
        """Hard stop (SIGKILL): only what the append-only file holds survives."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """A throw-away PostgreSQL cluster (``initdb`` + ``postgres``) on a free port."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        root = os.geteuid() == 0
        # as root, a directory the postgres user can reach (not under a private $TMPDIR)
        self.dir = Path(tempfile.mkdtemp(prefix="vh-pg-", dir="/tmp" if root else None))
        self.data = self.dir / "data"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._as: list[str] = []
        if root:  # postgres will not run as root
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run([*self._as, str(self.bindir / "initdb"), "-D", str(self.data),
                        "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgresServer:
        self.proc = subprocess.Popen(
            [*self._as, str(self.bindir / "postgres"), "-D", str(self.data),
             "-p", str(self.port), "-k", str(self.dir), "-c", "listen_addresses=127.0.0.1",
             "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, 20.0, self.proc)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 20.0
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def create_database(self, name: str) -> str:
        """A fresh database on this server; returns its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def kill(self) -> None:
        """Immediate stop, as a crash (committed data survives: it is in the WAL)."""
        if self.proc is not None and self.proc.poll() is None:
            # through pg_ctl: as root, self.proc is runuser, which would not pass it on
            subprocess.run([*self._as, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                            "-m", "immediate", "-w", "stop"], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(5)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bindir() -> Path:
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "postgres").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    exe = shutil.which("postgres")
    if exe is None:
        raise VhumanError("PostgreSQL is not installed (scripts/setup.sh installs it)")
    return Path(exe).parent


class _BrokenAvatar(FakePerformer):
    async def start(self) -> None:
        raise VhumanError("cannot open avatars/missing.vrm: no such file")


class TickingPerformer(FakePerformer):
    """The fake performer with a clock: ``fps`` ticks a second, each with a rest pose
    whose first morph counts up (so frames differ), offered to its outputs as the live
    performer offers them (``/params`` has something to stream)."""

    streams_ticks = True

    def __init__(self, seconds_per_word: float = 0.05, fps: float = 25.0) -> None:
        super().__init__(seconds_per_word)
        self.fps = fps
        self._clock: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await super().start()
        self._clock = asyncio.create_task(self._run_clock(), name="ticking-performer")

    async def _run_clock(self) -> None:
        from vhuman.animation.clip import MotionClip

        from ..outputs.base import Tick

        loop = asyncio.get_running_loop()
        t0, index = loop.time(), 0
        while True:
            pose = MotionClip.rest(1, fps=self.fps)
            pose.morph[0, 0] = (index % 10) / 10
            tick = Tick(index, index / self.fps, self.fps, np.zeros((2, 2, 3), np.uint8),
                        np.zeros(int(16000 / self.fps), np.float32), 16000, pose=pose,
                        speaking=self._current is not None)
            for output in list(self.outputs):
                output.offer(tick)
            index += 1
            await asyncio.sleep(max(0.0, t0 + index / self.fps - loop.time()))

    async def close(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock
        await super().close()


def fake_performer(show_id: str, pace: float = 0.05) -> Any:
    """The fake performer speaking at ``pace`` seconds a word; for a show whose id starts
    with ``broken``, one whose start fails (as a missing avatar makes a real one fail);
    ``ticking``, a :class:`TickingPerformer`."""
    if show_id.startswith("broken"):
        return _BrokenAvatar(pace)
    return (TickingPerformer if show_id.startswith("ticking") else FakePerformer)(pace)


def fake_backends(settings: ServerSettings) -> Backends:
    """Workers for tests and benchmarks: :func:`fake_performer` (speech at a known pace,
    ``VHUMAN_FAKE_SECONDS_PER_WORD``, default 0.05) and the fake brain (pausing
    ``VHUMAN_FAKE_BRAIN_DELAY_S`` before each sentence, default 0)."""
    from ..testing_performer import FakeBrain

    pace = float(os.environ.get("VHUMAN_FAKE_SECONDS_PER_WORD", "0.05"))
    delay = float(os.environ.get("VHUMAN_FAKE_BRAIN_DELAY_S", "0"))
    return Backends(lambda show_id, rundown: fake_performer(show_id, pace),
                    lambda show_id, rundown: FakeBrain(delay=delay))


def live_backends(settings: ServerSettings) -> Backends:
    """Workers with a real, small live performer (160², 25 fps, eSpeak voice, the
    built-in character) for video tests, and the fake brain."""
    from vhuman.models.tts import get_tts

    from ..live import LiveConfig, LivePerformer
    from ..testing_performer import FakeBrain

    def performer(show_id: str, rundown: Any) -> Any:
        return LivePerformer(LiveConfig(fps=25, width=160, height=160),
                             tts=get_tts("espeak"))
    return Backends(performer, lambda show_id, rundown: FakeBrain())
