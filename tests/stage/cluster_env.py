"""A small cluster for tests: real Redis and PostgreSQL servers, worker processes with
the fake performer and brain, and API replicas (in-process apps)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from vhuman.stage.cluster.hosting import ClusterHosting
from vhuman.stage.cluster.testing import PostgresServer, RedisServer
from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.testing_performer import FakePerformer, FakeQA

ROOT = Path(__file__).resolve().parents[2]
HOST, REPORTER, VIEWER = "host-key-123", "reporter-key-123", "viewer-key-123"
H = {"Authorization": f"Bearer {HOST}"}


def rundown(show_id: str, lines: int = 30, words: int = 6) -> str:
    """A say segment of numbered lines, then an open chat window."""
    said = "\n".join(f'      - "Line {i} of {show_id} ' + " ".join(["word"] * words) + '."'
                     for i in range(lines))
    return (f"show:\n  title: Show {show_id}\n  id: {show_id}\n"
            f"preemption:\n  viewer_interrupts: [say]\n  viewer_min_priority: 0\n"
            f"segments:\n  - type: say\n    id: talk\n    lines:\n{said}\n"
            f"  - type: chat\n    id: open\n    minutes: 30\n")


def wait_for(check: Callable[[], Any], timeout: float, what: str, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


class Cluster:
    """Servers and processes of one test; everything stops at :meth:`close`."""

    def __init__(self, redis: RedisServer, postgres_url: str, tmp: Path,
                 lease_s: float = 2.0) -> None:
        self.redis, self.database, self.tmp, self.lease_s = redis, postgres_url, tmp, lease_s
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self._stack = contextlib.ExitStack()

    def worker(self, name: str, slots: int = 2,
               backends: str = "vhuman.stage.cluster.testing:fake_backends") -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self._stack.callback(log.close)
        env = {**os.environ, "VHUMAN_FAKE_SECONDS_PER_WORD": "0.04", "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "vhuman.stage.cli", "-v", "worker", "--redis", self.redis.url,
             "--database", self.database, "--slots", str(slots), "--id", name,
             "--lease", str(self.lease_s), "--backends", backends],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.workers[name] = proc
        return proc

    def api(self, default_show: str = "main", **overrides: Any) -> TestClient:
        options: dict[str, Any] = {
            "api_keys": {HOST: "host", REPORTER: "reporter", VIEWER: "viewer"},
            "chat_rate_burst": 50, "chat_rate_per_s": 10, "media_root": self.tmp,
            "output_root": self.tmp} | overrides
        settings = ServerSettings(
            redis_url=self.redis.url, database_url=self.database, default_show=default_show,
            **options, _env_file=None)  # type: ignore[call-arg]
        backends = Backends(lambda s, r: FakePerformer(0.01), None,
                            FakeQA({"final": "The final is on Sunday at 8 pm."}))
        client = TestClient(create_app(settings, backends=backends, hosting=ClusterHosting()))
        self._stack.enter_context(client)
        return client

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database, autocommit=True) as conn:
            return list(conn.execute(query, params).fetchall())

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def close(self) -> None:
        for proc in self.workers.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        self._stack.close()


@contextlib.contextmanager
def servers() -> Iterator[tuple[RedisServer, PostgresServer]]:
    redis = RedisServer().start()
    postgres = PostgresServer().start()
    try:
        yield redis, postgres
    finally:
        redis.stop()
        postgres.stop()


@contextlib.contextmanager
def running(tmp_path: Path, database: str, lease_s: float = 2.0) -> Iterator[Cluster]:
    """A cluster on its own Redis and a fresh PostgreSQL database, stopped afterwards."""
    postgres = PostgresServer().start()
    redis = RedisServer(tmp_path / "redis").start()
    env = Cluster(redis, postgres.create_database(database), tmp_path, lease_s=lease_s)
    try:
        yield env
    finally:
        env.close()
        redis.stop()
        postgres.stop()
