"""The durable chat log with group commit: many acknowledged messages, one sync.

Every chat message is logged before it is acknowledged (an ack is a promise that the
message is on disk). Committing each on its own costs one fsync per message: at a few
hundred messages a second the disk, not the server, sets the ack latency. Here messages
arriving while a commit runs wait for the next one, which writes them all in a single
transaction (``store.add_chats`` when the store has it), so an ack still means "on disk"
and a burst costs one sync. Status updates (answered, dropped…) ride along in the same
thread hop. One writer task per log; it runs only while there is work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from ..store.base import ChatRecord, Store

log = logging.getLogger(__name__)


def write_batch(store: Store, records: list[ChatRecord],
                statuses: list[tuple[int, str]]) -> list[int]:
    """Commit ``records`` (one transaction when the store can) and apply ``statuses``;
    the records' ids in order. Blocking: runs in a worker thread."""
    add_many = getattr(store, "add_chats", None)
    ids = list(add_many(records)) if callable(add_many) and records else \
        [store.add_chat(r) for r in records]
    set_many = getattr(store, "set_chat_statuses", None)
    if statuses:
        if callable(set_many):
            set_many(statuses)
        else:
            for chat_id, status in statuses:
                store.set_chat_status(chat_id, status)
    return ids


class ChatLog:
    """Group-committing front of a :class:`~stage.store.base.Store` for chat."""

    def __init__(self, store: Store, max_batch: int = 512) -> None:
        self.store = store
        self.max_batch = max_batch
        self._records: list[tuple[ChatRecord, asyncio.Future[int]]] = []
        self._statuses: list[tuple[int, str]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0
        self.written = 0

    async def add(self, record: ChatRecord) -> int:
        """Log ``record``; returns its id once it is committed."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._records.append((record, future))
        self._wake()
        return await future

    def set_status(self, chat_id: int, status: str) -> None:
        """Record what became of a message (written with the next batch)."""
        self._statuses.append((chat_id, status))
        self._wake()

    def _wake(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain(),
                                                                  name="chat-log")

    async def _drain(self) -> None:
        while self._records or self._statuses:
            batch = self._records[:self.max_batch]
            del self._records[:len(batch)]
            statuses, self._statuses = self._statuses, []
            try:
                ids = await asyncio.to_thread(write_batch, self.store, [r for r, _ in batch],
                                              statuses)
            except Exception as exc:  # noqa: BLE001 - each waiter gets the error
                log.error("chat log: could not write %d messages: %s", len(batch), exc)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.batches += 1
            self.written += len(batch)
            for (_, future), chat_id in zip(batch, ids, strict=True):
                if not future.done():
                    future.set_result(chat_id)

    async def close(self) -> None:
        """Write what is pending, then stop."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer

    def stats(self) -> dict[str, Any]:
        return {"batches": self.batches, "written": self.written,
                "pending": len(self._records)}
