"""Flood and duplicate limits: the engine's one token bucket and one recent-text window.

:class:`RateLimiter` (a token bucket per key) holds viewers, connections, client addresses
and sign-ins to a rate; :class:`RecentTexts` remembers what was said in the last seconds,
so a repeat is seen however it is spaced or punctuated (:func:`dedup_key`). The chat
queue, the moderator's per-viewer flood rule and the server's address limits use these.
Processes that share state in Redis run the same bucket as :data:`REDIS_TOKEN_BUCKET`
(on Redis' clock) and the same :func:`dedup_key`.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict, deque

from vhuman.models.types import InputError

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def dedup_key(text: str) -> str:
    """What makes two messages the same: their words, case and punctuation ignored."""
    return _NOT_WORD.sub(" ", text.lower()).strip()


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

    def allow(self, key: str, now: float | None = None, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens (one event, or e.g. one send per viewer of a broadcast) for
        ``key``; False, taking none, when it has fewer left."""
        now = time.monotonic() if now is None else now
        tokens, stamp = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.per_s)
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._forget_idle(now)
        if tokens < cost:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - cost, now)
        return True

    def _forget_idle(self, now: float) -> None:
        refill = self.burst / self.per_s
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}


class RecentTexts:
    """How often each key was noted in the last ``window_s`` seconds.

    Keys are kept in the order they were last noted, so forgetting is a walk from the
    oldest; at most ``max_keys`` are kept (the oldest go first).
    """

    def __init__(self, window_s: float, *, max_keys: int = 50_000) -> None:
        if window_s < 0:
            raise InputError("recent texts: window_s must be >= 0")
        self.window_s, self.max_keys = float(window_s), max_keys
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def count(self, key: str, now: float | None = None) -> int:
        """Times ``key`` was noted within the window."""
        stamps = self._fresh(key, time.monotonic() if now is None else now)
        return len(stamps) if stamps is not None else 0

    def note(self, key: str, now: float | None = None) -> int:
        """Note ``key`` once more; returns its count within the window, this one included."""
        now = time.monotonic() if now is None else now
        stamps = self._fresh(key, now)
        if stamps is None:
            stamps = self._seen[key] = deque()
        stamps.append(now)
        self._seen.move_to_end(key)
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return len(stamps)

    def __len__(self) -> int:
        return len(self._seen)

    def _fresh(self, key: str, now: float) -> deque[float] | None:
        """Forget keys last noted before the window, trim ``key``'s old stamps."""
        cutoff = now - self.window_s
        while self._seen:  # the first key was noted longest ago
            first = next(iter(self._seen.values()))
            if first[-1] >= cutoff:
                break
            self._seen.popitem(last=False)
        stamps = self._seen.get(key)
        while stamps and stamps[0] < cutoff:
            stamps.popleft()
        if stamps is not None and not stamps:  # a clock that went back
            del self._seen[key]
            return None
        return stamps


#: :class:`RateLimiter` as a Redis script, for limits shared by several processes:
#: KEYS[1] = the bucket's hash, ARGV = burst, refill per second; returns 1 (allowed) or 0.
#: Redis' own clock, so every process sees the same time.
REDIS_TOKEN_BUCKET = """
local now = redis.call('time')
now = tonumber(now[1]) + tonumber(now[2]) / 1e6
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('hmget', KEYS[1], 't', 's')
local tokens = tonumber(b[1]) or burst
local stamp = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - stamp) * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('hset', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('pexpire', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return ok
"""
