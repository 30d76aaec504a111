"""The cluster's :class:`~vhuman.stage.server.hosting.ShowHosting`: an API replica.

Shows run on ``vhuman worker``s; this process runs chat moderation and the Q&A engine,
writes the log through Redis and reads it from PostgreSQL, and adds the cluster's routes
(its ``POST /v1/shows`` stores the rundown for a worker to claim).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from ..server.settings import ServerSettings
from ..server.state import AppState, Backends
from ..store.base import Store
from .api import ClusterAppState
from .run import api_backends, cluster_store


class ClusterHosting:
    """Shows on workers, found through Redis; state shared with the other replicas."""

    runs_shows_here = False

    def backends(self, settings: ServerSettings) -> Backends:
        return api_backends(settings)

    def state(self, settings: ServerSettings, backends: Backends,
              store: Store | None) -> AppState:
        return ClusterAppState(settings, backends, store or cluster_store(settings))

    def routers(self) -> Sequence[APIRouter]:
        from .routes import router

        return (router,)
