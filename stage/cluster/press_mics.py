"""The press desk's microphones across API replicas: the replica that answered a
microphone's WebRTC offer holds its peer and publishes its state, partial text and
recognised turns here (Redis, keyed by the peer id, expiring an hour after the last
change), so any replica answers the page's polls; a close asked through another replica
waits here for the holder (:mod:`stage.server.routes.press_voice`)."""

from __future__ import annotations

import json
from typing import Any

from . import keys

TTL_S = 3600
CLOSE_TTL_S = 60


class RedisPressMics:
    """A :class:`~stage.server.routes.press_voice.PressMicBoard` in Redis."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    async def put(self, peer: str, record: dict[str, Any]) -> None:
        try:
            await self.redis.set(keys.press_mic(peer), json.dumps(record), ex=TTL_S)
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc

    async def get(self, peer: str) -> dict[str, Any] | None:
        try:
            raw = await self.redis.get(keys.press_mic(peer))
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc
        return None if raw is None else dict(json.loads(raw))

    async def ask_close(self, peer: str) -> None:
        try:
            await self.redis.set(keys.press_mic_close(peer), "1", ex=CLOSE_TTL_S)
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc

    async def close_asked(self, peer: str) -> bool:
        try:
            return bool(await self.redis.exists(keys.press_mic_close(peer)))
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"Redis unavailable: {exc}") from exc
