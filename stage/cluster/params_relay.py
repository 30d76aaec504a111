"""The animation-parameter stream (``/params``) across processes.

The performer ticks on the worker that holds the show; viewers' ``/params`` sockets are
on API replicas. While at least one replica listens on the show's channel
(``vh:params:<show>``, pub/sub), the worker's :class:`ParamsPublisher` takes the
performer's ticks and publishes each as one compact JSON frame; the vocabulary (morph and
bone names, fps) is in ``vh:params:hello:<show>``. On a replica, :class:`ParamsFeed`
subscribes while it has clients and hands every client queue a :class:`Tick` rebuilt
from the frame, so the parameter router serves them exactly as on one server (same
hello, same frames, JSON or binary). Nothing is published while nobody watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..outputs.base import AsyncTickQueue, Tick
from . import keys

log = logging.getLogger(__name__)

WATCH_S = 0.5
"""How often the publisher checks whether any replica listens."""
HELLO_TTL_S = 30


def channel(show_id: str) -> str:
    return f"vh:params:{show_id}"


def hello_key(show_id: str) -> str:
    return f"vh:params:hello:{show_id}"


def encode_frame(tick: Tick) -> str:
    """One tick as the relay's frame: every morph and bone value, in the hello's order."""
    pose = tick.pose
    return json.dumps({"i": tick.index, "t": tick.pts, "s": bool(tick.speaking),
                       "m": np.round(pose.morph[0], 5).tolist(),
                       "r": np.round(pose.rotations[0], 6).reshape(-1).tolist(),
                       "o": np.round(pose.root_offset[0], 6).tolist()},
                      separators=(",", ":"))


def encode_hello(tick: Tick) -> str:
    pose = tick.pose
    return json.dumps({"fps": tick.fps, "morphs": list(pose.morph_names),
                       "bones": list(pose.bone_names)})


@dataclass
class RelayedPose:
    """The one-frame pose a relayed tick carries (what the parameter router reads)."""

    morph_names: list[str]
    bone_names: list[str]
    morph: np.ndarray
    rotations: np.ndarray
    root_offset: np.ndarray


_EMPTY = np.zeros(0, np.float32)


def decode_frame(text: str, hello: dict[str, Any]) -> Tick:
    """A relay frame back into a tick (no image or audio: only the pose travels)."""
    frame = json.loads(text)
    morphs, bones = list(hello["morphs"]), list(hello["bones"])
    pose = RelayedPose(morphs, bones,
                       np.asarray(frame["m"], np.float32).reshape(1, len(morphs)),
                       np.asarray(frame["r"], np.float32).reshape(1, len(bones), 4),
                       np.asarray(frame["o"], np.float32).reshape(1, 3))
    return Tick(int(frame["i"]), float(frame["t"]), float(hello["fps"]), _EMPTY, _EMPTY, 0,
                pose=pose, speaking=bool(frame["s"]))


class ParamsPublisher:
    """On the worker: publishes a held show's ticks while a replica listens."""

    def __init__(self, redis: Any, show_id: str, performer: Any) -> None:
        self.redis, self.show_id, self.performer = redis, show_id, performer
        self.published = 0

    async def _listeners(self) -> int:
        counts = await self.redis.pubsub_numsub(channel(self.show_id))
        return int(counts[0][1]) if counts else 0

    async def run(self) -> None:
        while True:
            try:
                if await self._listeners():
                    await self._publish()
                else:
                    await asyncio.sleep(WATCH_S)
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.warning("show %s: parameter relay paused (%s)", self.show_id, exc)
                await asyncio.sleep(WATCH_S)

    async def _publish(self) -> None:
        """Attach to the performer, publish until nobody listens, detach."""
        loop = asyncio.get_running_loop()
        sub = AsyncTickQueue(loop, f"params-relay-{self.show_id}", max_queue=8)
        self.performer.add_output(sub)
        try:
            hello_sent = False
            next_check = loop.time() + WATCH_S
            while True:
                try:
                    tick = await asyncio.wait_for(sub.get(), WATCH_S)
                except TimeoutError:
                    tick = None
                if tick is not None and tick.pose is not None:
                    if not hello_sent:
                        await self.redis.set(hello_key(self.show_id), encode_hello(tick),
                                             ex=HELLO_TTL_S)
                        hello_sent = True
                    await self.redis.publish(channel(self.show_id), encode_frame(tick))
                    self.published += 1
                if loop.time() >= next_check:
                    next_check = loop.time() + WATCH_S
                    if not await self._listeners():
                        return
                    if hello_sent:
                        await self.redis.expire(hello_key(self.show_id), HELLO_TTL_S)
        finally:
            self.performer.remove_output(sub)
            sub.close()


class ParamsFeed:
    """On an API replica: one subscription per show while it has ``/params`` clients,
    fanned out to each client's queue."""

    def __init__(self, redis: Any, show_id: str) -> None:
        self.redis, self.show_id = redis, show_id
        self.outputs: list[Any] = []
        self._task: asyncio.Task[None] | None = None

    def add_output(self, output: Any) -> Any:
        self.outputs.append(output)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"params-feed:{self.show_id}")
        return output

    def remove_output(self, output: Any) -> None:
        if output in self.outputs:
            self.outputs.remove(output)
        if not self.outputs and self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        hello: dict[str, Any] | None = None
        while self.outputs:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(channel(self.show_id))
                async for item in pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    if hello is None:
                        raw = await self.redis.get(hello_key(self.show_id))
                        if raw is None:
                            continue
                        hello = json.loads(raw)
                    try:
                        tick = decode_frame(item["data"], hello)
                    except (ValueError, KeyError, TypeError):  # the vocabulary changed
                        hello = None
                        continue
                    for output in list(self.outputs):
                        output.offer(tick)
            except asyncio.CancelledError:
                raise
            except keys.redis_errors() as exc:
                log.warning("show %s: parameter feed reconnecting (%s)", self.show_id, exc)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
