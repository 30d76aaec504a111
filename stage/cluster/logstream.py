"""A :class:`~stage.store.base.Store` for cluster processes: writes go to the Redis log
stream (the archiver moves them to PostgreSQL, once each), reads come from PostgreSQL.

A write while Redis is unreachable is kept in a bounded memory buffer and sent when
Redis answers again (:meth:`StreamStore.flush`), so a Redis restart costs no log lines.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from typing import Any

from vhuman.models.types import VhumanError

from ..store.base import ChatRecord, QARecord, ShowEvent
from . import keys

log = logging.getLogger(__name__)


def stream_number(stream_id: str) -> int:
    """A stream id ``<ms>-<seq>`` as one integer (unique within its stream)."""
    ms, _, seq = stream_id.partition("-")
    return int(ms) * 1000 + int(seq or 0)


class StreamStore:
    """Store protocol over ``vh:log`` (writes) and PostgreSQL (reads)."""

    def __init__(self, redis_url: str, database_url: str, *, buffer: int = 10000) -> None:
        import redis

        self.url = database_url
        self._redis = redis.Redis.from_url(redis_url, decode_responses=True,
                                           socket_connect_timeout=1.0, socket_timeout=5.0)
        self._pending: deque[dict[Any, Any]] = deque(maxlen=buffer)
        self._lock = threading.Lock()
        self._reader: Any | None = None
        self.dropped = 0

    # -- writes --------------------------------------------------------------------------
    def append(self, kind: str, data: dict[str, Any]) -> str | None:
        """Queue one log record; returns its stream id, or None while buffered."""
        record: dict[Any, Any] = {"kind": kind, "data": json.dumps(data, default=str)}
        with self._lock:
            if self._pending:
                self._flush_locked()
            if self._pending:
                self._buffer(record)
                return None
            try:
                return str(self._redis.xadd(keys.LOG, record))
            except keys.redis_errors() as exc:
                log.warning("log stream unreachable (%s): buffering", exc)
                self._buffer(record)
                return None

    def _buffer(self, record: dict[Any, Any]) -> None:
        if len(self._pending) == self._pending.maxlen:
            self.dropped += 1
        self._pending.append(record)

    def flush(self) -> int:
        """Send buffered records; returns how many are still waiting."""
        with self._lock:
            self._flush_locked()
            return len(self._pending)

    def _flush_locked(self) -> None:
        while self._pending:
            try:
                self._redis.xadd(keys.LOG, self._pending[0])
            except keys.redis_errors():
                return
            self._pending.popleft()

    def add_chat(self, record: ChatRecord) -> int:
        record.ts = record.ts or time.time()
        sid = self.append("chat", {"show_id": record.show_id, "viewer": record.viewer,
                                   "text": record.text, "source": record.source,
                                   "gift": record.gift, "status": record.status,
                                   "ts": record.ts})
        record.id = stream_number(sid) if sid else None
        return record.id or 0

    def set_chat_status(self, chat_id: int, status: str) -> None:
        self.append("chat_status", {"number": chat_id, "status": status})

    def add_qa(self, record: QARecord) -> int:
        record.ts = record.ts or time.time()
        sid = self.append("qa", {"key_name": record.key_name, "question": record.question,
                                 "answer": record.answer, "sources": record.sources,
                                 "confidence": record.confidence,
                                 "answered": record.answered, "latency_s": record.latency_s,
                                 "ts": record.ts})
        return stream_number(sid) if sid else 0

    def add_show_event(self, event: ShowEvent) -> int:
        event.ts = event.ts or time.time()
        sid = self.append("show_event", {"show_id": event.show_id, "event": event.event,
                                         "data": event.data, "ts": event.ts})
        return stream_number(sid) if sid else 0

    # -- reads (PostgreSQL) --------------------------------------------------------------
    def _store(self) -> Any:
        if self._reader is None:
            from ..store.postgres import PostgresStore

            self._reader = PostgresStore(self.url)
        return self._reader

    def _read(self, method: str, *args: Any) -> Any:
        import psycopg

        try:
            return getattr(self._store(), method)(*args)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._reader = None  # reconnect next time (a restarted server)
            raise keys.ClusterUnavailable(f"PostgreSQL unavailable: {exc}") from exc
        except VhumanError as exc:
            self._reader = None
            raise keys.ClusterUnavailable(str(exc)) from exc

    def chats(self, show_id: str | None = None, limit: int = 100) -> list[ChatRecord]:
        return self._read("chats", show_id, limit)  # type: ignore[no-any-return]

    def qa_log(self, limit: int = 100, key_name: str | None = None) -> list[QARecord]:
        return self._read("qa_log", limit, key_name)  # type: ignore[no-any-return]

    def show_events(self, show_id: str, limit: int = 1000) -> list[ShowEvent]:
        return self._read("show_events", show_id, limit)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.flush()
        self._redis.close()
        if self._reader is not None:
            self._reader.close()
