"""Chat admission on the API tier: the same rules as the single-process chat queue
(empty, too long, per-viewer rate, duplicates, moderation), with the shared state in
Redis so every replica applies them alike, then the message goes to the show's stream.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from vhuman.dialogue.moderation import REDIS_TOKEN_BUCKET, ChatModerator, dedup_key, moderate

from ..chat.message import ChatDecision, ChatMessage
from ..chat.queue import ChatPolicy
from . import keys
from .logstream import stream_number

# The chat queue's token bucket (RateLimiter), run by Redis so every replica shares it.
BUCKET_SCRIPT = REDIS_TOKEN_BUCKET


class ChatIntake:
    """Admits viewer chat into ``vh:chat:<show>``; every decision is logged durably."""

    def __init__(self, redis: Any, policy: ChatPolicy, moderator: ChatModerator | None,
                 *, echo: bool = True) -> None:
        self.redis = redis
        self.policy = policy
        self.moderator = moderator
        self.echo = echo
        self._bucket = redis.register_script(BUCKET_SCRIPT)

    async def submit(self, show_id: str, message: ChatMessage) -> ChatDecision:
        """Decide, then (accepted) append to the show's stream and echo it to viewers.
        ``ClusterUnavailable`` when Redis cannot take it (the caller answers 503)."""
        try:
            decision = await self._decide(show_id, message)
            if decision.accepted:
                fields = {"viewer": message.viewer, "text": message.text,
                          "source": message.source, "gift": repr(message.gift),
                          "ref": message.client_ref or "", "ts": repr(time.time())}
                stream_id = await self.redis.xadd(keys.chat(show_id), fields)
                message.store_id = stream_number(stream_id)  # the id the client is given
                if self.echo:
                    await self.redis.publish(keys.events(show_id), json.dumps(
                        {"type": "chat", "viewer": message.viewer, "text": message.text,
                         "gift": message.gift, "ref": message.client_ref}))
            else:
                await self.redis.xadd(keys.LOG, {"kind": "chat", "data": json.dumps({
                    "show_id": show_id, "viewer": message.viewer, "text": message.text,
                    "source": message.source, "gift": message.gift,
                    "status": f"dropped:{decision.reason}", "ts": time.time()})})
            return decision
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"chat is unavailable for a moment (Redis: "
                                          f"{str(exc).splitlines()[0][:120]}); retry") from exc

    async def _decide(self, show_id: str, message: ChatMessage) -> ChatDecision:
        text = message.text.replace("\x00", "").strip()  # PostgreSQL text holds no NUL
        if not text:
            return ChatDecision(False, "empty", "message text is empty", message)
        if len(text) > self.policy.max_chars:
            return ChatDecision(False, "too_long", f"text is {len(text)} characters; limit "
                                                   f"{self.policy.max_chars}", message)
        if not await self._bucket(keys=[keys.rate(show_id, message.viewer)],
                                  args=[self.policy.rate_burst, self.policy.rate_per_s]):
            return ChatDecision(False, "rate_limited", "too many messages; slow down", message)
        if self.moderator is not None:
            verdict = await moderate(self.moderator, text, message.viewer)
            if not verdict.allowed:
                return ChatDecision(False, "moderated", verdict.reason or "not allowed",
                                    message)
            text = verdict.cleaned or text
        key = dedup_key(text)
        if key and self.policy.dedup_window_s > 0:
            digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]
            fresh = await self.redis.set(keys.dedup(show_id, digest), "1", nx=True,
                                         px=max(1, int(self.policy.dedup_window_s * 1000)))
            if not fresh:
                return ChatDecision(False, "duplicate", "same message was sent recently",
                                    message)
        message.text = text
        return ChatDecision(True, message=message)
