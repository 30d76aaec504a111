"""Token-bucket rate limits by key (viewer name, connection, client address)."""

from __future__ import annotations

import time

from vhuman.models.types import InputError


class RateLimiter:
    """``burst`` events at once, refilled at ``per_s`` per second, per key.

    Idle keys are forgotten once their bucket is full again, so memory stays bounded by
    the number of recently active keys.
    """

    def __init__(self, burst: float, per_s: float, *, max_keys: int = 50_000) -> None:
        if burst < 1 or per_s <= 0:
            raise InputError("rate limit: burst must be >= 1 and per_s > 0")
        self.burst, self.per_s, self.max_keys = float(burst), float(per_s), max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        """Take one token for ``key``; False when it has none left."""
        now = time.monotonic() if now is None else now
        tokens, stamp = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.per_s)
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._forget_idle(now)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True

    def _forget_idle(self, now: float) -> None:
        refill = self.burst / self.per_s
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}
