"""One show held by a worker: its local session plus the cluster glue around it.

Chat comes from the show's Redis stream through the ``performers`` consumer group and is
acknowledged exactly when its fate is decided: just before the first sentence of its
answer is spoken (so a message is never answered twice, even if the worker dies right
after), or when it is dropped (stale, full queue) or its answer failed. The outcome goes
to the durable log in the same Redis transaction as the acknowledgement. Viewer events
(replies, "answering you") go to the show's pub/sub channel, for every API replica; the
rundown position goes to PostgreSQL before every line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from ..chat.message import ChatMessage
from ..server.routes.listen import guest_ears
from ..server.state import ShowSession
from . import keys
from .guestbook import GuestBook

if TYPE_CHECKING:
    from .worker import Worker

log = logging.getLogger(__name__)

FINAL = ("answered", "failed", "dropped")


class EventRelay:
    """Stands in the session's viewer set: every event a viewer would get is published
    on the show's channel instead (each API replica hands it to its own viewers)."""

    viewer: str | None = None
    """No viewer of its own (a session asks each of its sockets for its viewer name)."""
    relays_all = True
    """Events for one viewer go through too; the replicas deliver them to that viewer."""

    def __init__(self, redis: Any, show_id: str) -> None:
        self.redis = redis
        self.channel = keys.events(show_id)
        self.dropped = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    def offer(self, event: dict[str, Any] | str) -> None:
        task = asyncio.get_running_loop().create_task(self._publish(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, event: dict[str, Any] | str) -> None:
        try:
            text = event if isinstance(event, str) else json.dumps(event, default=str)
            await self.redis.publish(self.channel, text)
        except keys.redis_errors():
            self.dropped += 1  # a viewer event is ephemeral: the chat log keeps the reply


class HeldShow:
    """The cluster side of a session this worker holds."""

    def __init__(self, worker: Worker, session: ShowSession, *, desired: str) -> None:
        self.worker = worker
        self.session = session
        self.id = session.id
        self.desired = desired
        self.relay = EventRelay(worker.redis, session.id)
        self.stream_ids: dict[int, str] = {}  # ChatMessage.id -> chat stream id
        self.finalized: set[int] = set()
        self.position: dict[str, Any] | None = None
        self.saved_position: dict[str, Any] | None = None
        self.claimed_at = time.time()
        self.tasks: list[asyncio.Task[Any]] = []
        self.guests = GuestBook(worker.redis, session.id, session.performer,
                                ears=guest_ears(worker.local, session))
        self._position_dirty = asyncio.Event()
        session.viewers.add(self.relay)  # type: ignore[arg-type]
        session.chat.listeners.append(self._on_status)
        if session.responder is not None:
            session.responder.before_speaking = self._before_speaking

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._consume_chat(), name=f"chat-in:{self.id}"),
                      asyncio.create_task(self._write_positions(), name=f"ckpt:{self.id}")]

    async def restore_blocked(self) -> None:
        """The viewers the host blocked while another worker held the show (the chat
        desk's block list, shared in Redis), before any message is queued here."""
        try:
            self.session.chat.blocked.update(
                await self.worker.redis.smembers(keys.blocked(self.id)))
        except keys.redis_errors() as exc:  # the intake still refuses them
            log.warning("show %s: blocked viewers not restored (%s)", self.id, exc)

    async def stop(self) -> None:
        await keys.stop_tasks(self.tasks)
        await self.guests.close()

    # -- status ----------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        status = self.session.status()
        status["viewers"] = max(0, status["viewers"] - 1)  # not the relay
        status["worker"] = self.worker.id
        status["claimed_at"] = self.claimed_at
        status["position"] = self.position
        status["streams"] = bool(self.session.performer.streams_ticks)  # /params relayed
        return status

    # -- chat in ---------------------------------------------------------------------
    async def _consume_chat(self) -> None:
        """Take over the messages a previous holder left unacknowledged, then read new
        ones; Redis outages are waited out."""
        r, stream, me = self.worker.redis, keys.chat(self.id), self.worker.id
        taken_over = False
        while True:
            try:
                if not taken_over:
                    await keys.ensure_group(r, stream, keys.CHAT_GROUP)
                    start = "0-0"
                    while True:
                        nxt, entries, *_ = await r.xautoclaim(stream, keys.CHAT_GROUP, me, 0,
                                                              start, count=100)
                        for stream_id, fields in entries:
                            await self._admit(stream_id, fields)
                        if nxt == "0-0" or not entries:
                            break
                        start = nxt
                    taken_over = True
                got = await r.xreadgroup(keys.CHAT_GROUP, me, {stream: ">"}, count=50,
                                         block=1000)
                for stream_id, fields in (got[0][1] if got else []):
                    await self._admit(stream_id, fields)
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.warning("show %s: chat stream unreachable (%s); retrying", self.id, exc)
                taken_over = False  # our pending entries are re-read after the outage
                await asyncio.sleep(0.5)

    async def _admit(self, stream_id: str, fields: dict[str, str]) -> None:
        if not fields or stream_id in self.stream_ids.values():
            return  # deleted, or already in our queue (re-read after an outage)
        age = max(0.0, time.time() - float(fields.get("ts", time.time())))
        message = ChatMessage(viewer=fields.get("viewer", "viewer"),
                              text=fields.get("text", ""), source=fields.get("source", "ws"),
                              gift=float(fields.get("gift", 0) or 0),
                              received=time.monotonic() - age,
                              client_ref=fields.get("ref") or None)
        self.stream_ids[message.id] = stream_id
        await self.session.chat.submit(message)  # a drop reaches _on_status

    # -- outcomes --------------------------------------------------------------------
    def _on_status(self, message: ChatMessage, status: str) -> None:
        if status.split(":")[0] in FINAL and message.id in self.stream_ids \
                and message.id not in self.finalized:
            self.worker.spawn(self._finalize(message, status))

    async def _before_speaking(self, message: ChatMessage) -> None:
        if message.id in self.stream_ids and message.id not in self.finalized:
            await self._finalize(message, "answered", wait_s=2.0)

    async def _finalize(self, message: ChatMessage, status: str, wait_s: float = 60.0) -> None:
        """Acknowledge the message and log its outcome in one transaction (retried
        through a Redis outage for up to ``wait_s``; after that it goes on in the
        background)."""
        if message.id in self.finalized:
            return
        self.finalized.add(message.id)
        stream_id = self.stream_ids[message.id]
        record = {"kind": "chat", "data": json.dumps({
            "key": f"{self.id}:{stream_id}", "show_id": self.id, "viewer": message.viewer,
            "text": message.text, "source": message.source, "gift": message.gift,
            "status": status, "ts": time.time() - message.age, "worker": self.worker.id})}
        deadline = time.monotonic() + wait_s
        delay = 0.05
        while True:
            try:
                async with self.worker.redis.pipeline(transaction=True) as pipe:
                    pipe.xack(keys.chat(self.id), keys.CHAT_GROUP, stream_id)
                    pipe.xdel(keys.chat(self.id), stream_id)
                    pipe.xadd(keys.LOG, record)
                    await pipe.execute()
                break
            except keys.redis_errors() as exc:
                if time.monotonic() > deadline:
                    log.warning("show %s: ack of %s delayed (%s)", self.id, stream_id, exc)
                    self.worker.spawn(self._finalize_later(message, status, stream_id))
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
        self.stream_ids.pop(message.id, None)
        self.worker.counts[status.split(":")[0]] += 1

    async def _finalize_later(self, message: ChatMessage, status: str, stream_id: str) -> None:
        self.finalized.discard(message.id)
        self.stream_ids[message.id] = stream_id
        await self._finalize(message, status, wait_s=3600.0)

    # -- checkpoints -----------------------------------------------------------------
    def on_position(self, position: dict[str, Any]) -> None:
        """The runner's position before each line: written to PostgreSQL in the
        background (latest wins), so a slow or restarting database never stalls it."""
        self.position = position
        self._position_dirty.set()

    async def _write_positions(self) -> None:
        while True:
            await self._position_dirty.wait()
            await self.flush_position()

    async def flush_position(self, wait_s: float = 0.0) -> bool:
        """Write the latest position; retries for ``wait_s`` (e.g. when handing over)."""
        deadline = time.monotonic() + wait_s
        while True:
            self._position_dirty.clear()
            position = self.position
            if position is None or position == self.saved_position:
                return True
            try:
                await self.worker.db.save_checkpoint(self.id, position, self.worker.id)
                self.saved_position = position
                return True
            except keys.ClusterUnavailable as exc:
                if time.monotonic() > deadline and wait_s > 0:
                    log.warning("show %s: checkpoint not saved (%s)", self.id, exc)
                    return False
                await asyncio.sleep(0.5)
