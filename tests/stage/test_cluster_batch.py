"""Script calls of many coroutines share pipelines, on a real Redis: each caller gets its
own result or error, and a Redis that forgot its scripts (restarted) is handled."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from redis.exceptions import ResponseError

from vhuman.stage.cluster import keys
from vhuman.stage.cluster.batch import Script, ScriptBatcher
from vhuman.stage.cluster.testing import RedisServer

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is installed by scripts/setup.sh")

INCR = Script("return redis.call('incrby', KEYS[1], ARGV[1])")
FAIL = Script("return redis.error_reply('refused ' .. ARGV[1])")


def test_concurrent_calls_share_pipelines_and_keep_their_own_results(
        tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()

    async def main() -> None:
        redis = keys.connect_redis(server.url)
        batch = ScriptBatcher(redis)
        results = await asyncio.gather(*(batch(INCR, [f"k{i % 3}"], [i]) for i in range(60)))
        assert sorted(results[-3:]) == sorted(
            [sum(i for i in range(60) if i % 3 == r) for r in range(3)])
        assert batch.calls == 60 and batch.pipelines < 60  # shared, not one each
        ok, failed = await asyncio.gather(batch(INCR, ["k9"], [5]), batch(FAIL, [], ["x"]),
                                          return_exceptions=True)
        assert ok == 5 and isinstance(failed, ResponseError) and "refused x" in str(failed)
        await redis.script_flush()  # as after a restart
        assert await batch(INCR, ["k9"], [1]) == 6
        await redis.aclose()
    try:
        asyncio.run(main())
    finally:
        server.stop()
