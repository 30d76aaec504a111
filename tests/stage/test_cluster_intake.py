"""Chat admission on an API replica, on a real Redis: the same decisions as one server
(empty, too long, per-viewer rate, duplicates), each refusal in the durable log, an
accepted message in the show's stream and echoed to every replica's viewers."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from vhuman.stage.chat.message import ChatMessage
from vhuman.stage.chat.queue import ChatPolicy
from vhuman.stage.cluster import keys
from vhuman.stage.cluster.intake import ChatIntake
from vhuman.stage.cluster.testing import RedisServer

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is installed by scripts/setup.sh")


def test_intake_decides_logs_and_echoes_as_one_server(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()

    async def main() -> None:
        redis = keys.connect_redis(server.url)
        intake = ChatIntake(redis, ChatPolicy(rate_burst=2, rate_per_s=0.01, max_chars=40,
                                              dedup_window_s=30), None)
        pubsub = redis.pubsub()
        await pubsub.subscribe(keys.events("s1"))
        await pubsub.get_message(timeout=1.0)  # the subscription's confirmation

        first = await intake.submit("s1", ChatMessage("ann", "  Hello there!\x00 ",
                                                      client_ref="r1"))
        assert first.accepted and first.message is not None
        [(stream_id, fields)] = await redis.xrange(keys.chat("s1"))
        assert first.message.store_id is not None and fields["text"] == "Hello there!"
        assert fields["viewer"] == "ann" and fields["ref"] == "r1"
        echo = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2.0)
        assert echo is not None and json.loads(echo["data"])["text"] == "Hello there!"

        decisions = [await intake.submit("s1", ChatMessage(viewer, text)) for viewer, text in
                     [("bob", "hello THERE"), ("ann", "   "), ("ann", "x" * 41),
                      ("ann", "second one"), ("ann", "third one")]]
        assert [(d.accepted, d.reason) for d in decisions] == [
            (False, "duplicate"), (False, "empty"), (False, "too_long"), (True, ""),
            (False, "rate_limited")]
        assert len(await redis.xrange(keys.chat("s1"))) == 2
        logged = [json.loads(f["data"]) for _, f in await redis.xrange(keys.LOG)]
        assert [(r["viewer"], r["status"]) for r in logged] == [
            ("bob", "dropped:duplicate"), ("ann", "dropped:empty"),
            ("ann", "dropped:too_long"), ("ann", "dropped:rate_limited")]
        await pubsub.aclose()
        await redis.aclose()
    try:
        asyncio.run(main())
    finally:
        server.stop()
