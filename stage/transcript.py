"""The transcript: every spoken line, what it answered, its source and its timing.

Chat replies, Q&A answers, host say-now lines and rundown lines all go through
:meth:`Transcript.spoken`, which waits (in the background) for the line's first audio and
its end, then writes one ``spoken`` show event to the store, so ``GET
/v1/shows/{id}/log`` shows what the character said and when. A line cut before any audio
is recorded too, with ``first_audio_s: null`` and ``completed: false``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .performer import SpeechHandle
from .store import ShowEvent, Store

log = logging.getLogger(__name__)


async def first_audio(handles: Sequence[SpeechHandle]) -> float | None:
    """Monotonic time of the first audio of any of ``handles`` (None: none was heard).

    A handle cut before it spoke (say-now, interrupt) does not stop the search: a later
    sentence of the same reply may still have been heard.
    """
    for handle in handles:
        waiters: set[asyncio.Future[Any]] = {asyncio.ensure_future(asyncio.shield(handle.started)),
                                             asyncio.ensure_future(asyncio.shield(handle.done))}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        if handle.started.done() and not handle.started.cancelled() and \
                handle.started.exception() is None:
            return handle.started.result()
    return None


async def _finished(handles: Sequence[SpeechHandle]) -> bool:
    ok = True
    for handle in handles:
        try:
            ok = bool(await asyncio.shield(handle.done)) and ok
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - a cut line
            ok = False
    return ok


class Transcript:
    """Writes ``spoken`` events for one server (all shows) into ``store``.

    ``on_first_audio(kind, show_id, seconds)`` is called with each line's delay from what
    it answered (or from being queued) to its first audio, e.g. to feed a histogram.
    """

    def __init__(self, store: Store,
                 on_first_audio: Callable[[str, str, float], None] | None = None) -> None:
        self.store = store
        self.on_first_audio = on_first_audio
        self._tasks: set[asyncio.Task[None]] = set()

    def spoken(self, show_id: str, kind: str, handles: Sequence[SpeechHandle], text: str, *,
               answered: str | None = None, viewer: str | None = None,
               chat_id: int | None = None, asked_at: float | None = None,
               sources: Sequence[str] = (), on_heard: Callable[[float | None],
                                                               Awaitable[None] | None] | None = None,
               ) -> asyncio.Task[None]:
        """Record a line (or a reply of several ``handles``) once it has been spoken.

        ``kind``: chat | qa | host | rundown; ``asked_at``: monotonic time of the message
        it answers (default: when the first handle was queued)."""
        queued_wall = time.time()

        async def run() -> None:
            if not handles:
                return
            origin = asked_at if asked_at is not None else handles[0].queued_at
            heard = await first_audio(handles)
            delay = None if heard is None else round(max(0.0, heard - origin), 4)
            if on_heard is not None:
                try:
                    result = on_heard(delay)
                    if asyncio.iscoroutine(result):
                        await result
                except Exception:  # noqa: BLE001 - the line is recorded whatever it did
                    log.exception("show %s: first-audio listener failed", show_id)
            if delay is not None and self.on_first_audio is not None:
                self.on_first_audio(kind, show_id, delay)
            completed = await _finished(handles)
            data: dict[str, Any] = {
                "event": "spoken", "kind": kind, "text": text,
                "source": ",".join(dict.fromkeys(sources)) or handles[0].source,
                "answered": answered, "viewer": viewer, "chat_id": chat_id,
                "queued_at": round(queued_wall, 3), "first_audio_s": delay,
                "completed": completed, "sentences": len(handles),
            }
            try:
                await asyncio.to_thread(self.store.add_show_event, ShowEvent(show_id, "spoken", data))
            except Exception:  # noqa: BLE001 - the transcript must not stop the show
                log.exception("could not store a spoken line for show %s", show_id)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait for pending records (e.g. before closing the store)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
