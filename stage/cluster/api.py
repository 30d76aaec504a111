"""The API tier in cluster mode: :class:`ClusterAppState` stands where the single-process
:class:`~stage.server.state.AppState` stands, so the server's routes run unchanged.

Shows are remote: each :class:`RemoteShowSession` mirrors the status its holder
publishes (refreshed a few times a second), its ``performer`` and ``runner`` are proxies
whose method calls travel as commands to the holder, and its viewer set is fed from the
show's Redis channel (chat echo from any replica, replies from the worker). Chat is
admitted here (:mod:`stage.cluster.intake`) and written to the show's stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from vhuman.models.types import InputError, VhumanError

from ..chat.message import ChatDecision, ChatMessage
from ..performer import Performer
from ..server.settings import ServerSettings
from ..server.state import AppState, Backends, ShowSession, public_performer
from ..show.rundown import Rundown
from ..show.runner import ShowRunner
from ..store.base import Store
from . import keys
from .addresses import RedisAddressLimits
from .batch import ScriptBatcher
from .commands import CommandRefused, send_command, stream_command
from .db import Database, ShowSpec
from .intake import ChatIntake
from .lease import holders
from .params_relay import ParamsFeed

log = logging.getLogger(__name__)

REFRESH_S = 0.25


class RemoteHandle:
    """What a remote ``say``/``dance`` returns: the holder's handle id."""

    def __init__(self, handle_id: str | None) -> None:
        self.id = handle_id


