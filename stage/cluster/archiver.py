"""The archiver: moves durable-log records from the Redis ``vh:log`` stream into
PostgreSQL through the ``archiver`` consumer group.

Each batch is inserted in one transaction, each record with its idempotency key (the stream id, or the chat stream id
for viewer chat) under a unique index, so a record delivered twice — an archiver killed
after the insert and before its acknowledgement — is stored once. A record is
acknowledged (and deleted from Redis) only after PostgreSQL committed it: while
PostgreSQL restarts, records wait in Redis. Any number of archivers may run (every worker
runs one); a dead archiver's pending records are claimed by the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from . import keys
from .db import Database

log = logging.getLogger(__name__)

BATCH = 200
CLAIM_IDLE_MS = 15000


def _number_to_stream_id(number: int) -> str:
    return f"{number // 1000}-{number % 1000}"


class Archiver:
    """One consumer of the archiver group; :meth:`run` until cancelled."""

    def __init__(self, redis: Any, db: Database, name: str) -> None:
        self.redis = redis
        self.db = db
        self.name = name
        self.archived = 0
        self.errors = 0

    async def write(self, stream_id: str, kind: str, data: dict[str, Any]) -> None:
        """Insert one record into PostgreSQL, once per idempotency key."""
        statement = self.statement(stream_id, kind, data)
        if statement is not None:
            await self.db.execute(*statement)

    def statement(self, stream_id: str, kind: str,
                  data: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
        """The SQL that stores one record (None for an unknown kind, which is logged)."""
        key = str(data.get("key") or stream_id)
        if kind == "chat":
            return (
                "INSERT INTO chat (show_id, viewer, text, source, gift, status, ts, stream_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (stream_id) DO NOTHING",
                (data["show_id"], data["viewer"], data["text"], data.get("source", "ws"),
                 float(data.get("gift", 0.0)), data.get("status", "received"),
                 float(data.get("ts", 0.0)), key))
        if kind == "chat_status":
            return ("UPDATE chat SET status = %s WHERE stream_id = %s",
                    (data["status"], _number_to_stream_id(int(data["number"]))))
        if kind == "qa":
            return (
                "INSERT INTO qa (key_name, question, answer, sources, confidence, answered, "
                "latency_s, ts, stream_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (stream_id) DO NOTHING",
                (data["key_name"], data["question"], data["answer"],
                 json.dumps(data.get("sources", [])), float(data.get("confidence", 0.0)),
                 bool(data.get("answered")), float(data.get("latency_s", 0.0)),
                 float(data.get("ts", 0.0)), key))
        if kind == "show_event":
            return (
                "INSERT INTO show_log (show_id, event, data, ts, stream_id) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (stream_id) DO NOTHING",
                (data["show_id"], data["event"], json.dumps(data.get("data", {}), default=str),
                 float(data.get("ts", 0.0)), key))
        log.warning("archiver: unknown record kind %r (%s) skipped", kind, stream_id)
        return None

    async def step(self, block_ms: int = 1000) -> int:
        """Archive one batch: this consumer's pending records first (left by a failed
        write), then records idle too long at dead consumers, then new ones. Returns
        how many were archived."""
        batch = await self._pending()
        if not batch:
            claimed = await self.redis.xautoclaim(keys.LOG, keys.LOG_GROUP, self.name,
                                                  CLAIM_IDLE_MS, "0-0", count=BATCH)
            batch = list(claimed[1])
        if not batch:
            got = await self.redis.xreadgroup(keys.LOG_GROUP, self.name, {keys.LOG: ">"},
                                              count=BATCH, block=block_ms)
            batch = list(got[0][1]) if got else []
        statements = []
        for stream_id, fields in batch:
            try:
                if fields:  # deleted entries come back as empty
                    statement = self.statement(stream_id, fields.get("kind", ""),
                                               json.loads(fields.get("data", "{}")))
                    if statement is not None:
                        statements.append(statement)
            except (ValueError, KeyError, TypeError) as exc:
                # a malformed record would block the stream forever: log it, move on
                self.errors += 1
                log.error("archiver: record %s skipped: %r", stream_id, exc)
        try:
            await self.db.execute_many(statements)  # one transaction per batch
        except keys.ClusterUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a record PostgreSQL refuses (bad data)
            log.warning("archiver: batch refused (%s); storing record by record", exc)
            await self._one_by_one(statements)
        done = [stream_id for stream_id, _ in batch]
        if done:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.xack(keys.LOG, keys.LOG_GROUP, *done)
                pipe.xdel(keys.LOG, *done)
                await pipe.execute()
            self.archived += len(done)
        return len(done)

    async def _one_by_one(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        for sql, params in statements:
            try:
                await self.db.execute(sql, params)
            except keys.ClusterUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - skip it, keep the rest
                self.errors += 1
                log.error("archiver: record refused by PostgreSQL, skipped: %s", exc)

    async def _pending(self) -> list[tuple[str, dict[str, str]]]:
        got = await self.redis.xreadgroup(keys.LOG_GROUP, self.name, {keys.LOG: "0"},
                                          count=BATCH)
        return list(got[0][1]) if got else []

    async def run(self) -> None:
        """Archive until cancelled; outages of Redis or PostgreSQL are waited out."""
        delay = 0.2
        ready = False
        while True:
            try:
                if not ready:
                    await keys.ensure_group(self.redis, keys.LOG, keys.LOG_GROUP)
                    ready = True
                await self.step()
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except keys.outage_errors() as exc:
                self.errors += 1
                ready = False
                log.warning("archiver %s waiting (%s)", self.name, str(exc).splitlines()[0])
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            except Exception:  # noqa: BLE001 - a bad record must not stop archiving
                self.errors += 1
                log.exception("archiver %s failed a batch", self.name)
                await asyncio.sleep(delay)
