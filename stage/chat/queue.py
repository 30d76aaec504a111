"""The chat intake queue: moderated, deduplicated, rate-limited, prioritized, fresh.

Viewer messages arrive faster than a character can speak. The queue keeps only what is
worth answering: each message is moderated, dropped when it repeats a recent one, when its
viewer is over their rate, or — on the way out — when it has waited longer than
``max_age_s``. Among the rest, questions, first-time viewers and gifts go first, and
a message loses ``age_penalty_per_s`` of priority per second it waits, so under a flood
the fresh messages win (as a human host reads the bottom of a scrolling chat) and answer
latency stays low. Nothing piles up: the queue is bounded and evicts
its least valuable entry when full.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from vhuman.dialogue.moderation import ChatModerator, RateLimiter, RecentTexts, dedup_key, moderate
from vhuman.models.types import InputError

from .message import ChatDecision, ChatMessage

log = logging.getLogger(__name__)

StatusListener = Callable[[ChatMessage, str], None]
_QUESTION = re.compile(r"\?|^(who|what|when|where|why|how|which|can|could|do|does|did|is|"
                       r"are|will|would|should)\b", re.I)


@dataclass
class ChatPolicy:
    """Admission and ordering rules (all configurable from server settings)."""

    max_age_s: float = 20.0
    max_size: int = 200
    max_chars: int = 500
    rate_burst: float = 3.0  # messages a viewer may send at once
    rate_per_s: float = 0.5  # refill rate of that allowance
    dedup_window_s: float = 30.0
    question_bonus: float = 2.0
    first_time_bonus: float = 1.5
    gift_weight: float = 2.0  # priority += gift_weight * log1p(gift), capped at 6
    age_penalty_per_s: float = 0.5  # priority lost per second of waiting (0 = FIFO)

    def __post_init__(self) -> None:
        if self.max_age_s <= 0 or self.max_size < 1 or self.max_chars < 1:
            raise InputError("chat policy: max_age_s, max_size and max_chars must be > 0")
        if self.rate_burst < 1 or self.rate_per_s <= 0:
            raise InputError("chat policy: rate_burst must be >= 1 and rate_per_s > 0")


class ChatQueue:
    """Async priority queue of :class:`ChatMessage` with the admission rules above."""

    def __init__(self, policy: ChatPolicy | None = None,
                 moderator: ChatModerator | None = None) -> None:
        self.policy = policy or ChatPolicy()
        self.moderator = moderator
        self._heap: list[tuple[float, int, ChatMessage]] = []
        self._order = itertools.count()
        self._available = asyncio.Condition()
        self._limits = RateLimiter(self.policy.rate_burst, self.policy.rate_per_s)
        self._recent = RecentTexts(self.policy.dedup_window_s)
        self._seen_viewers: set[str] = set()
        self.listeners: list[StatusListener] = []
        self.counts: Counter[str] = Counter()
        self.blocked: set[str] = set()
        """Viewers the host blocked: their messages are dropped at intake."""
        self.recent_drops: deque[tuple[ChatMessage, str, str, float]] = deque(maxlen=100)
        """The latest dropped messages: (message, reason, detail, wall time)."""

    # -- intake ----------------------------------------------------------------------
    async def submit(self, message: ChatMessage) -> ChatDecision:
        """Admit or drop ``message``; the decision says which and why."""
        self.counts["received"] += 1
        text = message.text.strip()
        if not text:
            return self._drop(message, "empty", "message text is empty")
        if len(text) > self.policy.max_chars:
            return self._drop(message, "too_long",
                              f"text is {len(text)} characters; limit {self.policy.max_chars}")
        if message.viewer in self.blocked:
            return self._drop(message, "blocked", "the host blocked this viewer")
        now = time.monotonic()
        if not self._limits.allow(message.viewer, now):
            return self._drop(message, "rate_limited", "too many messages; slow down")
        key = dedup_key(text)
        if key and self._recent.count(key, now):
            return self._drop(message, "duplicate", "same message was sent recently")
        if self.moderator is not None:
            verdict = await moderate(self.moderator, text, message.viewer)
            if not verdict.allowed:
                return self._drop(message, "moderated", verdict.reason or "not allowed")
            text = verdict.cleaned or text
        if key:
            self._recent.note(key, now)
        message.text = text
        message.is_question = bool(_QUESTION.search(text))
        message.first_time = message.viewer not in self._seen_viewers
        self._seen_viewers.add(message.viewer)
        message.priority = self.priority_of(message)
        async with self._available:
            if len(self._heap) >= self.policy.max_size and not self._make_room(message):
                return self._drop(message, "full", "chat queue is full")
            heapq.heappush(self._heap, (self._key(message), next(self._order), message))
            self._available.notify()
        self.counts["accepted"] += 1
        self._notify(message, "queued")
        return ChatDecision(True, message=message)

    async def submit_back(self, message: ChatMessage) -> None:
        """Put back a message taken with :meth:`get` but not answered (no checks)."""
        async with self._available:
            heapq.heappush(self._heap, (self._key(message), next(self._order), message))
            self._available.notify()

    def _key(self, message: ChatMessage) -> float:
        # Effective priority = priority - penalty * age. Age grows alike for everyone, so
        # ordering by priority + penalty * arrival time is the same order, and static.
        return -(message.priority + self.policy.age_penalty_per_s * message.received)

    def mark(self, message: ChatMessage, status: str) -> None:
        """Tell listeners what became of a taken message (``answered``, ``failed``)."""
        self.counts[status] += 1
        self._notify(message, status)

    def priority_of(self, message: ChatMessage) -> float:
        """1 + question bonus + first-time bonus + gift weight (log-scaled, capped)."""
        p = 1.0
        if message.is_question:
            p += self.policy.question_bonus
        if message.first_time:
            p += self.policy.first_time_bonus
        if message.gift > 0:
            p += min(6.0, self.policy.gift_weight * math.log1p(message.gift))
        return p

    # -- output ----------------------------------------------------------------------
    async def get(self, timeout: float | None = None, *,
                  min_priority: float | None = None) -> ChatMessage | None:
        """The best fresh message, waiting up to ``timeout`` s (None = forever).

        With ``min_priority``, only a message at least that urgent is taken (others stay
        queued). Returns None on timeout. Stale messages met on the way are dropped.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        async with self._available:
            while True:
                self._drop_stale_top()
                if self._heap and (min_priority is None or
                                   self._heap[0][2].priority >= min_priority):
                    return heapq.heappop(self._heap)[2]
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                try:
                    await asyncio.wait_for(self._available.wait(), remaining)
                except TimeoutError:
                    return None

    def peek(self) -> ChatMessage | None:
        """The best fresh message without removing it."""
        self._drop_stale_top()
        return self._heap[0][2] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def entries(self) -> list[ChatMessage]:
        """The queued messages, in the order they would be answered."""
        return [entry[2] for entry in sorted(self._heap)]

    def remove(self, message_id: int) -> ChatMessage | None:
        """Take the queued message ``message_id`` out (None: not queued any more)."""
        for i, entry in enumerate(self._heap):
            if entry[2].id == message_id:
                self._heap.pop(i)
                heapq.heapify(self._heap)
                return entry[2]
        return None

    def skip(self, message: ChatMessage) -> None:
        """Drop a message taken out with :meth:`remove`: the host passed on it."""
        self._drop(message, "skipped", "the host skipped it")

    def block(self, viewer: str) -> list[ChatMessage]:
        """Drop ``viewer``'s queued messages and every later one; returns those dropped."""
        self.blocked.add(viewer)
        gone = [entry[2] for entry in self._heap if entry[2].viewer == viewer]
        if gone:
            self._heap = [entry for entry in self._heap if entry[2].viewer != viewer]
            heapq.heapify(self._heap)
            for message in gone:
                self._drop(message, "blocked", "the host blocked this viewer")
        return gone

    def purge_stale(self) -> int:
        """Drop every message older than ``max_age_s``; returns how many."""
        # One clock read and one pass; the heap is rebuilt only when something went
        # (a full queue under a flood calls this for every incoming message).
        cutoff = time.monotonic() - self.policy.max_age_s
        stale = [e for e in self._heap if e[2].received < cutoff]
        if not stale:
            return 0
        self._heap = [e for e in self._heap if e[2].received >= cutoff]
        heapq.heapify(self._heap)
        for _, _, msg in stale:
            self._drop(msg, "stale", "waited too long")
        return len(stale)

    # -- internals -------------------------------------------------------------------
    def _drop(self, message: ChatMessage, reason: str, detail: str) -> ChatDecision:
        self.counts[f"dropped_{reason}"] += 1
        self.recent_drops.append((message, reason, detail, time.time()))
        self._notify(message, f"dropped:{reason}")
        return ChatDecision(False, reason, detail, message)

    def _notify(self, message: ChatMessage, status: str) -> None:
        for listener in self.listeners:
            try:
                listener(message, status)
            except Exception:  # noqa: BLE001 - a listener must not break intake
                log.exception("chat status listener failed")

    def _drop_stale_top(self) -> None:
        while self._heap and self._heap[0][2].age > self.policy.max_age_s:
            self._drop(heapq.heappop(self._heap)[2], "stale", "waited too long")
        if self._heap and len(self._heap) > self.policy.max_size // 2:
            self.purge_stale()

    def _make_room(self, incoming: ChatMessage) -> bool:
        """Queue full: evict the least valuable queued message (lowest priority, then the
        one that would be answered last) unless ``incoming`` is worth less."""
        self.purge_stale()
        if len(self._heap) < self.policy.max_size:
            return True
        worst = max(range(len(self._heap)), key=lambda i: self._heap[i][:2])
        worst_msg = self._heap[worst][2]
        if self._heap[worst][0] <= self._key(incoming):
            return False
        self._heap.pop(worst)
        heapq.heapify(self._heap)
        self._drop(worst_msg, "full", "evicted by a more urgent message")
        return True
