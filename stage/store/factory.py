"""Open a :class:`~stage.store.base.Store` from a database URL."""

from __future__ import annotations

import importlib.util

from vhuman.models.types import InputError, VhumanError

from .base import Store
from .sqlite import SQLiteStore


def open_store(url: str) -> Store:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite://:memory:`` or a
    ``postgresql://`` URL (needs the ``psycopg`` driver)."""
    if url.startswith("sqlite://"):
        rest = url[len("sqlite://"):]
        if rest in (":memory:", "/:memory:", ""):
            return SQLiteStore(":memory:")
        if not rest.startswith("/"):
            raise InputError(f"database_url {url!r}: expected sqlite:///path/to/file.db")
        return SQLiteStore(rest[1:] or ":memory:")
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        if importlib.util.find_spec("psycopg") is None:
            raise VhumanError(
                f"database_url {url.split('@')[-1]!r} needs the PostgreSQL driver: "
                "pip install 'psycopg[binary]'")
        from .postgres import PostgresStore

        return PostgresStore(url)
    raise InputError(f"database_url {url!r}: unsupported scheme; use sqlite:/// or "
                     "postgresql://")
