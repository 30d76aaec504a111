"""SQLite store (WAL journal, full sync): the default durable log for one machine."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

from vhuman.models.types import InputError, VhumanError

from .base import ChatRecord, QARecord, ShowEvent

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chat (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    show_id TEXT NOT NULL, viewer TEXT NOT NULL, text TEXT NOT NULL,
    source TEXT NOT NULL, gift REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL, ts REAL NOT NULL);
CREATE INDEX IF NOT EXISTS chat_show ON chat (show_id, id);
CREATE TABLE IF NOT EXISTS qa (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_name TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    sources TEXT NOT NULL, confidence REAL NOT NULL, answered INTEGER NOT NULL,
    latency_s REAL NOT NULL, ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS show_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    show_id TEXT NOT NULL, event TEXT NOT NULL, data TEXT NOT NULL, ts REAL NOT NULL);
CREATE INDEX IF NOT EXISTS show_log_show ON show_log (show_id, id);
"""


class SQLiteStore:
    """A :class:`~stage.store.base.Store` in one SQLite file.

    WAL lets readers run beside the writer; ``synchronous=FULL`` makes each commit
    durable before the call returns (a killed process or a power cut loses nothing that
    was acknowledged). One connection guarded by a lock: callers may use threads.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.url = f"sqlite:///{self.path}"
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise InputError(f"database directory does not exist: {parent}")
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False,
                                       isolation_level=None, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise VhumanError(f"cannot open SQLite database {self.path}: {exc}") from exc
        self._lock = threading.Lock()

    def _insert(self, sql: str, params: tuple[object, ...]) -> int:
        with self._lock:
            cur = self._db.execute(sql, params)  # autocommit: durable on return
            return int(cur.lastrowid or 0)

    def add_chat(self, record: ChatRecord) -> int:
        ts = record.ts or time.time()
        record.id = self._insert(
            "INSERT INTO chat (show_id, viewer, text, source, gift, status, ts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (record.show_id, record.viewer, record.text, record.source, float(record.gift),
             record.status, ts))
        record.ts = ts
        return record.id

    def add_chats(self, records: list[ChatRecord]) -> list[int]:
        """Commit several messages in one transaction (one sync for a burst)."""
        now = time.time()
        ids = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for record in records:
                    record.ts = record.ts or now
                    cur = self._db.execute(
                        "INSERT INTO chat (show_id, viewer, text, source, gift, status, ts) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (record.show_id, record.viewer, record.text, record.source,
                         float(record.gift), record.status, record.ts))
                    record.id = int(cur.lastrowid or 0)
                    ids.append(record.id)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return ids

    def set_chat_statuses(self, statuses: list[tuple[int, str]]) -> None:
        """Several status updates in one transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("UPDATE chat SET status = ? WHERE id = ?",
                                     [(status, chat_id) for chat_id, status in statuses])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def set_chat_status(self, chat_id: int, status: str) -> None:
        with self._lock:
            self._db.execute("UPDATE chat SET status = ? WHERE id = ?", (status, chat_id))

    def add_qa(self, record: QARecord) -> int:
        ts = record.ts or time.time()
        record.id = self._insert(
            "INSERT INTO qa (key_name, question, answer, sources, confidence, answered, "
            "latency_s, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (record.key_name, record.question, record.answer, json.dumps(record.sources),
             float(record.confidence), int(record.answered), float(record.latency_s), ts))
        record.ts = ts
        return record.id

    def add_show_event(self, event: ShowEvent) -> int:
        ts = event.ts or time.time()
        event.id = self._insert(
            "INSERT INTO show_log (show_id, event, data, ts) VALUES (?, ?, ?, ?)",
            (event.show_id, event.event, json.dumps(event.data, default=str), ts))
        event.ts = ts
        return event.id

    def chats(self, show_id: str | None = None, limit: int = 100) -> list[ChatRecord]:
        sql = "SELECT id, show_id, viewer, text, source, gift, status, ts FROM chat"
        params: tuple[object, ...] = ()
        if show_id is not None:
            sql += " WHERE show_id = ?"
            params = (show_id,)
        sql += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*params, limit)).fetchall()
        return [ChatRecord.from_row(r) for r in rows]

    def qa_log(self, limit: int = 100, key_name: str | None = None) -> list[QARecord]:
        where, args = ("WHERE key_name = ? ", (key_name, limit)) if key_name is not None \
            else ("", (limit,))
        with self._lock:
            rows = self._db.execute(
                "SELECT id, key_name, question, answer, sources, confidence, answered, "
                f"latency_s, ts FROM qa {where}ORDER BY id DESC LIMIT ?", args).fetchall()
        return [QARecord.from_row(r) for r in rows]

    def show_events(self, show_id: str, limit: int = 1000) -> list[ShowEvent]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, show_id, event, data, ts FROM show_log WHERE show_id = ? "
                "ORDER BY id DESC LIMIT ?", (show_id, limit)).fetchall()
        return [ShowEvent.from_row(r) for r in reversed(rows)]

    def close(self) -> None:
        with self._lock:
            self._db.close()
