"""Stop strings on a streamed reply: cut across pieces, and the producer stopped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from vhuman.models.llm.stops import stop_at


def test_a_stop_string_split_over_pieces_ends_the_stream_and_closes_the_producer() -> None:
    closed: list[bool] = []

    async def pieces() -> AsyncIterator[str]:
        try:
            for piece in ("Hello the", "re!\nUs", "er: more", " never read"):
                yield piece
        finally:
            closed.append(True)

    async def run(stop: list[str]) -> str:
        return "".join([t async for t in stop_at(pieces(), stop)])

    assert asyncio.run(run(["\nUser:"])) == "Hello there!"
    assert closed == [True]
    assert asyncio.run(run(["\nNobody:"])) == "Hello there!\nUser: more never read"
    assert asyncio.run(run(["!\nUs"])) == "Hello there"  # held back while it may be a stop
