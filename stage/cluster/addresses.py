"""Per client address limits kept in Redis, so an address has one allowance across every
API replica (the same interface as :class:`~stage.server.addresses.AddressLimits`).

Rates are token buckets (the chat intake's script, on Redis' clock). Open sockets are
members of a sorted set per address scored by an expiry: the replica that holds a socket
pushes its expiry forward while it is open and removes it when it closes, so the sockets
of a replica that died leave the count within ``SOCKET_TTL_S``. While Redis cannot be
reached the replica falls back to counting in-process (limits per replica for a moment
rather than refusing everyone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from ..server.addresses import AddressLimits, rates
from ..server.settings import ServerSettings
from . import keys
from .intake import BUCKET_SCRIPT

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
    """Rates and open sockets per address in Redis (see the module docstring)."""

    def __init__(self, redis: Any, settings: ServerSettings) -> None:
        self.redis = redis
        self.max_sockets = settings.ws_max_per_address
        self._rates = rates(settings)
        self._bucket = redis.register_script(BUCKET_SCRIPT)
        self._open = redis.register_script(_OPEN_SOCKET)
        self._keep = redis.register_script(_KEEP_OPEN)
        self._local = AddressLimits(settings)
        self._held: dict[str, str] = {}  # token -> address, sockets this replica holds
        self._keeper: asyncio.Task[None] | None = None

    async def allow(self, kind: str, client: str) -> bool:
        burst, per_s = self._rates[kind]
        try:
            return bool(await self._bucket(keys=[keys.address_rate(kind, client)],
                                           args=[burst, per_s]))
        except keys.redis_errors() as exc:
            log.warning("address limits: Redis unreachable (%s); counting here", exc)
            return await self._local.allow(kind, client)

    async def open_socket(self, client: str) -> str | None:
        token = uuid.uuid4().hex
        try:
            ok = await self._open(keys=[keys.address_sockets(client)],
                                  args=[self.max_sockets, token, int(SOCKET_TTL_S * 1000)])
        except keys.redis_errors() as exc:
            log.warning("socket limits: Redis unreachable (%s); counting here", exc)
            local = await self._local.open_socket(client)
            return None if local is None else "local:" + token
        if not ok:
            return None
        self._held[token] = client
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.get_running_loop().create_task(self._keep_open(),
                                                                  name="socket-limits")
        return token

    async def close_socket(self, client: str, token: str) -> None:
        if token.startswith("local:"):
            await self._local.close_socket(client, token)
            return
        self._held.pop(token, None)
        with contextlib.suppress(*keys.redis_errors()):  # it expires by itself otherwise
            await self.redis.zrem(keys.address_sockets(client), token)

    async def _keep_open(self) -> None:
        """Push the expiry of this replica's open sockets forward while they are open."""
        while self._held:
            await asyncio.sleep(SOCKET_TTL_S / 3)
            held = list(self._held.items())
            if not held:
                continue
            try:
                await self._keep(keys=[keys.address_sockets(a) for _, a in held],
                                 args=[int(SOCKET_TTL_S * 1000), *[t for t, _ in held]])
            except keys.redis_errors() as exc:
                log.warning("socket limits: could not refresh (%s)", exc)

    async def close(self) -> None:
        if self._keeper is not None:
            await keys.stop_tasks([self._keeper])
