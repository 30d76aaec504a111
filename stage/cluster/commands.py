"""Host commands between the API tier and the worker holding a show.

The API appends ``{id, target, method, args}`` to the show's ``vh:cmd:<show>`` stream
and waits on the list ``vh:ack:<id>``; the holder reads every held show's stream with one
blocking ``XREAD``, calls the method on its performer or runner, and pushes the result.
A command is a method call on the real object, so the API's control routes run unchanged
against proxies (:mod:`stage.cluster.api`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vhuman.models.types import Emotion, InputError, VhumanError

from . import keys

if TYPE_CHECKING:
    from .worker import Worker

log = logging.getLogger(__name__)

ALLOWED: dict[str, frozenset[str]] = {
    "performer": frozenset({"say", "interrupt", "set_emotion", "gesture", "dance", "sing",
                            "show_overlay"}),
    "runner": frozenset({"pause", "resume", "skip", "stop", "host_say"}),
    "show": frozenset({"start", "transcribe", "complete"}),
    "webrtc": frozenset({"answer", "bye"}),  # video signalling, proxied by the API tier
    "guests": frozenset({"invite", "list", "control", "program", "join", "me", "caption"}),
}


def _plain(value: Any) -> Any:
    if isinstance(value, Emotion):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


async def _post(redis: Any, show_id: str, target: str, method: str, args: dict[str, Any],
                *, stream: bool = False) -> str:
    if method not in ALLOWED.get(target, ()):
        raise InputError(f"unknown command {target}.{method}")
    command_id = uuid.uuid4().hex
    fields = {"id": command_id, "target": target, "method": method,
              "args": json.dumps({k: _plain(v) for k, v in args.items()}),
              "sent": repr(time.time())}
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
        raise error
    return reply


async def send_command(redis: Any, show_id: str, target: str, method: str,
                       args: dict[str, Any], timeout_s: float = 5.0) -> dict[str, Any]:
    """Run ``target.method(**args)`` on the show's holder; returns its reply
    (``result``, ``worker``, ``received``). ``ClusterUnavailable`` when nobody answered
    in time, ``InputError`` when the worker refused it."""
    command_id = await _post(redis, show_id, target, method, args)
    return await _next_reply(redis, show_id, command_id, timeout_s)


async def stream_command(redis: Any, show_id: str, target: str, method: str,
                         args: dict[str, Any], timeout_s: float = 5.0) -> AsyncIterator[Any]:
    """Run a command whose result the holder sends piece by piece (:data:`STREAMED`),
    yielding each piece as soon as it arrives; ``timeout_s`` bounds the wait for the
    first piece and between pieces. Errors as :func:`send_command`."""
    command_id = await _post(redis, show_id, target, method, args, stream=True)
    while True:
        reply = await _next_reply(redis, show_id, command_id, timeout_s)
        if "piece" not in reply:
            return
        yield reply["piece"]


CONCURRENT = frozenset({"complete"})
"""Commands run beside the others (a reply takes model time; say-now must not wait)."""
STREAMED = frozenset({"complete"})
"""Commands that can send their result piece by piece (``stream_command``)."""


async def _complete(session: Any, args: dict[str, Any]) -> AsyncIterator[str]:
    """``/v1/chat/completions`` on the holder's brain: the reply's sentences, each as
    the brain makes it."""
    from vhuman.dialogue.reply import ReplyContext

    if session.responder is None:
        raise VhumanError("no dialogue brain configured")
    raw = args.get("context") or {}
    context = ReplyContext(history=[(str(who), str(text)) for who, text in
                                    raw.get("history") or []],
                           notes=[str(n) for n in raw.get("notes") or []],
                           max_tokens=raw.get("max_tokens"),
                           temperature=raw.get("temperature"))
    viewer = args.get("viewer")
    async for sentence in session.responder.brain.reply_stream(
            str(args.get("text", "")), str(viewer) if viewer else None, opener=False,
            context=context):
        yield str(getattr(sentence, "text", sentence))


class CommandRefused(InputError):
    """The holder refused a command; ``kind`` is its exception's class name."""

    kind: str = ""


