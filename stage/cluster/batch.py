"""Redis scripts called by many coroutines at once, sent in shared pipelines.

Every chat message on an API replica runs a few small Lua scripts (its address' and its
viewer's token buckets, the admission). Sent one by one, each call costs the replica a
pool checkout, a write and a read of its own: at hundreds of messages a second that
overhead, not Redis, is what saturates the replica's core. A :class:`ScriptBatcher`
queues the calls: while one pipeline is in flight, new calls wait, and when it returns
every waiting call goes out in the next pipeline (no timer: an idle replica sends a lone
call at once; a busy one sends many per round trip).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

MAX_BATCH = 256


@dataclass
class Script:
    """A Lua script known by its SHA-1 (loaded into Redis when it is missing)."""

    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha = hashlib.sha1(self.source.encode("utf-8")).hexdigest()


@dataclass
class _Call:
    script: Script
    keys: list[str]
    args: list[Any]
    done: asyncio.Future[Any]


class ScriptBatcher:
    """Script calls from many coroutines, pipelined together (see the module docstring).
    A Redis error fails every call of its pipeline with that error."""

    def __init__(self, redis: Any, max_batch: int = MAX_BATCH) -> None:
        self.redis = redis
        self.max_batch = max_batch
        self._queue: list[_Call] = []
        self._sender: asyncio.Task[None] | None = None
        self.pipelines = 0
        self.calls = 0

    async def __call__(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append(_Call(script, keys, args, done))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send(),
                                                                  name="redis-batch")
        return await done

    async def _send(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            try:
                results = await self._run(batch)
            except asyncio.CancelledError:
                for call in batch:
                    if not call.done.done():
                        call.done.cancel()
                raise
            except Exception as exc:  # noqa: BLE001 - handed to every caller
                results = [exc] * len(batch)
            for call, result in zip(batch, results, strict=True):
                if call.done.done():  # its caller gave up
                    continue
                if isinstance(result, Exception):
                    call.done.set_exception(result)
                else:
                    call.done.set_result(result)

    async def _run(self, batch: list[_Call]) -> list[Any]:
        from redis.exceptions import NoScriptError

        self.pipelines += 1
        self.calls += len(batch)
        async with self.redis.pipeline(transaction=False) as pipe:
            for call in batch:
                pipe.evalsha(call.script.sha, len(call.keys), *call.keys, *call.args)
            results = list(await pipe.execute(raise_on_error=False))
        missing = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
        if missing:  # a restarted Redis forgot the scripts: load them, run those again
            for script in {batch[i].script.sha: batch[i].script for i in missing}.values():
                await self.redis.script_load(script.source)
            async with self.redis.pipeline(transaction=False) as pipe:
                for i in missing:
                    call = batch[i]
                    pipe.evalsha(call.script.sha, len(call.keys), *call.keys, *call.args)
                for i, result in zip(missing, await pipe.execute(raise_on_error=False),
                                     strict=True):
                    results[i] = result
        return results
