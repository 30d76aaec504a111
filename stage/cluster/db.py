"""PostgreSQL for the cluster: show specs, rundown checkpoints, and the log tables.

The log tables are the :class:`~stage.store.postgres.PostgresStore` ones (one schema),
each with a ``stream_id`` column: the archiver inserts every Redis log record once, by
its stream id, so a record delivered twice is stored once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from ..store.postgres import _SCHEMA as STORE_SCHEMA
from .keys import ClusterUnavailable

log = logging.getLogger(__name__)

_LOCK_ID = 0x76685F73  # advisory lock: concurrent processes create the schema one at a time

CLUSTER_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS cluster_show (
        id TEXT PRIMARY KEY, rundown TEXT, desired TEXT NOT NULL DEFAULT 'idle',
        base_dir TEXT,
        created DOUBLE PRECISION NOT NULL DEFAULT extract(epoch from now()))""",
    """CREATE TABLE IF NOT EXISTS show_checkpoint (
        show_id TEXT PRIMARY KEY, position TEXT NOT NULL, worker TEXT NOT NULL,
        updated DOUBLE PRECISION NOT NULL DEFAULT extract(epoch from now()))""",
    "ALTER TABLE chat ADD COLUMN IF NOT EXISTS stream_id TEXT",
    "CREATE UNIQUE INDEX IF NOT EXISTS chat_stream_id ON chat (stream_id)",
    "ALTER TABLE qa ADD COLUMN IF NOT EXISTS stream_id TEXT",
    "CREATE UNIQUE INDEX IF NOT EXISTS qa_stream_id ON qa (stream_id)",
    "ALTER TABLE show_log ADD COLUMN IF NOT EXISTS stream_id TEXT",
    "CREATE UNIQUE INDEX IF NOT EXISTS show_log_stream_id ON show_log (stream_id)",
]


@dataclass
class ShowSpec:
    """What a worker needs to put a show on air: its rundown YAML and desired state
    (``idle``: on stage, answering chat; ``running``: the rundown plays), and the folder
    its relative paths (music, avatar) resolve against."""

    id: str
    rundown: str | None
    desired: str = "idle"
    base_dir: str | None = None


def _url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


class Database:
    """One asyncio psycopg connection that reconnects after a server restart; every
    failure surfaces as :class:`ClusterUnavailable`."""

    def __init__(self, url: str) -> None:
        self.url = _url(url)
        self._conn: Any | None = None
        self._lock = asyncio.Lock()
        self._schema_ready = False

    async def _connect(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True,
                                                               connect_timeout=3)
        return self._conn

    async def execute(self, sql: str, params: tuple[Any, ...] = (), *,
                      fetch: bool = False) -> list[tuple[Any, ...]]:
        """Run one statement (autocommit: committed when this returns)."""
        import psycopg

        async with self._lock:
            for attempt in (0, 1):
                try:
                    conn = await self._connect()
                    cur = await conn.execute(sql, params)
                    return list(await cur.fetchall()) if fetch else []
                except psycopg.OperationalError as exc:
                    # a restarted server drops our connection: retry once on a new one
                    await self._drop()
                    if attempt:
                        raise ClusterUnavailable(f"PostgreSQL unavailable: {exc}") from exc
                except psycopg.InterfaceError as exc:
                    await self._drop()
                    if attempt:
                        raise ClusterUnavailable(f"PostgreSQL unavailable: {exc}") from exc
        raise AssertionError("unreachable")

    async def execute_many(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Run statements in one transaction: all are committed, or none."""
        import psycopg

        if not statements:
            return
        async with self._lock:
            for attempt in (0, 1):
                try:
                    conn = await self._connect()
                    async with conn.transaction(), conn.cursor() as cur:
                        # runs of the same statement go as one executemany (pipelined)
                        run: list[tuple[Any, ...]] = []
                        for i, (sql, params) in enumerate(statements):
                            run.append(params)
                            if i + 1 == len(statements) or statements[i + 1][0] != sql:
                                await cur.executemany(sql, run)
                                run = []
                    return
                except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                    await self._drop()
                    if attempt:
                        raise ClusterUnavailable(f"PostgreSQL unavailable: {exc}") from exc

    async def _drop(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._conn = None

    async def ensure_schema(self) -> None:
        """:meth:`create_schema` once per process."""
        if not self._schema_ready:
            await self.create_schema()
            self._schema_ready = True

    async def create_schema(self) -> None:
        """The store's log tables plus the cluster's, created once across processes."""
        await self.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            for stmt in [*STORE_SCHEMA, *CLUSTER_SCHEMA]:
                await self.execute(stmt)
        finally:
            await self.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))

    async def close(self) -> None:
        await self._drop()

    # -- shows and checkpoints ---------------------------------------------------------
    async def put_show(self, spec: ShowSpec) -> bool:
        """Register a show; False when one with this id exists already."""
        rows = await self.execute(
            "INSERT INTO cluster_show (id, rundown, desired, base_dir) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (id) DO NOTHING RETURNING id",
            (spec.id, spec.rundown, spec.desired, spec.base_dir), fetch=True)
        return bool(rows)

    async def get_show(self, show_id: str) -> ShowSpec | None:
        rows = await self.execute("SELECT id, rundown, desired, base_dir FROM cluster_show "
                                  "WHERE id = %s", (show_id,), fetch=True)
        return ShowSpec(*rows[0]) if rows else None

    async def set_desired(self, show_id: str, desired: str) -> None:
        await self.execute("UPDATE cluster_show SET desired = %s WHERE id = %s",
                           (desired, show_id))

    async def drop_show(self, show_id: str) -> None:
        await self.execute("DELETE FROM cluster_show WHERE id = %s", (show_id,))
        await self.execute("DELETE FROM show_checkpoint WHERE show_id = %s", (show_id,))

    async def save_checkpoint(self, show_id: str, position: dict[str, Any],
                              worker: str) -> None:
        await self.execute(
            "INSERT INTO show_checkpoint (show_id, position, worker, updated) "
            "VALUES (%s, %s, %s, extract(epoch from now())) ON CONFLICT (show_id) DO UPDATE "
            "SET position = EXCLUDED.position, worker = EXCLUDED.worker, "
            "updated = EXCLUDED.updated", (show_id, json.dumps(position), worker))

    async def checkpoint(self, show_id: str) -> dict[str, Any] | None:
        rows = await self.execute("SELECT position FROM show_checkpoint WHERE show_id = %s",
                                  (show_id,), fetch=True)
        return json.loads(rows[0][0]) if rows else None
