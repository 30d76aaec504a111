"""Host commands between the API tier and the worker holding a show: the transport.

The API appends ``{id, command, sent}`` (a typed command of
:mod:`stage.cluster.command_table`, as JSON) to the show's ``vh:cmd:<show>`` stream and
waits on the list ``vh:ack:<id>``; the holder reads every held show's stream with one
blocking ``XREAD``, decodes the command, carries it out with the typed method of its
performer, runner, WebRTC viewers or guest desk, and pushes the result. A completion
sent with ``stream`` pushes each sentence as the brain makes it, then the reply
(:func:`stream_command`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from vhuman.models.types import InputError, VhumanError

from ..chat.message import clean_viewer_name
from ..server.rundesk import DeskRefused
from . import keys
from .command_table import (
    AnswerNow,
    BlockViewer,
    ChatView,
    Command,
    Complete,
    GuestCall,
    HostSay,
    Insert,
    Pause,
    Reorder,
    Resume,
    Skip,
    SkipMessage,
    StartShow,
    Stop,
    Timeline,
    Transcribe,
    UnblockViewer,
    WebRtcAnswer,
    WebRtcBye,
    decode,
    desk,
    direct,
    encode,
    perform,
)

if TYPE_CHECKING:
    from .worker import Worker

log = logging.getLogger(__name__)


async def _post(redis: Any, show_id: str, command: Command, *, stream: bool = False) -> str:
    """Append ``command`` to the show's command stream; returns its id."""
    command_id = uuid.uuid4().hex
    fields = {"id": command_id, "command": encode(command), "sent": repr(time.time())}
    if stream:
        fields["stream"] = "1"
    try:
        await redis.xadd(keys.commands(show_id), fields, maxlen=1000, approximate=True)
    except keys.redis_errors() as exc:
        raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc
    return command_id


async def _next_reply(redis: Any, show_id: str, command_id: str,
                      timeout_s: float) -> dict[str, Any]:
    """The holder's next message for the command (a piece, or its final reply)."""
    try:
        # waits in slices shorter than the client's socket timeout (a slow answer, such
        # as a WebRTC negotiation, is not a dead connection)
        deadline = time.monotonic() + timeout_s
        got = None
        while got is None and (left := deadline - time.monotonic()) > 0:
            got = await redis.blpop([keys.ack(command_id)], timeout=min(left, 2.0))
    except keys.redis_errors() as exc:
        raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc
    if got is None:
        raise keys.ClusterUnavailable(f"show {show_id!r}: no worker answered within "
                                      f"{timeout_s:g} s (it may be moving to another worker)")
    reply: dict[str, Any] = json.loads(got[1])
    if "piece" not in reply and not reply.get("ok"):
        error = CommandRefused(str(reply.get("error") or "command failed"))
        error.kind = str(reply.get("kind") or "")
        status = reply.get("status")
        error.status = int(status) if isinstance(status, int) else None
        error.detail = reply.get("detail", error.args[0])
        raise error
    return reply


async def send_command(redis: Any, show_id: str, command: Command,
                       timeout_s: float = 5.0) -> dict[str, Any]:
    """Have the show's holder carry out ``command``; returns its reply (``result``,
    ``worker``, ``received``). ``ClusterUnavailable`` when nobody answered in time,
    :class:`CommandRefused` when the worker refused it."""
    command_id = await _post(redis, show_id, command)
    return await _next_reply(redis, show_id, command_id, timeout_s)


async def stream_command(redis: Any, show_id: str, command: Complete,
                         timeout_s: float = 5.0) -> AsyncIterator[Any]:
    """Run a command whose result the holder sends piece by piece (a completion),
    yielding each piece as soon as it arrives; ``timeout_s`` bounds the wait for the
    first piece and between pieces. Errors as :func:`send_command`."""
    command_id = await _post(redis, show_id, command, stream=True)
    while True:
        reply = await _next_reply(redis, show_id, command_id, timeout_s)
        if "piece" not in reply:
            return
        yield reply["piece"]


async def _complete(session: Any, command: Complete) -> AsyncIterator[dict[str, Any]]:
    """``/v1/chat/completions`` on the holder's brain: the reply's sentences (wire form),
    each as the brain makes it."""
    from vhuman.dialogue.reply import ReplyContext

    if session.responder is None:
        raise VhumanError("no dialogue brain configured")
    context = ReplyContext(history=list(command.history), notes=list(command.notes),
                           max_tokens=command.max_tokens, temperature=command.temperature)
    async for sentence in session.responder.brain.reply_stream(
            command.text, command.viewer, opener=False, context=context):
        yield sentence.to_wire()


class CommandRefused(InputError):
    """The holder refused a command; ``kind`` is its exception's class name; ``status``
    and ``detail`` the HTTP status and detail of a control-room refusal
    (:class:`~stage.server.rundesk.DeskRefused`), as the single-server route gives them."""

    kind: str = ""
    status: int | None = None
    detail: Any = None


def _result(value: Any) -> Any:
    """What goes back to the API: a speech handle as its id, JSON as it is."""
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value  # a dict: e.g. a WebRTC answer; a list: a completion's sentences
    handle_id = getattr(value, "id", None)
    if handle_id is not None and hasattr(value, "done"):
        return {"handle": handle_id}
    return None