class _Proxy:
    """Calls ``target.method(...)`` on the show's holder; arguments are bound by the
    real class' signature, so positional calls work as on the local object."""

    def __init__(self, state: ClusterAppState, show_id: str, target: str, cls: type) -> None:
        self._state, self._show_id, self._target, self._cls = state, show_id, target, cls

    def __getattr__(self, method: str) -> Any:
        real = getattr(self._cls, method, None)
        if method.startswith("_") or not callable(real):
            raise AttributeError(method)
        signature = inspect.signature(real)

        async def call(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(None, *args, **kwargs)
            arguments = dict(bound.arguments)
            arguments.pop("self", None)
            reply = await send_command(self._state.redis, self._show_id, self._target,
                                       method, arguments)
            result = reply.get("result")
            return RemoteHandle(result.get("handle")) if isinstance(result, dict) else result
        return call


class RemotePerformer(_Proxy):
    streams_ticks = False
    """Its ticks stay on the worker: video reaches viewers through the worker's WebRTC
    (the offer is a command); ``/params`` clients attach to the session's relay
    (:class:`~stage.cluster.params_relay.ParamsFeed`)."""

    def __init__(self, state: ClusterAppState, session: RemoteShowSession) -> None:
        super().__init__(state, session.id, "performer", Performer)
        self._session = session

    def metrics_registry(self) -> None:
        """The worker holds the performer; its metrics stay in the worker process."""
        return None

    def status(self) -> dict[str, Any]:
        return dict(self._session.remote.get("performer") or {})


class RemoteTranscript:
    """The transcript seen from an API replica: lines said through its routes (say-now,
    spoken Q&A) are recorded by the worker that holds their speech handles."""

    def __init__(self, state: ClusterAppState) -> None:
        self._state = state

    def spoken(self, show_id: str, kind: str, handles: Any, text: str, *,
               answered: str | None = None, viewer: str | None = None,
               sources: Any = (), **_: Any) -> asyncio.Task[None]:
        args = {"handles": [getattr(h, "id", None) for h in handles], "kind": kind,
                "text": text, "answered": answered, "viewer": viewer,
                "sources": list(sources)}

        async def send() -> None:
            try:
                await send_command(self._state.redis, show_id, "show", "transcribe", args)
            except VhumanError as exc:
                log.warning("show %s: transcript line not recorded: %s", show_id, exc)
        return self._state.spawn(send())


class RemoteBrain:
    """The holder's dialogue brain seen from an API replica (``/v1/chat/completions``):
    the reply is made on the worker and each sentence is relayed as it is made."""

    def __init__(self, state: ClusterAppState, show_id: str) -> None:
        self._state, self._show_id = state, show_id

    async def reply_stream(self, message: Any, viewer: str | None = None,
                           opener: bool | None = None,
                           context: Any = None) -> AsyncIterator[str]:
        raw = dataclasses.asdict(context) \
            if dataclasses.is_dataclass(context) and not isinstance(context, type) else {}
        async for sentence in stream_command(
                self._state.redis, self._show_id, "show", "complete",
                {"text": str(message), "viewer": viewer, "context": raw},
                timeout_s=COMPLETION_TIMEOUT_S):
            yield str(sentence)


class _RemoteResponder:
    def __init__(self, brain: RemoteBrain) -> None:
        self.brain = brain


COMPLETION_TIMEOUT_S = 60.0


class _QueueDepth:
    def __init__(self, session: RemoteShowSession) -> None:
        self._session = session

    def __len__(self) -> int:
        return int(self._session.remote.get("chat_queue") or 0)


class RemoteShowSession(ShowSession):
    """A show held by some worker, seen from an API replica."""

    def __init__(self, state: ClusterAppState, show_id: str) -> None:
        super().__init__(show_id, None, None, None)  # type: ignore[arg-type]
        self.remote: dict[str, Any] = {}
        self.worker: str | None = None
        self.performer = RemotePerformer(state, self)  # type: ignore[assignment]
        self.chat = _QueueDepth(self)  # type: ignore[assignment]
        self._runner = _Proxy(state, show_id, "runner", ShowRunner)
        self.responder = _RemoteResponder(RemoteBrain(state, show_id))  # type: ignore[assignment]
        self.params = ParamsFeed(state.redis, show_id)

    def params_source(self) -> Any | None:
        """The relay of the holder's ticks, when its performer streams them."""
        return self.params if self.remote.get("streams") else None

    def update(self, worker: str | None, remote: dict[str, Any] | None,
               failed: str | None = None) -> None:
        """The holder's latest status; ``failed``: why the last start attempt failed
        (the show's error while no worker holds it)."""
        self.worker = worker
        self.remote = remote if (worker and remote and remote.get("worker") == worker) else {}
        if self.remote.get("ready"):
            self.ready.set()
        else:
            self.ready.clear()
        self.error = self.remote.get("error") or (failed if worker is None else None)
        show = self.remote.get("show")
        self.runner = self._runner if show else None  # type: ignore[assignment]

    @property
    def show_running(self) -> bool:
        show = self.remote.get("show") or {}
        return show.get("state") in ("running", "paused")

    async def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.is_set():
            if time.monotonic() > deadline:
                raise VhumanError(f"show {self.id!r} is not on air yet (waiting for a worker "
                                  "with a free slot); try again shortly")
            await asyncio.sleep(0.05)

    def status(self, *, full: bool = True) -> dict[str, Any]:
        """The holder's status of the show plus ``worker`` (None while no worker holds
        it); without ``full``, only what the viewer page shows."""
        status = {"id": self.id, "title": None, "ready": False, "error": None, "show": None,
                  "performer": {}, "chat_queue": 0, **self.remote}
        status.update(worker=self.worker, viewers=len(self.viewers), error=self.error)
        status.pop("streams", None)  # the holder's note for the /params relay
        if not full:
            show = status.get("show")
            status["show"] = {k: show.get(k) for k in ("title", "state", "segment", "clock")} \
                if show else None
            status["performer"] = public_performer(status["performer"] or {})
            status["error"] = "unavailable" if status["error"] is not None else None
            for private in ("position", "claimed_at"):
                status.pop(private, None)
        return status


class ClusterAppState(AppState):
    """Shared services of one API replica; the shows live on workers."""

    cluster = True

    async def guest_call(self, session: ShowSession, method: str,
                         args: dict[str, Any]) -> dict[str, Any]:
        """Guests are on the worker that renders the show: a ``guests`` command, its
        refusals raised again as the local exception types."""
        from ..guests.room import InviteRefused
        from ..guests.service import NoProgram, NoSuchGuest

        try:
            reply = await send_command(self.redis, session.id, "guests", method, args,
                                       timeout_s=20.0 if method == "join" else 5.0)
        except CommandRefused as exc:
            kind = {"InviteRefused": InviteRefused, "NoSuchGuest": NoSuchGuest,
                    "NoProgram": NoProgram}.get(exc.kind, InputError)
            raise kind(str(exc)) from None
        return reply["result"]  # type: ignore[no-any-return]

    def __init__(self, settings: ServerSettings, backends: Backends, store: Store) -> None:
        super().__init__(settings, backends, store)
        if not settings.redis_url:
            raise InputError("the cluster API needs redis_url (--redis)")
        self.redis = keys.connect_redis(settings.redis_url)
        self.db = Database(settings.database_url)
        batch = ScriptBatcher(self.redis)  # chat's scripts share pipelines
        self.intake = ChatIntake(self.redis, settings.chat_policy(),
                                 backends.moderator_factory(), echo=settings.echo_chat,
                                 batch=batch)
        self.limits = RedisAddressLimits(self.redis, settings,  # type: ignore[assignment]
                                         batch=batch)
        self.workers: dict[str, dict[str, Any]] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self.transcript = RemoteTranscript(self)  # type: ignore[assignment]
        m = self.metrics
        m.describe("vhuman_cluster_workers", "gauge", "workers with a live heartbeat")
        m.describe("vhuman_cluster_slots", "gauge", "show slots of those workers")
        m.describe("vhuman_cluster_shows", "gauge", "shows registered / held by a worker")
        m.describe("vhuman_cluster_log_backlog", "gauge",
                   "log records waiting for the archiver (PostgreSQL behind or down)")

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """A short background task, kept referenced until it ends."""
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _ensure_started(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._refresh_loop(), name="cluster-refresh"),
                           asyncio.create_task(self._relay_events(), name="cluster-events")]

    # -- shows -----------------------------------------------------------------------
    async def create(self, show_id: str, rundown: Rundown | None = None, *,
                     wait: bool = True) -> ShowSession:
        """Register a show (a rundown loaded from a file) for the workers; an existing
        registration is kept."""
        if not show_id:  # VHUMAN_DEFAULT_SHOW="": this replica registers no show
            return RemoteShowSession(self, show_id)
        text = base = None
        if rundown is not None:
            if not isinstance(rundown.source, Path):
                raise InputError("a cluster show's rundown must come from a file or YAML text")
            text, base = rundown.source.read_text(encoding="utf-8"), rundown.source.parent
        desired = "running" if rundown is not None and self.settings.autostart else "idle"
        if wait:
            return await self.register(show_id, text, base, desired=desired, exist_ok=True)
        # at start-up: Redis or PostgreSQL may not be up yet; register when they are
        self._ensure_started()
        session = self.sessions.setdefault(show_id, RemoteShowSession(self, show_id))

        async def register_soon() -> None:
            while True:
                try:
                    await self.register(show_id, text, base, desired=desired, wait=False,
                                        exist_ok=True)
                    return
                except keys.ClusterUnavailable as exc:
                    log.warning("show %s not registered yet (%s); retrying", show_id, exc)
                    await asyncio.sleep(1.0)
        self._tasks.append(asyncio.create_task(register_soon(), name=f"register:{show_id}"))
        return session

    async def register(self, show_id: str, rundown_yaml: str | None, base_dir: Path | None,
                       *, desired: str = "idle", wait: bool = True,
                       exist_ok: bool = False) -> RemoteShowSession:
        self._ensure_started()
        base = str(base_dir.resolve()) if base_dir else None
        await self.db.ensure_schema()
        new = await self.db.put_show(ShowSpec(show_id, rundown_yaml, desired, base))
        if not new and not exist_ok:
            raise InputError(f"show {show_id!r} already exists")
        try:
            if new:  # a failure left by an earlier show of this id is not this one's
                await self.redis.delete(keys.failed(show_id))
            await self.redis.sadd(keys.SHOWS, show_id)
            if new:
                await self.redis.xadd(keys.START, {"show": show_id, "reason": "created"})
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc
        session = self.sessions.get(show_id)
        if session is None or new:
            session = RemoteShowSession(self, show_id)
            self.sessions[show_id] = session
        if wait:
            reason = await self._wait_on_air(session, 10.0)
            if reason is not None and new:
                await self._unregister(show_id)
                raise VhumanError(f"show {show_id!r} could not start its performer: "
                                  f"{reason}")
        return session  # type: ignore[return-value]

    async def _wait_on_air(self, session: ShowSession, timeout: float) -> str | None:
        """Until a worker put the show on air (None), reported why it could not (the
        reason), or ``timeout`` passed (None: queued until a slot frees up)."""
        deadline = time.monotonic() + timeout
        while not session.ready.is_set() and time.monotonic() < deadline:
            try:
                reason = await self.redis.get(keys.failed(session.id))
            except keys.redis_errors() as exc:
                raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc
            if reason is not None:
                return str(reason)
            await asyncio.sleep(0.1)
        return None

    async def _unregister(self, show_id: str) -> None:
        """Undo a registration whose show could not go on air: nothing is left, so the
        same id can be created again once the cause is fixed."""
        self.sessions.pop(show_id, None)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.srem(keys.SHOWS, show_id)
                pipe.delete(keys.failed(show_id))
                await pipe.execute()
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc
        await self.db.drop_show(show_id)
        self.sessions.pop(show_id, None)

    def start_show(self, session: ShowSession) -> ShowRunner:
        """Ask the holder to play the rundown (returns at once; the status follows)."""
        if session.show_running:
            raise InputError(f"show {session.id!r} is already running")

        async def start() -> None:
            try:
                await send_command(self.redis, session.id, "show", "start", {})
            except VhumanError as exc:
                log.warning("show %s: start failed: %s", session.id, exc)
        self.spawn(start())
        return session.runner  # type: ignore[return-value]

    async def close(self, show_id: str) -> None:
        """Take the show off the air everywhere (its worker drops it)."""
        self.sessions.pop(show_id, None)
        try:
            await self.redis.srem(keys.SHOWS, show_id)
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc
        await self.db.drop_show(show_id)

    async def close_all(self) -> None:
        """Replica shutdown: the shows stay on air; only our connections close."""
        await keys.stop_tasks([*self._tasks, *self._background])
        self._tasks = []
        await self.limits.close()
        await self.db.close()
        with contextlib.suppress(Exception):
            await self.redis.aclose()

    # -- chat ------------------------------------------------------------------------
    async def submit_chat(self, session: ShowSession, message: ChatMessage) -> ChatDecision:
        self._ensure_started()
        try:
            decision = await self.intake.submit(session.id, message)
        except keys.ClusterUnavailable as exc:  # 503 over HTTP, a refusal ack on a socket
            return ChatDecision(False, "unavailable", str(exc), message)
        self._on_chat_status(session.id, message, "queued" if decision.accepted
                             else f"dropped:{decision.reason}")
        return decision

    # -- background ------------------------------------------------------------------
    async def refresh(self) -> None:
        """Shows, their holders and statuses, and the workers, from Redis. Everything is
        read first and applied at once, so no request sees the shows of one refresh with
        the workers of the one before (a worker registers before it publishes a status:
        the workers read after the statuses include every holder)."""
        shows = sorted(await self.redis.smembers(keys.SHOWS))
        held = await holders(self.redis, shows)
        statuses = await self.redis.mget([keys.status(s) for s in shows]) if shows else []
        failures = await self.redis.mget([keys.failed(s) for s in shows]) if shows else []
        ids = sorted(await self.redis.smembers(keys.WORKERS))
        beats = await self.redis.mget([keys.worker(w) for w in ids]) if ids else []
        backlog = await self.redis.xlen(keys.LOG)
        for show_id, raw, failed in zip(shows, statuses, failures, strict=True):
            session = self.sessions.get(show_id)
            if session is None:
                session = self.sessions[show_id] = RemoteShowSession(self, show_id)
            session.update(held[show_id], json.loads(raw) if raw else None,  # type: ignore[attr-defined]
                           failed=failed)
        for show_id in [s for s in self.sessions if s not in held]:
            self.sessions.pop(show_id)
        self.workers = {w: json.loads(b) for w, b in zip(ids, beats, strict=True) if b}
        m = self.metrics
        m.set("vhuman_cluster_workers", len(self.workers))
        m.set("vhuman_cluster_slots", sum(int(w.get("slots", 0)) for w in self.workers.values()))
        m.set("vhuman_cluster_shows", len(shows), {"state": "registered"})
        m.set("vhuman_cluster_shows", sum(1 for w in held.values() if w), {"state": "held"})
        m.set("vhuman_cluster_log_backlog", backlog)

    async def _refresh_loop(self) -> None:
        while True:
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.debug("cluster refresh failed: %s", exc)
            await asyncio.sleep(REFRESH_S)

    async def _relay_events(self) -> None:
        """Viewer events of every show, from whichever process published them."""
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.psubscribe(keys.EVENTS_PATTERN)
                async for item in pubsub.listen():
                    if item.get("type") != "pmessage":
                        continue
                    show_id = str(item["channel"]).removeprefix("vh:ev:")
                    session = self.sessions.get(show_id)
                    if session is None:
                        continue
                    event = json.loads(item["data"])
                    if event.get("type") == "chat":  # coalesced under a flood, as locally
                        session.echo.add({k: v for k, v in event.items() if k != "type"})
                    elif event.get("type") == "answering" and isinstance(event.get("to"), str):
                        session.send_to(event["to"], event)  # for the asker only
                    else:
                        session.broadcast(event)
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.warning("viewer event relay reconnecting (%s)", exc)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
