"""Per client address limits kept in Redis, so an address has one allowance across every
API replica (the same interface as :class:`~stage.server.addresses.AddressLimits`).

Rates are token buckets (the chat intake's script, on Redis' clock). Open sockets and
open HTTP connections are members of a sorted set per address scored by an expiry: the
replica that holds one pushes its expiry forward while it is open and removes it when it
closes, so what a replica that died held leaves the count within ``SOCKET_TTL_S``. While
Redis cannot be reached the replica falls back to counting in-process (limits per
replica for a moment rather than refusing everyone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from vhuman.dialogue.moderation import REDIS_TOKEN_BUCKET

from ..server.addresses import AddressLimits, rates
from ..server.settings import ServerSettings
from . import keys
from .batch import Script, ScriptBatcher

log = logging.getLogger(__name__)

SOCKET_TTL_S = 60.0
"""A socket counts this long after its replica last confirmed it open."""

_OPEN_SOCKET = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('zadd', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('pexpire', KEYS[1], tonumber(ARGV[3]))
return 1
"""

_KEEP_OPEN = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  redis.call('zadd', KEYS[i], 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('pexpire', KEYS[i], tonumber(ARGV[1]))
end
return #KEYS
"""


class RedisAddressLimits:
    """Rates, open sockets and open connections per address in Redis (see the module
    docstring)."""

    shares_connections = True
    """Connections are counted here too (the server's protocol asks before serving)."""

    def __init__(self, redis: Any, settings: ServerSettings,
                 ttl_s: float = SOCKET_TTL_S, batch: ScriptBatcher | None = None) -> None:
        self.redis = redis
        self._batch = batch or ScriptBatcher(redis)
        self.ttl_s = ttl_s
        self.max_sockets = settings.ws_max_per_address
        self.max_connections = settings.max_connections_per_address
        self._rates = rates(settings)
        self._bucket = Script(REDIS_TOKEN_BUCKET)
        self._open_script = redis.register_script(_OPEN_SOCKET)
        self._keep = redis.register_script(_KEEP_OPEN)
        self._local = AddressLimits(settings)
        self._held: dict[str, str] = {}  # token -> its set's key: what this replica holds
        self._keeper: asyncio.Task[None] | None = None

    async def allow(self, kind: str, client: str) -> bool:
        burst, per_s = self._rates[kind]
        try:
            return bool(await self._batch(self._bucket, [keys.address_rate(kind, client)],
                                          [burst, per_s]))
        except keys.redis_errors() as exc:
            log.warning("address limits: Redis unreachable (%s); counting here", exc)
            return await self._local.allow(kind, client)

    async def open_socket(self, client: str) -> str | None:
        token = await self._open(keys.address_sockets(client), self.max_sockets)
        if token is None or token != "local":
            return token
        local = await self._local.open_socket(client)
        return None if local is None else "local:" + uuid.uuid4().hex

    async def close_socket(self, client: str, token: str) -> None:
        if token.startswith("local:"):
            await self._local.close_socket(client, token)
            return
        await self._close(keys.address_sockets(client), token)

    async def open_connection(self, client: str) -> str | None:
        """Count an HTTP connection of ``client`` across the replicas: a token for
        :meth:`close_connection`, or None past ``max_connections_per_address``. While
        Redis is down every connection passes (the process' own cap still holds)."""
        if not self.max_connections:
            return "local"
        return await self._open(keys.address_connections(client), self.max_connections)

    async def close_connection(self, client: str, token: str) -> None:
        if token != "local":
            await self._close(keys.address_connections(client), token)

    async def _open(self, key: str, cap: int) -> str | None:
        """A member for the address' set ``key`` unless it holds ``cap``; "local" when
        Redis is unreachable."""
        token = uuid.uuid4().hex
        try:
            ok = await self._open_script(keys=[key], args=[cap, token, int(self.ttl_s * 1000)])
        except keys.redis_errors() as exc:
            log.warning("address limits: Redis unreachable (%s); counting here", exc)
            return "local"
        if not ok:
            return None
        self._held[token] = key
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.get_running_loop().create_task(self._keep_open(),
                                                                  name="address-limits")
        return token

    async def _close(self, key: str, token: str) -> None:
        self._held.pop(token, None)
        with contextlib.suppress(*keys.redis_errors()):  # it expires by itself otherwise
            await self.redis.zrem(key, token)

    async def _keep_open(self) -> None:
        """Push the expiry of what this replica holds open forward while it is open."""
        while self._held:
            await asyncio.sleep(self.ttl_s / 3)
            held = list(self._held.items())
            if not held:
                continue
            try:
                await self._keep(keys=[key for _, key in held],
                                 args=[int(self.ttl_s * 1000), *[t for t, _ in held]])
            except keys.redis_errors() as exc:
                log.warning("address limits: could not refresh (%s)", exc)

    async def close(self) -> None:
        if self._keeper is not None:
            await keys.stop_tasks([self._keeper])
