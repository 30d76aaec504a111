"""Front doors: ``vhuman worker`` (a worker process until SIGTERM) and the cluster
store/state the API tier uses when ``--redis`` is given."""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Callable
from typing import Any

from vhuman.models.types import InputError

from ..server.settings import ServerSettings
from ..server.state import Backends
from .worker import Worker, WorkerConfig

log = logging.getLogger(__name__)


def load_backends(spec: str | None, settings: ServerSettings) -> Backends:
    """The performer/brain/Q&A backends: ``module:function`` returning :class:`Backends`
    (called with the settings), or the real engine (live performer, dialogue brain)."""
    if not spec:
        from ..server.backends import default_backends

        return default_backends(settings)
    module_name, _, attr = spec.partition(":")
    try:
        factory: Callable[[ServerSettings], Backends] = getattr(
            importlib.import_module(module_name), attr or "backends")
    except (ImportError, AttributeError) as exc:
        raise InputError(f"--backends {spec!r}: cannot import it ({exc})") from None
    return factory(settings)


async def run_worker(config: WorkerConfig, backends_spec: str | None = None,
                     settings: ServerSettings | None = None) -> None:
    """Run one worker until SIGTERM/SIGINT, then drain (shows handed over) and exit."""
    settings = settings or ServerSettings()
    backends = await asyncio.to_thread(load_backends, backends_spec, settings)
    worker = Worker(config, backends, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await worker.run(stop)


def api_backends(settings: ServerSettings) -> Backends:
    """What an API replica runs itself: chat moderation and the Q&A engine. No
    performer and no language model: shows run on workers, models on their servers."""
    from vhuman.dialogue.moderation import default_moderator

    from ..server.backends import _qa_engine

    def no_performer(show_id: str, rundown: Any) -> Any:
        raise InputError("an API replica runs no performer; shows run on `vhuman worker`s")

    return Backends(performer_factory=no_performer, brain_factory=None,
                    qa=_qa_engine(settings), moderator_factory=default_moderator)


def cluster_store(settings: ServerSettings) -> Any:
    """The API tier's store: log writes through Redis to the archiver, reads from
    PostgreSQL."""
    from .logstream import StreamStore

    if not settings.redis_url:
        raise InputError("cluster mode needs redis_url")
    if not settings.database_url.startswith(("postgresql://", "postgresql+psycopg://",
                                             "postgres://")):
        raise InputError("cluster mode needs a PostgreSQL database_url (--database "
                         "postgresql://...); SQLite is the single-process store")
    return StreamStore(settings.redis_url, settings.database_url)
