"""A held show's guests kept in Redis, so a worker that takes the show over keeps them.

The guest room lives in the memory of the worker that renders the show. :class:`GuestBook`
writes the room's snapshot (:meth:`GuestRoom.snapshot`: names, roles, states, expiry,
token *hashes*) to ``vh:guests:<show>`` after every change, from one writer task (latest
wins, retried through a Redis outage). When another worker claims the show — its holder
died or drained — it reads the snapshot before the show is on air here and restores the
room: invites stay valid, admitted guests stay admitted, and each guest's page joins
again with its token (the join reaches this worker like any guest command).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from . import keys

log = logging.getLogger(__name__)

KEEP_S = 8 * 86400
"""How long a show's guest list outlives its last change (invites last 7 days at most)."""


class GuestBook:
    """Saves and restores the guests of one show held by this worker."""

    def __init__(self, redis: Any, show_id: str, performer: Any, *, ears: Any = None) -> None:
        self.redis, self.show_id, self.performer = redis, show_id, performer
        self.ears = ears
        """What hears the guests' voices here (see ``GuestDesk.ears``), if anything."""
        self.key = keys.guests(show_id)
        self.desk: Any = None
        self.saved = 0
        self._dirty = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> int:
        """Restore what the previous holder saved and keep saving; returns how many guests
        came back. A performer without a live program has no guests: nothing to do."""
        from vhuman.stage.guests.service import ProgramHost, desk_of

        if not isinstance(self.performer, ProgramHost):
            return 0
        self._loop = asyncio.get_running_loop()
        self.desk = desk_of(self.performer)
        if self.desk.ears is None:
            self.desk.ears = self.ears
        restored = 0
        try:
            raw = await self.redis.get(self.key)
            records = json.loads(raw) if raw else []
            if records:
                restored = self.desk.restore(records)
                log.info("show %s: %d guest(s) taken over", self.show_id, restored)
        except keys.redis_errors() as exc:
            log.warning("show %s: guest list not read (%s); starting empty", self.show_id, exc)
        except ValueError:
            log.warning("show %s: stored guest list unreadable; starting empty", self.show_id)
        self.desk.room.listeners.append(self._changed)
        self._task = self._loop.create_task(self._write(), name=f"guests:{self.show_id}")
        return restored

    def _changed(self, guest: Any) -> None:
        """Room listener (any thread): a write is due."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._dirty.set)

    async def _write(self) -> None:
        while True:
            await self._dirty.wait()
            await self.flush()

    async def flush(self) -> None:
        """Write the latest snapshot (retries until Redis answers)."""
        delay = 0.05
        while True:
            self._dirty.clear()
            if self.desk is None:
                return
            text = json.dumps(self.desk.room.snapshot())
            try:
                await self.redis.set(self.key, text, ex=KEEP_S)
                self.saved += 1
                return
            except keys.redis_errors() as exc:
                log.warning("show %s: guest list not saved yet (%s)", self.show_id, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def close(self) -> None:
        """This worker lets the show go: a pending change is written, then saving stops
        (hanging up below must not be saved as the guests leaving) and the guests'
        connections here are closed — their pages join the next holder."""
        from vhuman.stage.guests.service import forget

        if self._task is not None:
            if self._dirty.is_set():
                try:
                    await asyncio.wait_for(self.flush(), 2.0)
                except TimeoutError:
                    log.warning("show %s: last guest change not saved", self.show_id)
            await keys.stop_tasks([self._task])
            self._task = None
        if self.desk is not None:
            with contextlib.suppress(ValueError):
                self.desk.room.listeners.remove(self._changed)
            if forget(self.performer) is self.desk:
                await self.desk.close()
            self.desk = None
