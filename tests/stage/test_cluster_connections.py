"""Per-address connection caps in scale-out, on real sockets, Redis and PostgreSQL: an
address holds at most ``max_connections_per_address`` HTTP connections across every API
replica, and what a replica that died held leaves the count by itself."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vhuman.stage.cluster import keys
from vhuman.stage.cluster.addresses import RedisAddressLimits
from vhuman.stage.cluster.hosting import ClusterHosting
from vhuman.stage.cluster.testing import PostgresServer, RedisServer, free_port
from vhuman.stage.server import ServerSettings, create_app
from vhuman.stage.server.app import server_config

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None
    or not (list(Path("/usr/lib/postgresql").glob("*/bin")) or shutil.which("postgres")),
    reason="redis-server and PostgreSQL are installed by scripts/setup.sh")


@contextlib.contextmanager
def _replica(redis_url: str, database_url: str, **options: Any) -> Iterator[int]:
    """One API replica (``vhuman serve --redis --database``'s uvicorn setup) in a thread."""
    import uvicorn

    settings = ServerSettings(redis_url=redis_url, database_url=database_url,
                              default_show="", port=free_port(), gil_switch_interval_s=0,
                              **options, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, hosting=ClusterHosting())
    server = uvicorn.Server(server_config(settings, app))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield settings.port
    finally:
        server.should_exit = True
        thread.join(10)


def _healthz(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    finally:
        conn.close()


def _counted(redis_url: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.zcard(keys.address_connections("127.0.0.1")))
    finally:
        client.close()


def _wait(check: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_the_connection_cap_holds_across_replicas(tmp_path: Path) -> None:
    redis, postgres = RedisServer(tmp_path / "redis").start(), PostgresServer().start()
    try:
        database = postgres.create_database("t_conn")
        options = {"max_connections_per_address": 4, "header_timeout_s": 30}
        with _replica(redis.url, database, **options) as a, \
                _replica(redis.url, database, **options) as b:
            held = [socket.create_connection(("127.0.0.1", port)) for port in (a, a, b, b)]
            _wait(lambda: _counted(redis.url) == 4, "four connections counted")
            for port in (a, b):  # each replica holds only two: counted alone, both pass
                extra = socket.create_connection(("127.0.0.1", port))
                extra.settimeout(10)
                assert extra.recv(4096).startswith(b"HTTP/1.1 503")
                extra.close()
            held[0].close()
            _wait(lambda: _counted(redis.url) == 3, "the closed connection released")
            assert _healthz(b) == 200  # room again, on the other replica
            for sock in held[1:]:
                sock.close()
            _wait(lambda: _counted(redis.url) == 0, "every connection released")
    finally:
        redis.stop()
        postgres.stop()


def test_a_dead_replicas_connections_leave_the_count(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    settings = ServerSettings(max_connections_per_address=2,
                              _env_file=None)  # type: ignore[call-arg]

    async def main() -> None:
        dead_client, live_client = (keys.connect_redis(redis.url) for _ in range(2))
        dead = RedisAddressLimits(dead_client, settings, ttl_s=0.6)
        live = RedisAddressLimits(live_client, settings, ttl_s=0.6)
        held = [await dead.open_connection("10.0.0.9") for _ in range(2)]
        assert None not in held and await live.open_connection("10.0.0.9") is None
        await asyncio.sleep(0.5)  # still open while the holder refreshes them
        assert await live.open_connection("10.0.0.9") is None
        await dead.close()  # the holder dies: nobody refreshes its connections
        await dead_client.aclose()
        await asyncio.sleep(0.8)
        token = await live.open_connection("10.0.0.9")
        assert token is not None
        await live.close_connection("10.0.0.9", token)
        await live.close()
        await live_client.aclose()
    try:
        asyncio.run(main())
    finally:
        redis.stop()
