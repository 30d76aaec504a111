"""The show clock: show time in seconds, stopped while the show is paused.

``speed`` > 1 runs show time faster than wall time (tests and rehearsals): a 10 s break
at ``speed=100`` lasts 0.1 s.
"""

from __future__ import annotations

import time

from vhuman.models.types import InputError


class ShowClock:
    """Monotonic show time that can pause; all waits are in show seconds."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise InputError(f"clock speed must be > 0, got {speed}")
        self.speed = speed
        self._origin: float | None = None
        self._paused_at: float | None = None
        self._paused_total = 0.0

    def start(self, offset: float = 0.0) -> None:
        """Start at show time ``offset`` (a show resumed elsewhere goes on from there)."""
        self._origin = time.monotonic() - offset / self.speed
        self._paused_at, self._paused_total = None, 0.0

    @property
    def started(self) -> bool:
        return self._origin is not None

    def now(self) -> float:
        """Show seconds since :meth:`start`, excluding paused time (0 before start)."""
        if self._origin is None:
            return 0.0
        end = self._paused_at if self._paused_at is not None else time.monotonic()
        return (end - self._origin - self._paused_total) * self.speed

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = time.monotonic()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_total += time.monotonic() - self._paused_at
            self._paused_at = None

    def wall(self, show_seconds: float) -> float:
        """Wall seconds that ``show_seconds`` of show time take."""
        return max(0.0, show_seconds) / self.speed
