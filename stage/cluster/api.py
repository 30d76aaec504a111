"""The API tier in cluster mode: :class:`ClusterAppState` stands where the single-process
:class:`~stage.server.state.AppState` stands, so the server's routes run unchanged.

Shows are remote: each :class:`RemoteShowSession` mirrors the status its holder
publishes (refreshed a few times a second), its ``performer`` and ``runner``
(:mod:`stage.cluster.remote`) have the real objects' typed methods, each sending one typed
command (:mod:`stage.cluster.command_table`) to the holder, and its viewer set is fed from the
show's Redis channel (chat echo from any replica, replies from the worker). Chat is
admitted here (:mod:`stage.cluster.intake`) and written to the show's stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from vhuman.models.types import InputError, VhumanError

from ..chat.message import ChatDecision, ChatMessage
from ..chat.responder import ChatResponder
from ..server.settings import ServerSettings
from ..server.state import AppState, Backends, ShowSession, public_performer
from ..show.controls import ShowControls
from ..show.rundown import Rundown
from ..store.base import Store
from . import keys
from .addresses import RedisAddressLimits
from .batch import ScriptBatcher
from .command_table import GuestCall, StartShow
from .commands import CommandRefused, send_command
from .db import Database, ShowSpec
from .intake import ChatIntake
from .lease import holders
from .params_relay import ParamsFeed
from .press_mics import RedisPressMics
from .remote import RemoteBrain, RemoteChatQueue, RemotePerformer, RemoteRunner, RemoteTranscript

log = logging.getLogger(__name__)

REFRESH_S = 0.25


class RemoteShowSession(ShowSession):
    """A show held by some worker, seen from an API replica."""

    held_here: ClassVar[bool] = False

    def __init__(self, state: ClusterAppState, show_id: str) -> None:
        self.remote: dict[str, Any] = {}
        self.worker: str | None = None
        performer = RemotePerformer(state, self)
        super().__init__(show_id, performer, RemoteChatQueue(state, self),
                         ChatResponder(RemoteBrain(state, show_id), performer))
        self._runner = RemoteRunner(state, self)
        self.run_of_show = self._runner
        """The run-of-show editor's way to the holder's rundown (shown before it starts)."""
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

    def controls(self) -> ShowControls | None:
        """The holder's runner, while the holder reports a show."""
        return self._runner if self.remote.get("show") else None

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
            command = GuestCall.model_validate({"method": method, "args": args})
        except ValidationError:
            raise InputError(f"unknown guest operation {method!r}") from None
        try:
            reply = await send_command(self.redis, session.id, command,
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
        self.press_board = RedisPressMics(self.redis)
        """Press-desk microphones, readable through every replica."""
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
        session = self._remote_session(show_id)

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
        if not isinstance(session, RemoteShowSession) or new:
            session = self.sessions[show_id] = RemoteShowSession(self, show_id)
        if wait:
            reason = await self._wait_on_air(session, 10.0)
            if reason is not None and new:
                await self._unregister(show_id)
                raise VhumanError(f"show {show_id!r} could not start its performer: "
                                  f"{reason}")
        return session
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

    def _remote_session(self, show_id: str) -> RemoteShowSession:
        """The show's session here, made when it is new."""
        session = self.sessions.get(show_id)
        if not isinstance(session, RemoteShowSession):
            session = self.sessions[show_id] = RemoteShowSession(self, show_id)
        return session

    def start_show(self, session: ShowSession) -> None:
        """Ask the holder to play the rundown (returns at once; the status follows)."""
        if session.show_running:
            raise InputError(f"show {session.id!r} is already running")

        async def start() -> None:
            try:
                await send_command(self.redis, session.id, StartShow())
            except VhumanError as exc:
                log.warning("show %s: start failed: %s", session.id, exc)
        self.spawn(start())

    async def close(self, show_id: str) -> None:
        """Take the show off the air everywhere (its worker drops it)."""
        self.sessions.pop(show_id, None)
        try:
            await self.redis.srem(keys.SHOWS, show_id)
            await self.redis.delete(keys.guests(show_id))  # a new show of that id starts empty
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
            self._remote_session(show_id).update(held[show_id], json.loads(raw) if raw else None,
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
