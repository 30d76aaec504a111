"""The one stream loop of the local backends: a blocking generation in a worker thread,
its text pieces handed to the event loop as they are produced, stop strings applied, and
the generation stopped when the reader stops reading."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence

from .base import LLMError
from .stops import stop_at

Push = Callable[[str], None]
"""Hands one decoded text piece to the reader (thread-safe)."""
Generate = Callable[[Push, threading.Event], None]
"""A blocking generation: writes pieces with ``push``, ends early once the event is set."""

_END = object()


async def stream_generation(generate: Generate, stop: Sequence[str] | None,
                            what: str) -> AsyncIterator[str]:
    """Yield what ``generate`` writes, cut at the first of ``stop``.

    An exception in the generation is raised here as :class:`LLMError` (``what``: the
    backend, for its message). Closing the stream, a stop string or an error sets the
    cancel event and waits for the generation to end (its model is free again after).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    cancel = threading.Event()

    def push(item: object) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is gone: the reader left, stop generating
            cancel.set()

    def work() -> None:
        try:
            generate(push, cancel)
        except Exception as exc:  # noqa: BLE001 - reported to the reader, never lost in the thread
            push(exc if isinstance(exc, LLMError) else LLMError(f"{what}: {exc}"))
        finally:
            push(_END)

    async def pieces() -> AsyncIterator[str]:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
            assert isinstance(item, str)
            yield item

    worker = loop.run_in_executor(None, work)
    try:
        async for text in stop_at(pieces(), stop):
            yield text
    finally:
        cancel.set()  # the reader stopped early (or a stop string): end the generation now
        await asyncio.shield(worker)
