"""Leases: which worker holds which show, renewed while the worker lives.

A lease is a Redis key holding the worker's id with a time to live. Claiming is
``SET NX``; renewing and releasing check the holder first (one Lua script each), so a
worker whose lease lapsed and was claimed elsewhere can never extend or drop the new
holder's lease.
"""

from __future__ import annotations

from typing import Any

from . import keys

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Leases:
    """The leases of one worker (``owner``), each ``ttl_s`` seconds long."""

    def __init__(self, redis: Any, owner: str, ttl_s: float) -> None:
        self.redis = redis
        self.owner = owner
        self.ttl_ms = max(1, int(ttl_s * 1000))
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def claim(self, show_id: str) -> bool:
        """Take the show if nobody holds it."""
        return bool(await self.redis.set(keys.lease(show_id), self.owner, nx=True,
                                         px=self.ttl_ms))

    async def renew(self, show_id: str) -> bool:
        """Extend our lease; False when it is no longer ours."""
        return bool(await self._renew(keys=[keys.lease(show_id)],
                                      args=[self.owner, self.ttl_ms]))

    async def release(self, show_id: str) -> bool:
        """Give the show up (only if we still hold it)."""
        return bool(await self._release(keys=[keys.lease(show_id)], args=[self.owner]))


async def holders(redis: Any, show_ids: list[str]) -> dict[str, str | None]:
    """Who holds each show (None: nobody, e.g. between a worker's death and a claim)."""
    if not show_ids:
        return {}
    values = await redis.mget([keys.lease(s) for s in show_ids])
    return dict(zip(show_ids, values, strict=True))
