"""Chat admission on the API tier: the same rules as the single-process chat queue
(empty, too long, blocked viewers, per-viewer rate, duplicates, moderation), with the shared state in
Redis so every replica applies them alike, then the message goes to the show's stream.

A message costs two Redis scripts: the viewer's token bucket (a refusal logs itself in
the same call), then, after moderation here, the duplicate check, the append to the
show's stream and the echo to every replica's viewers together. The calls of concurrent
messages share pipelines (:mod:`stage.cluster.batch`).
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
from .batch import Script, ScriptBatcher
from .logstream import stream_number

# the chat queue's token bucket (RateLimiter), run by Redis so every replica shares it;
# a refusal also logs the message
_RATE_OR_LOG = """if redis.call('sismember', KEYS[3], ARGV[4]) == 1 then
  redis.call('xadd', KEYS[2], '*', 'kind', 'chat', 'data',
             string.sub(ARGV[3], 1, -2) .. ',"status":"dropped:blocked"}')
  return -1
end""" + REDIS_TOKEN_BUCKET.replace("return ok", """if ok == 0 then
  redis.call('xadd', KEYS[2], '*', 'kind', 'chat', 'data',
             string.sub(ARGV[3], 1, -2) .. ',"status":"dropped:rate_limited"}')
end
return ok""")
"""A viewer the host blocked (in the set KEYS[3], ARGV[4] the viewer) is refused (-1),
else the viewer's bucket (KEYS[1]) decides (1 / 0); a refusal appends the message's log
record (ARGV[3], a JSON object its status is added to) to the log (KEYS[2])."""

_ADMIT = """
if tonumber(ARGV[1]) > 0 and not redis.call('set', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  redis.call('xadd', KEYS[4], '*', 'kind', 'chat', 'data',
             string.sub(ARGV[3], 1, -2) .. ',"status":"dropped:duplicate"}')
  return false
end
local id = redis.call('xadd', KEYS[2], '*', unpack(ARGV, 4))
if ARGV[2] ~= '' then redis.call('publish', KEYS[3], ARGV[2]) end
return id
"""
"""Duplicate window (KEYS[1], ARGV[1] ms, 0: none; a duplicate appends its log record,
ARGV[3] as above, to the log KEYS[4] and returns nil), else the message's fields
(ARGV[4:]) appended to the show's stream (KEYS[2]) and the echo ARGV[2] published on
KEYS[3]; returns the stream id."""

_LOG = Script("return redis.call('xadd', KEYS[1], '*', 'kind', 'chat', 'data', ARGV[1])")


class ChatIntake:
    """Admits viewer chat into ``vh:chat:<show>``; every decision is logged durably."""

    def __init__(self, redis: Any, policy: ChatPolicy, moderator: ChatModerator | None,
                 *, echo: bool = True, batch: ScriptBatcher | None = None) -> None:
        self.redis = redis
        self.policy = policy
        self.moderator = moderator
        self.echo = echo
        self._batch = batch or ScriptBatcher(redis)
        self._rate, self._admit = Script(_RATE_OR_LOG), Script(_ADMIT)

    async def submit(self, show_id: str, message: ChatMessage) -> ChatDecision:
        """Decide, then (accepted) append to the show's stream and echo it to viewers;
        a refusal is logged durably. ``ClusterUnavailable`` when Redis cannot take it
        (the caller answers 503)."""
        try:
            return await self._submit(show_id, message)
        except keys.redis_errors() as exc:
            raise keys.ClusterUnavailable(f"chat is unavailable for a moment (Redis: "
                                          f"{str(exc).splitlines()[0][:120]}); retry") from exc

    @staticmethod
    def _record(show_id: str, message: ChatMessage) -> str:
        """The message's log record without its status (added where it is dropped)."""
        return json.dumps({"show_id": show_id, "viewer": message.viewer, "text": message.text,
                           "source": message.source, "gift": message.gift,
                           "ts": time.time()})

    async def _refuse(self, show_id: str, message: ChatMessage, reason: str,
                      detail: str) -> ChatDecision:
        record = self._record(show_id, message)[:-1] + f',"status":"dropped:{reason}"}}'
        await self._batch(_LOG, [keys.LOG], [record])
        return ChatDecision(False, reason, detail, message)

    async def _submit(self, show_id: str, message: ChatMessage) -> ChatDecision:
        text = message.text.replace("\x00", "").strip()  # PostgreSQL text holds no NUL
        if not text:
            return await self._refuse(show_id, message, "empty", "message text is empty")
        if len(text) > self.policy.max_chars:
            return await self._refuse(show_id, message, "too_long",
                                      f"text is {len(text)} characters; limit "
                                      f"{self.policy.max_chars}")
        record = self._record(show_id, message)
        allowed = await self._batch(
            self._rate, [keys.rate(show_id, message.viewer), keys.LOG, keys.blocked(show_id)],
            [self.policy.rate_burst, self.policy.rate_per_s, record, message.viewer])
        if allowed == -1:
            return ChatDecision(False, "blocked", "the host blocked this viewer", message)
        if not allowed:
            return ChatDecision(False, "rate_limited", "too many messages; slow down", message)
        if self.moderator is not None:
            verdict = await moderate(self.moderator, text, message.viewer)
            if not verdict.allowed:
                return await self._refuse(show_id, message, "moderated",
                                          verdict.reason or "not allowed")
            text = verdict.cleaned or text
        key = dedup_key(text)
        window_ms = max(1, int(self.policy.dedup_window_s * 1000)) \
            if key and self.policy.dedup_window_s > 0 else 0
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:20] if window_ms else "-"
        fields = {"viewer": message.viewer, "text": text, "source": message.source,
                  "gift": repr(message.gift), "ref": message.client_ref or "",
                  "ts": repr(time.time())}
        echo = json.dumps({"type": "chat", "viewer": message.viewer, "text": text,
                           "gift": message.gift, "ref": message.client_ref}) \
            if self.echo else ""
        stream_id = await self._batch(
            self._admit, [keys.dedup(show_id, digest), keys.chat(show_id),
                          keys.events(show_id), keys.LOG],
            [window_ms, echo, record, *(x for kv in fields.items() for x in kv)])
        if stream_id is None:
            return ChatDecision(False, "duplicate", "same message was sent recently", message)
        message.text = text
        message.store_id = stream_number(stream_id)  # the id the client is given
        return ChatDecision(True, message=message)