class CommandReader:
    """The worker's side: one blocking read over all held shows' command streams."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._running: set[asyncio.Task[None]] = set()
        self.last: dict[str, str] = {}
        self.executed = 0
        # recent speech handles by id, so the API can put them in the transcript
        self.handles: OrderedDict[Any, Any] = OrderedDict()

    async def run(self) -> None:
        r = self.worker.redis
        while True:
            try:
                held = list(self.worker.held)
                for show_id in held:
                    if show_id not in self.last:  # new here: only commands from now on
                        newest = await r.xrevrange(keys.commands(show_id), count=1)
                        self.last[show_id] = newest[0][0] if newest else "0-0"
                for show_id in list(self.last):
                    if show_id not in self.worker.held:
                        del self.last[show_id]
                if not self.last:
                    await asyncio.sleep(0.05)
                    continue
                got = await r.xread({keys.commands(s): i for s, i in self.last.items()},
                                    count=100, block=200)
                for stream, entries in got or []:
                    show_id = stream.removeprefix("vh:cmd:")
                    for entry_id, fields in entries:
                        self.last[show_id] = entry_id
                        if _concurrent(fields):  # seconds of model time
                            self._spawn(self._execute(show_id, fields))
                        else:
                            await self._execute(show_id, fields)
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.warning("worker %s: command streams unreachable (%s)", self.worker.id, exc)
                await asyncio.sleep(0.5)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _execute(self, show_id: str, fields: dict[str, str]) -> None:
        received = time.time()
        reply: dict[str, Any] = {"worker": self.worker.id, "received": received,
                                 "sent": float(fields.get("sent", received))}
        try:
            command = decode(fields.get("command", ""))
            if fields.get("stream") and isinstance(command, Complete):
                await self._stream(show_id, fields, command)
                reply["result"] = None
            else:
                reply["result"] = _result(await self._call(show_id, command))
            reply["ok"] = True
        except ValidationError as exc:  # a command this worker does not know (or garbage)
            reply.update(ok=False, kind="InputError",
                         error=f"unknown or malformed command: {exc.errors()[0]['msg']}"[:300])
        except DeskRefused as exc:  # the route's status and detail, as in single-server
            reply.update(ok=False, error=str(exc).splitlines()[0][:300],
                         kind=type(exc).__name__, status=exc.status, detail=exc.detail)
        except (InputError, VhumanError, TypeError, ValueError) as exc:
            reply.update(ok=False, error=str(exc).splitlines()[0][:300],
                         kind=type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - answer the API whatever happened
            log.exception("show %s: command failed: %.200s", show_id, fields.get("command"))
            reply.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        self.executed += 1
        await self._push(fields, reply)

    async def _push(self, fields: dict[str, str], message: dict[str, Any]) -> None:
        """Append to the command's answer list (pieces and the final reply in order)."""
        async with self.worker.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(keys.ack(fields.get("id", "")), json.dumps(message, default=str))
            pipe.expire(keys.ack(fields.get("id", "")), 30)
            await pipe.execute()

    async def _stream(self, show_id: str, fields: dict[str, str], command: Complete) -> None:
        """A streamed command: each piece goes to the API as soon as it is made."""
        held = self.worker.held.get(show_id)
        if held is None:
            raise VhumanError(f"show {show_id!r} is not on this worker any more")
        async for piece in _complete(held.session, command):
            await self._push(fields, {"piece": piece})

    async def _call(self, show_id: str, command: Command) -> Any:
        held = self.worker.held.get(show_id)
        if held is None:
            raise VhumanError(f"show {show_id!r} is not on this worker any more")
        session = held.session
        match command:
            case WebRtcAnswer():
                return await self.worker.webrtc_viewers().answer(
                    command.sdp, command.kind, show_id, command.client)
            case WebRtcBye():
                return await self.worker.webrtc_viewers().bye(command.peer, command.client)
            case GuestCall():  # invites, host controls, a guest's WebRTC join
                from vhuman.stage.guests.service import GuestService

                return await GuestService(session.performer, session.runner).call(
                    command.method, dict(command.args))
            case Transcribe():
                handles = [self.handles[h] for h in command.handles if h in self.handles]
                self.worker.local.transcript.spoken(
                    show_id, command.kind, handles, command.text, answered=command.answered,
                    viewer=command.viewer, sources=list(command.sources))
                return None
            case Complete():
                return [piece async for piece in _complete(session, command)]
            case StartShow():
                if session.show_running:
                    raise InputError(f"show {show_id!r} is already running")
                await self.worker.db.set_desired(show_id, "running")
                held.desired = "running"
                self.worker.start_runner(held, None)
                return None
            case BlockViewer() | UnblockViewer():
                done = await desk(self.worker.local, session, command)
                await self._share_block(show_id, command)
                return done
            case (Timeline() | Reorder() | Insert() | ChatView() | AnswerNow()
                  | SkipMessage()):
                return await desk(self.worker.local, session, command)
            case Pause() | Resume() | Skip() | Stop() | HostSay():
                if session.runner is None:
                    raise InputError(f"show {show_id!r} is not running")
                return self._remember(await direct(session.runner, command))
            case _:
                return self._remember(await perform(session.performer, command))

    async def _share_block(self, show_id: str, command: BlockViewer | UnblockViewer) -> None:
        """The blocked viewers, shared with every replica's chat intake (which refuses
        their chat, as the single-server queue does) and with a later holder."""
        try:
            if isinstance(command, BlockViewer):
                await self.worker.redis.sadd(keys.blocked(show_id),
                                             clean_viewer_name(command.viewer))
            else:
                await self.worker.redis.srem(keys.blocked(show_id), command.viewer)
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc

    def _remember(self, handle: Any) -> Any:
        """Keep recent speech handles by id, so the API can put them in the transcript."""
        if handle is not None and getattr(handle, "id", None) is not None:
            self.handles[handle.id] = handle
            while len(self.handles) > 1000:
                self.handles.popitem(last=False)
        return handle


def _concurrent(fields: dict[str, str]) -> bool:
    try:
        return decode(fields.get("command", "")).concurrent
    except ValidationError:
        return False
