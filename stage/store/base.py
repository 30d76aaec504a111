"""The :class:`Store` protocol: durable chat, Q&A audit and show logs.

Every write returns only after the record is committed, so whatever the server
acknowledged survives a killed process. :func:`open_store` picks the implementation
from a database URL (``sqlite:///path``, ``sqlite://:memory:``, ``postgresql://…``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass
class ChatRecord:
    """One viewer message as received (before moderation decides its fate)."""

    show_id: str
    viewer: str
    text: str
    source: str = "ws"
    gift: float = 0.0
    status: str = "received"  # received | queued | answered | dropped:<reason>
    ts: float = 0.0
    id: int | None = None

    @classmethod
    def from_row(cls, r: Sequence[Any]) -> ChatRecord:
        """From ``SELECT id, show_id, viewer, text, source, gift, status, ts``."""
        return cls(id=r[0], show_id=r[1], viewer=r[2], text=r[3], source=r[4], gift=r[5],
                   status=r[6], ts=r[7])


@dataclass
class QARecord:
    """One reporter question and the answer given (the audit log)."""

    key_name: str
    question: str
    answer: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    confidence: float = 0.0
    answered: bool = False
    latency_s: float = 0.0
    ts: float = 0.0
    id: int | None = None

    @classmethod
    def from_row(cls, r: Sequence[Any]) -> QARecord:
        """From ``SELECT id, key_name, question, answer, sources, confidence, answered,
        latency_s, ts`` (``sources`` as JSON text)."""
        return cls(id=r[0], key_name=r[1], question=r[2], answer=r[3],
                   sources=json.loads(r[4]), confidence=r[5], answered=bool(r[6]),
                   latency_s=r[7], ts=r[8])


@dataclass
class ShowEvent:
    """A show log line: segment started/ended, host override, error..."""

    show_id: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)
    ts: float = 0.0
    id: int | None = None

    @classmethod
    def from_row(cls, r: Sequence[Any]) -> ShowEvent:
        """From ``SELECT id, show_id, event, data, ts`` (``data`` as JSON text)."""
        return cls(id=r[0], show_id=r[1], event=r[2], data=json.loads(r[3]), ts=r[4])


@runtime_checkable
class Store(Protocol):
    """Durable logs. Methods block (call them via ``asyncio.to_thread`` in async code)."""

    url: str

    def add_chat(self, record: ChatRecord) -> int:
        """Commit a chat message; returns its id."""
        ...

    def set_chat_status(self, chat_id: int, status: str) -> None:
        """Record what became of a message (queued, answered, dropped:stale...)."""
        ...

    def add_qa(self, record: QARecord) -> int:
        """Commit a Q&A exchange to the audit log; returns its id."""
        ...

    def add_show_event(self, event: ShowEvent) -> int:
        """Commit a show log line; returns its id."""
        ...

    def chats(self, show_id: str | None = None, limit: int = 100) -> list[ChatRecord]:
        """Most recent chat messages first."""
        ...

    def qa_log(self, limit: int = 100, key_name: str | None = None) -> list[QARecord]:
        """Most recent Q&A exchanges first; only ``key_name``'s when given."""
        ...

    def show_events(self, show_id: str, limit: int = 1000) -> list[ShowEvent]:
        """A show's log in time order (the oldest of the last ``limit``)."""
        ...

    def close(self) -> None:
        ...
