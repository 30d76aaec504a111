"""``vhuman worker``: puts shows on air from the cluster's start queue.

A worker registers with a heartbeat and its load, takes shows (from the ``vh:start``
stream, and any show whose lease lapsed) only while it has a free slot, holds a lease per
show and renews it, answers the show's chat from its consumer group, runs the host's
commands, checkpoints the rundown position to PostgreSQL, and archives the log stream.
On SIGTERM it drains: each show finishes its current line, its position is saved, its
lease released and its start re-queued, so another worker takes it over at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vhuman.models.types import InputError, VhumanError

from ..server.bridges import start_irc_bridge
from ..server.settings import ServerSettings
from ..server.state import AppState, Backends
from ..show.loader import parse_rundown
from ..show.runner import ShowRunner
from . import keys
from .archiver import Archiver
from .commands import CommandReader
from .db import Database, ShowSpec
from .held import HeldShow
from .lease import Leases
from .logstream import StreamStore
from .params_relay import ParamsPublisher

log = logging.getLogger(__name__)


@dataclass
class WorkerConfig:
    """How a worker joins the cluster."""

    redis_url: str
    database_url: str
    slots: int = 1
    worker_id: str | None = None
    lease_ttl_s: float = 5.0
    scan_s: float = 0.5
    drain_timeout_s: float = 60.0
    archive: bool = True


def worker_settings(base: ServerSettings) -> ServerSettings:
    """The worker's local chat queue: the API tier already moderated, rate-limited and
    de-duplicated; here the queue only orders, ages out and bounds."""
    return base.model_copy(update={"chat_rate_burst": 1e9, "chat_rate_per_s": 1e9,
                                   "chat_dedup_s": 0.0, "echo_chat": False,
                                   "default_show": ""})


class Worker:
    """One worker process's cluster membership and the shows it holds."""

    def __init__(self, config: WorkerConfig, backends: Backends,
                 settings: ServerSettings | None = None) -> None:
        self.config = config
        self.id = config.worker_id or f"{socket.gethostname()}-{os.getpid()}-" \
                                      f"{uuid.uuid4().hex[:4]}"
        self.redis = keys.connect_redis(config.redis_url)
        self.db = Database(config.database_url)
        self.store = StreamStore(config.redis_url, config.database_url)
        backends.moderator_factory = lambda: None  # moderated by the API tier
        self.settings = settings or ServerSettings()
        self.local = AppState(worker_settings(self.settings), backends, self.store)
        self.leases = Leases(self.redis, self.id, config.lease_ttl_s)
        self.held: dict[str, HeldShow] = {}
        self.claiming: set[str] = set()
        self.counts: Counter[str] = Counter()
        self.draining = False
        self.commands = CommandReader(self)
        self._last_renew: dict[str, float] = {}
        self._webrtc: Any | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, kept referenced, errors logged."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("worker task failed: %r", t.exception())
        task.add_done_callback(done)
        return task

    @property
    def free_slots(self) -> int:
        return self.config.slots - len(self.held) - len(self.claiming)

    # -- main loop -------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then drain and leave."""
        await self._wait_for_servers(stop)
        log.info("worker %s up: %d slot(s)", self.id, self.config.slots)
        loops = [asyncio.create_task(self._heartbeat(), name="heartbeat"),
                 asyncio.create_task(self._take_starts(), name="start-queue"),
                 asyncio.create_task(self._scan(), name="scan"),
                 asyncio.create_task(self.commands.run(), name="commands")]
        if self.config.archive:
            loops.append(asyncio.create_task(Archiver(self.redis, self.db, self.id).run(),
                                             name="archiver"))
        try:
            await stop.wait()
            await self.drain()
        finally:
            await keys.stop_tasks(loops)
            with contextlib.suppress(*keys.redis_errors()):
                await self.redis.delete(keys.worker(self.id))
                await self.redis.srem(keys.WORKERS, self.id)
            if self._webrtc is not None:
                await self._webrtc.close()
            await self.db.close()
            self.store.close()
            await self.redis.aclose()
            log.info("worker %s left", self.id)

    async def _wait_for_servers(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.redis.ping()
                await keys.ensure_group(self.redis, keys.START, keys.START_GROUP)
                await self.db.create_schema()
                return
            except keys.outage_errors() as exc:
                log.warning("worker %s waiting for Redis/PostgreSQL: %s", self.id, exc)
                await asyncio.sleep(1.0)

    async def _heartbeat(self) -> None:
        """Register with our load, renew every lease, publish each show's status."""
        period = self.config.lease_ttl_s / 3
        while True:
            try:
                info = {"id": self.id, "slots": self.config.slots, "shows": sorted(self.held),
                        "load": round(len(self.held) / max(1, self.config.slots), 3),
                        "host": socket.gethostname(), "pid": os.getpid(),
                        "draining": self.draining, "ts": time.time()}
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.set(keys.worker(self.id), json.dumps(info),
                             px=int(self.config.lease_ttl_s * 2000))
                    pipe.sadd(keys.WORKERS, self.id)
                    for show_id, held in self.held.items():
                        pipe.set(keys.status(show_id), json.dumps(held.status(), default=str),
                                 px=int(self.config.lease_ttl_s * 1000))
                    await pipe.execute()
                registered = await self.redis.smembers(keys.SHOWS)
                for show_id in [s for s in self.held if s not in registered]:
                    log.info("worker %s: show %s was deleted", self.id, show_id)
                    await self.leases.release(show_id)
                    self.spawn(self.drop(show_id))
                for show_id in list(self.claiming):  # warming up: keep the lease meanwhile
                    await self.leases.renew(show_id)
                for show_id in [s for s in self.held if s in registered]:
                    if await self.leases.renew(show_id):
                        self._last_renew[show_id] = time.monotonic()
                    else:
                        log.error("worker %s lost the lease of %s", self.id, show_id)
                        self.spawn(self.drop(show_id))
                await asyncio.to_thread(self.store.flush)
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.warning("worker %s: heartbeat failed (%s)", self.id, exc)
                # Fencing: a show whose lease may have lapsed is given up.
                now = time.monotonic()
                for show_id in list(self.held):
                    if now - self._last_renew.get(show_id, now) > self.config.lease_ttl_s:
                        self.spawn(self.drop(show_id))
            await asyncio.sleep(period)

    async def _take_starts(self) -> None:
        """Read start requests while a slot is free."""
        while True:
            if self.draining or self.free_slots <= 0:
                await asyncio.sleep(0.1)
                continue
            try:
                got = await self.redis.xreadgroup(keys.START_GROUP, self.id, {keys.START: ">"},
                                                  count=1, block=500)
                for stream_id, fields in (got[0][1] if got else []):
                    await self.redis.xack(keys.START, keys.START_GROUP, stream_id)
                    await self.redis.xdel(keys.START, stream_id)
                    await self.claim(fields.get("show", ""))
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.warning("worker %s: start queue unreachable (%s)", self.id, exc)
                await asyncio.sleep(0.5)

    async def _scan(self) -> None:
        """Claim shows nobody holds (their worker died or drained); a busier worker
        waits a little longer, so the emptiest one usually wins."""
        while True:
            await asyncio.sleep(self.config.scan_s)
            if self.draining or self.free_slots <= 0:
                continue
            try:
                shows = sorted(await self.redis.smembers(keys.SHOWS))
                orphans = [s for s in shows if s not in self.held and s not in self.claiming
                           and not await self.redis.exists(keys.lease(s), keys.failed(s))]
                if orphans:
                    await asyncio.sleep(0.1 * len(self.held) / max(1, self.config.slots))
                for show_id in orphans:
                    if self.free_slots > 0:
                        await self.claim(show_id)
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.warning("worker %s: scan failed (%s)", self.id, exc)

    # -- shows -----------------------------------------------------------------------
    async def claim(self, show_id: str) -> bool:
        """Take ``show_id`` if it is registered and unheld; put it on air."""
        if not show_id or show_id in self.held or show_id in self.claiming \
                or self.free_slots <= 0 or self.draining:
            return False
        self.claiming.add(show_id)
        try:
            if not await self.redis.sismember(keys.SHOWS, show_id) \
                    or await self.redis.exists(keys.failed(show_id)) \
                    or not await self.leases.claim(show_id):
                return False
            self._last_renew[show_id] = time.monotonic()
            try:
                spec = await self.db.get_show(show_id)
                position = await self.db.checkpoint(show_id)
            except keys.ClusterUnavailable as exc:
                log.warning("worker %s: cannot load show %s (%s)", self.id, show_id, exc)
                await self.leases.release(show_id)
                return False
            if spec is None:
                await self.leases.release(show_id)
                return False
            try:
                await self._put_on_air(spec, position)
            except keys.outage_errors() as exc:
                log.warning("worker %s: cannot put %s on air (%s)", self.id, show_id, exc)
                await self.leases.release(show_id)
                return False
            except Exception as exc:  # noqa: BLE001 - the show's own fault: say why, let go
                await self._start_failed(show_id, exc)
                return False
            return True
        except Exception:
            with contextlib.suppress(Exception):
                await self.leases.release(show_id)
            raise
        finally:
            self.claiming.discard(show_id)

    async def _start_failed(self, show_id: str, exc: BaseException) -> None:
        """A show that could not go on air here (its performer or rundown failed): the
        reason is left for the API (the creator is told; a create made it, so the
        registration is undone there), the lease is released, and no worker tries the
        show again for :data:`keys.FAILED_TTL_S`."""
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = reason.removeprefix(f"show {show_id!r} could not start its performer: ")[:300]
        log.error("worker %s: show %s could not go on air: %s", self.id, show_id, reason)
        with contextlib.suppress(*keys.outage_errors()):
            await self.redis.set(keys.failed(show_id), reason, ex=keys.FAILED_TTL_S)
            await asyncio.to_thread(self.store.add_show_event, _event(
                show_id, "start_failed", {"worker": self.id, "error": reason}))
        with contextlib.suppress(*keys.outage_errors()):
            await self.leases.release(show_id)

    async def _put_on_air(self, spec: ShowSpec, position: dict[str, Any] | None) -> None:
        rundown = parse_rundown(spec.rundown, name=f"show {spec.id}",
                                base_dir=Path(spec.base_dir) if spec.base_dir else None) \
            if spec.rundown else None
        if spec.id in self.local.sessions:  # a dropped session still closing
            await self.local.close(spec.id)
        session = await self.local.create(spec.id, rundown, wait=True)
        held = HeldShow(self, session, desired=spec.desired)
        await held.guests.open()  # the guests a previous holder had, before any command
        await held.restore_blocked()
        self.held[spec.id] = held
        held.start()
        if session.performer.streams_ticks:  # /params sockets on the API replicas
            held.tasks.append(asyncio.create_task(
                ParamsPublisher(self.redis, spec.id, session.performer).run(),
                name=f"params-relay:{spec.id}"))
        if self.settings.irc_channel and spec.id == self.settings.default_show:
            held.tasks.append(start_irc_bridge(self.local, session))  # once, by the holder
        await asyncio.to_thread(self.store.add_show_event, _event(spec.id, "claimed", {
            "worker": self.id, "position": position, "claimed_at": held.claimed_at}))
        if rundown is not None and spec.desired == "running":
            self.start_runner(held, position)
        log.info("worker %s: show %s on air (position %s)", self.id, spec.id, position)

    def start_runner(self, held: HeldShow, position: dict[str, Any] | None = None) -> None:
        """Play the show's rundown, from ``position`` when it moved here mid-show."""
        session, state = held.session, self.local
        if session.rundown is None:
            raise VhumanError(f"show {session.id!r} has no rundown loaded")
        session.runner = ShowRunner(session.rundown, session.performer, chat=session.chat,
                                    responder=session.responder, qa=state.backends.qa,
                                    store=state.store, show_id=session.id,
                                    on_answer=lambda a: state.track_answer(session.id, a),
                                    resume=position, on_position=held.on_position)
        session.runner_task = session.runner.start()

        def ended(task: asyncio.Task[str]) -> None:
            self.spawn(self._runner_ended(held, task))
        session.runner_task.add_done_callback(ended)

    async def _runner_ended(self, held: HeldShow, task: asyncio.Task[str]) -> None:
        if task.cancelled() or task.exception() is not None or held.id not in self.held:
            return
        if task.result() in ("finished", "stopped"):
            held.desired = "idle"
            with contextlib.suppress(keys.ClusterUnavailable):
                await self.db.set_desired(held.id, "idle")
                await self.db.execute("DELETE FROM show_checkpoint WHERE show_id = %s",
                                      (held.id,))

    # -- video -----------------------------------------------------------------------
    def webrtc_viewers(self) -> Any:
        """The browsers watching this worker's shows: offers arrive as commands from
        the API tier (signalling); the media flows between browser and worker."""
        if self._webrtc is None:
            from ..outputs.webrtc import WebRtcViewers

            self._webrtc = WebRtcViewers(self._video_performer)
        return self._webrtc

    def _video_performer(self, show_id: str) -> Any:
        from ..server.live import can_stream

        held = self.held.get(show_id)
        if held is None:
            raise InputError(f"show {show_id!r} is not on this worker")
        if not can_stream(held.session.performer):
            raise InputError(f"show {show_id!r} has no video stream (its performer "
                             f"{type(held.session.performer).__name__} does not stream)")
        return held.session.performer

    async def _hang_up(self, held: HeldShow) -> None:
        if self._webrtc is not None:
            for peer_id, entry in list(self._webrtc.peers.items()):
                if entry[1] is held.session.performer:
                    await self._webrtc.drop(peer_id)

    async def drop(self, show_id: str) -> None:
        """Stop hosting a show at once (lease lost, or the show was deleted)."""
        held = self.held.pop(show_id, None)
        if held is None:
            return
        await held.stop()
        await self._hang_up(held)
        await self.local.close(show_id)

    async def hand_over(self, show_id: str) -> None:
        """Drain one show: its current line finishes, its position is saved, the lease
        is released and a start request queued for another worker."""
        held = self.held.get(show_id)
        if held is None:
            return
        runner = held.session.runner
        if runner is not None and held.session.show_running:
            await runner.hand_over()
            if held.session.runner_task is not None:
                await asyncio.wait({held.session.runner_task},
                                   timeout=self.config.drain_timeout_s)
        else:
            await _wait_idle(held.session.performer, self.config.drain_timeout_s)
        await held.flush_position(wait_s=10.0)
        self.held.pop(show_id, None)
        await held.stop()
        await asyncio.to_thread(self.store.add_show_event, _event(show_id, "handed_over", {
            "worker": self.id, "position": held.position}))
        await self._hang_up(held)  # the page reconnects to the next holder
        await self.local.close(show_id)
        with contextlib.suppress(*keys.redis_errors()):
            await self.leases.release(show_id)
            await self.redis.xadd(keys.START, {"show": show_id, "reason": "handover"})

    async def drain(self) -> None:
        """SIGTERM: take nothing new, hand every show over, then leave."""
        self.draining = True
        log.info("worker %s draining %d show(s)", self.id, len(self.held))
        await asyncio.gather(*(self.hand_over(s) for s in list(self.held)),
                             return_exceptions=True)


def _event(show_id: str, name: str, data: dict[str, Any]) -> Any:
    from ..store.base import ShowEvent

    return ShowEvent(show_id, name, {"event": name, **data})


async def _wait_idle(performer: Any, timeout: float) -> None:
    """Until the performer has nothing playing or queued (its status says so)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = performer.status()
        if not status.get("speaking") and not status.get("queue_depth"):
            return
        await asyncio.sleep(0.05)
