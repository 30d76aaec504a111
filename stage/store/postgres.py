"""PostgreSQL store (``psycopg`` 3) for operators who outgrow one machine.

Same tables and semantics as :class:`~stage.store.sqlite.SQLiteStore`: every write is
committed before the call returns.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from vhuman.models.types import VhumanError

from .base import ChatRecord, QARecord, ShowEvent

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS chat (
        id BIGSERIAL PRIMARY KEY, show_id TEXT NOT NULL, viewer TEXT NOT NULL,
        text TEXT NOT NULL, source TEXT NOT NULL, gift DOUBLE PRECISION NOT NULL DEFAULT 0,
        status TEXT NOT NULL, ts DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS qa (
        id BIGSERIAL PRIMARY KEY, key_name TEXT NOT NULL, question TEXT NOT NULL,
        answer TEXT NOT NULL, sources TEXT NOT NULL, confidence DOUBLE PRECISION NOT NULL,
        answered BOOLEAN NOT NULL, latency_s DOUBLE PRECISION NOT NULL,
        ts DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS show_log (
        id BIGSERIAL PRIMARY KEY, show_id TEXT NOT NULL, event TEXT NOT NULL,
        data TEXT NOT NULL, ts DOUBLE PRECISION NOT NULL)""",
]


class PostgresStore:
    """A :class:`~stage.store.base.Store` on a PostgreSQL server (autocommit)."""

    def __init__(self, url: str) -> None:
        import psycopg  # lazy: optional dependency, checked by open_store

        self.url = url
        try:
            self._db: Any = psycopg.connect(url.replace("postgresql+psycopg://",
                                                        "postgresql://"), autocommit=True)
            for stmt in _SCHEMA:
                self._db.execute(stmt)
        except psycopg.Error as exc:
            raise VhumanError(f"cannot open PostgreSQL database: {exc}") from exc
        self._lock = threading.Lock()

    def _insert(self, sql: str, params: tuple[object, ...]) -> int:
        with self._lock:
            row = self._db.execute(sql + " RETURNING id", params).fetchone()
        return int(row[0])

    def add_chat(self, record: ChatRecord) -> int:
        record.ts = record.ts or time.time()
        record.id = self._insert(
            "INSERT INTO chat (show_id, viewer, text, source, gift, status, ts) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (record.show_id, record.viewer, record.text, record.source, record.gift,
             record.status, record.ts))
        return record.id

    def set_chat_status(self, chat_id: int, status: str) -> None:
        with self._lock:
            self._db.execute("UPDATE chat SET status = %s WHERE id = %s", (status, chat_id))

    def add_qa(self, record: QARecord) -> int:
        record.ts = record.ts or time.time()
        record.id = self._insert(
            "INSERT INTO qa (key_name, question, answer, sources, confidence, answered, "
            "latency_s, ts) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (record.key_name, record.question, record.answer, json.dumps(record.sources),
             record.confidence, record.answered, record.latency_s, record.ts))
        return record.id

    def add_show_event(self, event: ShowEvent) -> int:
        event.ts = event.ts or time.time()
        event.id = self._insert(
            "INSERT INTO show_log (show_id, event, data, ts) VALUES (%s, %s, %s, %s)",
            (event.show_id, event.event, json.dumps(event.data, default=str), event.ts))
        return event.id

    def chats(self, show_id: str | None = None, limit: int = 100) -> list[ChatRecord]:
        sql = "SELECT id, show_id, viewer, text, source, gift, status, ts FROM chat"
        params: tuple[object, ...] = ()
        if show_id is not None:
            sql, params = sql + " WHERE show_id = %s", (show_id,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY id DESC LIMIT %s",
                                    (*params, limit)).fetchall()
        return [ChatRecord.from_row(r) for r in rows]

    def qa_log(self, limit: int = 100, key_name: str | None = None) -> list[QARecord]:
        where, args = ("WHERE key_name = %s ", (key_name, limit)) if key_name is not None \
            else ("", (limit,))
        with self._lock:
            rows = self._db.execute(
                "SELECT id, key_name, question, answer, sources, confidence, answered, "
                f"latency_s, ts FROM qa {where}ORDER BY id DESC LIMIT %s", args).fetchall()
        return [QARecord.from_row(r) for r in rows]

    def show_events(self, show_id: str, limit: int = 1000) -> list[ShowEvent]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, show_id, event, data, ts FROM show_log WHERE show_id = %s "
                "ORDER BY id DESC LIMIT %s", (show_id, limit)).fetchall()
        return [ShowEvent.from_row(r) for r in reversed(rows)]

    def close(self) -> None:
        with self._lock:
            self._db.close()
