"""Stop strings applied on the streamed text, identically for every backend.

A stop string may straddle two pieces, so the scanner holds back the longest tail that
could still be the start of one, and releases it once it cannot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing


class StopScanner:
    """Feed text pieces; get the text safe to emit, and ``stopped`` once a stop matched."""

    def __init__(self, stops: Sequence[str] | None) -> None:
        self.stops = [s for s in (stops or []) if s]
        self._held = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        if self.stopped:
            return ""
        text = self._held + piece
        cut = min((i for i in (text.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped = True
            self._held = ""
            return text[:cut]
        hold = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:n]):
                    hold = max(hold, n)
                    break
        self._held = text[len(text) - hold :] if hold else ""
        return text[: len(text) - hold]

    def flush(self) -> str:
        rest, self._held = ("" if self.stopped else self._held), ""
        return rest


async def stop_at(pieces: AsyncIterator[str], stop: Sequence[str] | None) -> AsyncIterator[str]:
    """``pieces`` cut at the first of ``stop``: every backend's stream ends through here.
    ``pieces`` is closed when the stream ends (a stop string: its producer stops)."""
    scanner = StopScanner(stop)
    async with aclosing(pieces):  # type: ignore[type-var]  # async generators have aclose
        async for piece in pieces:
            text = scanner.feed(piece)
            if text:
                yield text
            if scanner.stopped:
                return
    rest = scanner.flush()
    if rest:
        yield rest
