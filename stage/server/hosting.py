"""Where an app's shows run: the one seam between the server and scale-out.

``create_app(settings, hosting=...)`` takes a :class:`ShowHosting`; the app itself never
asks which mode it is in. :class:`LocalHosting` (the default) runs every show in this
process with the real engine; the cluster's hosting (``vhuman.stage.cluster.hosting``,
chosen by ``vhuman serve --redis``) keeps shows on workers and adds its routes. Both hand
the app the same :class:`~vhuman.stage.server.state.AppState` interface, so every route
works the same in both modes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fastapi import APIRouter

from ..store.base import Store
from ..store.factory import open_store
from .settings import ServerSettings
from .state import AppState, Backends


class ShowHosting(Protocol):
    """How an app holds its shows."""

    #: shows play in this process (a rundown given to ``vhuman serve`` autostarts here)
    runs_shows_here: bool

    def backends(self, settings: ServerSettings) -> Backends:
        """The models this process needs (blocking: called off the event loop)."""
        ...

    def state(self, settings: ServerSettings, backends: Backends,
              store: Store | None) -> AppState:
        """The app state the routes act on (``store``: one the caller owns, or None)."""
        ...

    def routers(self) -> Sequence[APIRouter]:
        """Routes this mode adds before the common ones (they win on the same path)."""
        ...


class LocalHosting:
    """Every show in this process: the live performer, the brain, SQLite by default."""

    runs_shows_here = True

    def backends(self, settings: ServerSettings) -> Backends:
        from .backends import default_backends

        return default_backends(settings)

    def state(self, settings: ServerSettings, backends: Backends,
              store: Store | None) -> AppState:
        return AppState(settings, backends, store or open_store(settings.database_url))

    def routers(self) -> Sequence[APIRouter]:
        return ()
