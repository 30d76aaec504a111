"""Durable logs for chat, Q&A and shows (SQLite by default, PostgreSQL by URL)."""

from .base import ChatRecord, QARecord, ShowEvent, Store
from .factory import open_store
from .sqlite import SQLiteStore

__all__ = ["ChatRecord", "QARecord", "SQLiteStore", "ShowEvent", "Store", "open_store"]
