"""Outgoing events of viewer chat sockets: acks on their own path, show events bounded.

A busy show must not make a viewer wait for the answer to their own message. Each socket
has two paths: **acks** (one per message that viewer sent, bounded by the connection's
rate limit, never dropped, always sent first) and **events** (chat echo, replies, "now
answering"; bounded, the oldest dropped for a slow client). Events are encoded once per
broadcast, not once per socket, and the chat echo is throttled per show: past a small
rate, accepted lines are coalesced into one ``chat_batch`` event a few times a second
(the most recent lines and a count of the skipped ones), so 500 busy viewers cost a few
broadcasts a second instead of 250,000 sends. Events go out uncompressed (``server_config`` turns
permessage-deflate off): compressing each small event cost more CPU than anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from vhuman.dialogue.moderation import RateLimiter

Event = dict[str, Any]


def encode(event: Event) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


class ViewerSocket:
    """One viewer connection's outbox (see the module docstring)."""

    def __init__(self, send_text: Callable[[str], Awaitable[Any]], size: int = 256) -> None:
        self.send_text = send_text
        self.size = size
        self._acks: deque[str] = deque()
        self._events: deque[str] = deque()
        self._wake = asyncio.Event()
        self.dropped = 0
        self.sent = 0
        self.viewer: str | None = None  # the name the socket chats as, once bound

    def ack(self, event: Event) -> None:
        """Queue an answer to this viewer's own message: never dropped, sent first."""
        self._acks.append(encode(event))
        self._wake.set()

    def offer(self, event: Event | str) -> None:
        """Queue a show event (already encoded or not); a full outbox drops its oldest."""
        if len(self._events) >= self.size:
            self._events.popleft()
            self.dropped += 1
        self._events.append(event if isinstance(event, str) else encode(event))
        self._wake.set()

    def take(self) -> str | None:
        """The next queued text (acks first), or None."""
        if self._acks:
            return self._acks.popleft()
        return self._events.popleft() if self._events else None

    @property
    def pending(self) -> int:
        return len(self._acks) + len(self._events)

    async def pump(self) -> None:
        """Send queued events until cancelled (acks before events)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while (text := self.take()) is not None:
                await self.send_text(text)
                self.sent += 1


class ChatEcho:
    """Shows accepted chat to a show's viewers within a send budget: each line at once
    while that costs less than ``sends_per_s`` socket sends a second (few viewers, calm
    chat), else coalesced into one ``chat_batch`` every ``interval_s`` (the newest
    ``batch`` lines and how many were skipped). The cost of the echo is then bounded by
    ``viewers / interval_s`` sends a second however busy the chat is."""

    def __init__(self, broadcast: Callable[[Event | str], None],
                 viewers: Callable[[], int] = lambda: 1, *, sends_per_s: float = 1000.0,
                 interval_s: float = 0.5, batch: int = 20) -> None:
        self.broadcast = broadcast
        self.viewers = viewers
        self.interval_s = interval_s
        self.batch = batch
        self.sends_per_s = sends_per_s
        self._budget = RateLimiter(sends_per_s, sends_per_s)
        self._pending: deque[Event] = deque(maxlen=batch)
        self._skipped = 0
        self._task: asyncio.Task[None] | None = None

    def _affordable(self) -> bool:
        """Take one broadcast's sends from the budget (a token bucket of sends)."""
        return self._budget.allow("echo", cost=max(1, self.viewers()))

    def add(self, line: Event) -> None:
        if not self._pending and self._affordable():
            self.broadcast({"type": "chat", **line})
            return
        if len(self._pending) == self.batch:
            self._skipped += 1
        self._pending.append(line)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush_later(),
                                                                name="chat-echo")

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.interval_s)
        lines, skipped = list(self._pending), self._skipped
        self._pending.clear()
        self._skipped = 0
        if len(lines) == 1 and not skipped:
            self.broadcast({"type": "chat", **lines[0]})
        elif lines:
            self.broadcast({"type": "chat_batch", "messages": lines, "skipped": skipped})

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
