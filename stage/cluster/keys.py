"""Redis key names and connections shared by the API tier, the workers and the archiver.

Every key the cluster uses is named here, so the layout can be read in one place:

- ``vh:shows`` (set): ids of the shows that should be on air somewhere.
- ``vh:start`` (stream, group ``workers``): start requests; a worker with a free slot
  reads one, claims the show's lease and acknowledges it.
- ``vh:lease:<show>`` (string with TTL): the id of the worker holding the show.
- ``vh:worker:<id>`` (string with TTL) + ``vh:workers`` (set): heartbeat and load.
- ``vh:chat:<show>`` (stream, group ``performers``): accepted viewer chat for the holder.
- ``vh:cmd:<show>`` (stream): host commands for the holder; ``vh:ack:<command id>``
  (list) carries the holder's answer back.
- ``vh:ev:<show>`` (pub/sub channel): viewer events (chat echo, replies) for every replica.
- ``vh:status:<show>`` (string with TTL): the holder's latest show status.
- ``vh:guests:<show>`` (string, JSON): the show's guests (invites, admissions, token
  hashes), written by the holder after every change, read by the next holder.
- ``vh:params:<show>`` (pub/sub channel) + ``vh:params:hello:<show>``: the show's
  animation-parameter frames while a replica has ``/params`` clients
  (:mod:`stage.cluster.params_relay`).
- ``vh:failed:<show>`` (string with TTL): why the last worker that tried could not put
  the show on air; no worker claims it again until it expires (or a new create clears it).
- ``vh:log`` (stream, group ``archiver``): durable-log records waiting for PostgreSQL.
- ``vh:rate:<show>:<viewer>``, ``vh:dedup:<show>:<hash>``: chat admission state.
- ``vh:addr:<kind>:<address>`` (hash, token bucket), ``vh:sock:<address>`` (sorted set
  of open sockets, scored by expiry) and ``vh:conn:<address>`` (the same for open HTTP
  connections): per client address limits shared by the replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

from vhuman.models.types import VhumanError

SHOWS = "vh:shows"
START = "vh:start"
START_GROUP = "workers"
WORKERS = "vh:workers"
LOG = "vh:log"
LOG_GROUP = "archiver"
CHAT_GROUP = "performers"
EVENTS_PATTERN = "vh:ev:*"


def lease(show_id: str) -> str:
    return f"vh:lease:{show_id}"


def worker(worker_id: str) -> str:
    return f"vh:worker:{worker_id}"


def chat(show_id: str) -> str:
    return f"vh:chat:{show_id}"


def commands(show_id: str) -> str:
    return f"vh:cmd:{show_id}"


def ack(command_id: str) -> str:
    return f"vh:ack:{command_id}"


def events(show_id: str) -> str:
    return f"vh:ev:{show_id}"


def status(show_id: str) -> str:
    return f"vh:status:{show_id}"


def guests(show_id: str) -> str:
    return f"vh:guests:{show_id}"


def failed(show_id: str) -> str:
    return f"vh:failed:{show_id}"


FAILED_TTL_S = 30
"""How long a show whose start failed is left alone before a worker tries it again."""


def rate(show_id: str, viewer: str) -> str:
    return f"vh:rate:{show_id}:{viewer}"


def blocked(show_id: str) -> str:
    """The viewers the host blocked on a show (a set): the intake refuses their chat."""
    return f"vh:blocked:{show_id}"


def press_mic(peer: str) -> str:
    """A press-desk microphone's state and recognised turns (JSON), for every replica."""
    return f"vh:press-mic:{peer}"


def press_mic_close(peer: str) -> str:
    """Set when a replica other than the microphone's holder is asked to close it."""
    return f"vh:press-mic-close:{peer}"


def dedup(show_id: str, digest: str) -> str:
    return f"vh:dedup:{show_id}:{digest}"


def address_rate(kind: str, address: str) -> str:
    return f"vh:addr:{kind}:{address}"


def address_sockets(address: str) -> str:
    return f"vh:sock:{address}"


def address_connections(address: str) -> str:
    return f"vh:conn:{address}"


class ClusterUnavailable(VhumanError):
    """Redis or PostgreSQL cannot be reached right now (the HTTP layer answers 503)."""


REDIS_CONNECTIONS = 256
"""Connections one process keeps to Redis at most; past them a call waits for a free one
(up to the read timeout) instead of failing: 500 viewers chatting at once each need one
for a moment, and redis-py's default pool refuses the 101st ("Too many connections")."""


def connect_redis(url: str) -> Any:
    """An asyncio Redis client that fails fast (1 s connect, 5 s reads, no silent
    retries), so an outage becomes a clear 503 instead of a hung request; a burst beyond
    :data:`REDIS_CONNECTIONS` queues for a connection."""
    try:
        from redis.asyncio import BlockingConnectionPool, Redis
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise VhumanError("the cluster mode needs redis-py: pip install 'redis>=5'") from exc
    pool = BlockingConnectionPool.from_url(
        url, max_connections=REDIS_CONNECTIONS, timeout=5.0, decode_responses=True,
        socket_connect_timeout=1.0, socket_timeout=5.0, health_check_interval=5,
        retry_on_timeout=False)
    return Redis.from_pool(pool)


def redis_errors() -> tuple[type[Exception], ...]:
    """Exceptions that mean "Redis is unreachable or restarting"."""
    import redis

    return (redis.ConnectionError, redis.TimeoutError, ConnectionError, OSError,
            redis.BusyLoadingError)


def outage_errors() -> tuple[type[Exception], ...]:
    """Redis or PostgreSQL unreachable: what a loop waits out."""
    return (ClusterUnavailable, *redis_errors())


async def ensure_group(r: Any, stream: str, group: str) -> None:
    """Create a consumer group (and its stream) unless it exists."""
    import redis

    try:
        await r.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def stop_tasks(tasks: Iterable[asyncio.Task[Any]], timeout: float = 5.0) -> None:
    """Cancel ``tasks`` and wait for them. A cancellation that lands inside a Redis call
    can be swallowed by the client; the cancel is repeated until each task is done."""
    pending = {t for t in tasks if not t.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pending and loop.time() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)
    for task in tasks:
        if task.done() and not task.cancelled():
            with contextlib.suppress(BaseException):
                task.result()