def _args(method: str, args: dict[str, Any]) -> dict[str, Any]:
    out = dict(args)
    if out.get("emotion") is not None:
        out["emotion"] = Emotion.parse(out["emotion"])
    if method == "dance" and out.get("music"):
        out["music"] = Path(out["music"])
    if method == "sing" and out.get("score"):
        out["score"] = Path(out["score"])
    if "gestures" in out:
        out["gestures"] = tuple(out["gestures"] or ())
    return out


def _result(value: Any) -> Any:
    if isinstance(value, dict):  # e.g. a WebRTC answer
        return value
    handle_id = getattr(value, "id", None)
    if handle_id is not None and hasattr(value, "done"):
        return {"handle": handle_id}
    return _plain(value) if isinstance(value, str | int | float | bool | type(None)) else None


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
                        if fields.get("method") in CONCURRENT:  # seconds of model time
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
            if fields.get("stream") and fields.get("method") in STREAMED:
                await self._stream(show_id, fields)
                reply["result"] = None
            else:
                reply["result"] = await self._call(show_id, fields)
            reply["ok"] = True
        except (InputError, VhumanError, TypeError, ValueError) as exc:
            reply.update(ok=False, error=str(exc).splitlines()[0][:300],
                         kind=type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - answer the API whatever happened
            log.exception("show %s: command %s failed", show_id, fields.get("method"))
            reply.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        self.executed += 1
        await self._push(fields, reply)

    async def _push(self, fields: dict[str, str], message: dict[str, Any]) -> None:
        """Append to the command's answer list (pieces and the final reply in order)."""
        async with self.worker.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(keys.ack(fields.get("id", "")), json.dumps(message, default=str))
            pipe.expire(keys.ack(fields.get("id", "")), 30)
            await pipe.execute()

    async def _stream(self, show_id: str, fields: dict[str, str]) -> None:
        """A streamed command: each piece goes to the API as soon as it is made."""
        held = self.worker.held.get(show_id)
        if held is None:
            raise VhumanError(f"show {show_id!r} is not on this worker any more")
        async for piece in _complete(held.session, json.loads(fields.get("args", "{}"))):
            await self._push(fields, {"piece": piece})

    async def _call(self, show_id: str, fields: dict[str, str]) -> Any:
        target, method = fields.get("target", ""), fields.get("method", "")
        if method not in ALLOWED.get(target, ()):
            raise InputError(f"unknown command {target}.{method}")
        held = self.worker.held.get(show_id)
        if held is None:
            raise VhumanError(f"show {show_id!r} is not on this worker any more")
        args = _args(method, json.loads(fields.get("args", "{}")))
        session = held.session
        if target == "webrtc":
            viewers = self.worker.webrtc_viewers()
            if method == "answer":
                return await viewers.answer(str(args.get("sdp", "")), str(args.get("kind", "")),
                                            show_id, str(args.get("client", "remote")))
            return await viewers.bye(str(args.get("peer", "")), str(args.get("client", "")))
        if target == "guests":  # invites, host controls, a guest's WebRTC join
            from vhuman.stage.guests.service import GuestService

            return await GuestService(session.performer, session.runner).call(method, args)
        if target == "show" and method == "transcribe":
            handles = [self.handles[h] for h in args.get("handles", []) if h in self.handles]
            self.worker.local.transcript.spoken(
                show_id, str(args.get("kind", "host")), handles, str(args.get("text", "")),
                answered=args.get("answered"), viewer=args.get("viewer"),
                sources=list(args.get("sources") or ()))
            return None
        if target == "show" and method == "complete":
            return [piece async for piece in _complete(session, args)]
        if target == "show":  # start: play the rundown from its beginning
            if session.show_running:
                raise InputError(f"show {show_id!r} is already running")
            await self.worker.db.set_desired(show_id, "running")
            held.desired = "running"
            self.worker.start_runner(held, None)
            return None
        obj = session.performer if target == "performer" else session.runner
        if obj is None:
            raise InputError(f"show {show_id!r} is not running")
        result = await getattr(obj, method)(**args)
        if hasattr(result, "done") and getattr(result, "id", None) is not None:
            self.handles[result.id] = result
            while len(self.handles) > 1000:
                self.handles.popitem(last=False)
        return _result(result)
