"""Commands between an API replica and the worker holding a show, on a real Redis:
a streamed command's pieces reach the API one by one, as the worker makes them."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from vhuman.dialogue.reply import ReplySentence
from vhuman.models.types import Emotion
from vhuman.stage.cluster import keys
from vhuman.stage.cluster.command_table import Complete
from vhuman.stage.cluster.commands import CommandReader, CommandRefused, stream_command

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is installed by scripts/setup.sh")


class GatedBrain:
    """Says one sentence, then waits for ``gate`` before the next."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()

    async def reply_stream(self, message: str, viewer: Any = None, opener: Any = None,
                           context: Any = None) -> AsyncIterator[ReplySentence]:
        if message == "fail":
            raise ValueError("the brain refused")
        yield ReplySentence(f"First about {message}.", Emotion.NEUTRAL, 0.0)
        await self.gate.wait()
        yield ReplySentence("Second.", Emotion.NEUTRAL, 0.0)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    from vhuman.stage.cluster.testing import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server.url
    finally:
        server.stop()


def test_streamed_completion_pieces_arrive_before_the_reply_ends(redis_url: str) -> None:
    async def main() -> None:
        redis = keys.connect_redis(redis_url)
        brain = GatedBrain()
        session = SimpleNamespace(responder=SimpleNamespace(brain=brain))
        worker = SimpleNamespace(id="w1", redis=redis,
                                 held={"s1": SimpleNamespace(session=session)})
        reader = CommandReader(worker)  # type: ignore[arg-type]
        task = asyncio.create_task(reader.run())
        try:
            while "s1" not in reader.last:  # the reader listens from now on
                await asyncio.sleep(0.01)
            pieces = stream_command(redis, "s1", Complete(text="tides"), timeout_s=10)
            # the brain is still blocked before its second sentence: the first one is
            # already here
            assert (await pieces.__anext__())["text"] == "First about tides."
            assert not brain.gate.is_set()
            brain.gate.set()
            assert [p["text"] async for p in pieces] == ["Second."]
            with pytest.raises(CommandRefused, match="refused"):
                async for _ in stream_command(redis, "s1", Complete(text="fail"), timeout_s=10):
                    pass
        finally:
            await keys.stop_tasks([task])
            await redis.aclose()
    asyncio.run(main())
