"""Adaptive picture quality: when rendering cannot keep up, render smaller and less often.

The audio clock never waits for pictures, so an overloaded renderer costs repeated
pictures. Rather than repeat at random, the :class:`QualityGovernor` steps down through
:data:`LEVELS` — half the render size (upscaled to the output size), then every second,
then every third tick — while the measured time per picture does not fit in the time a
level gives it, and steps back up once it fits with room to spare (the machine calmed
down). Each step waits a moment (hysteresis) so one slow frame does not flip it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualityLevel:
    """Render at ``scale`` of the output size, a picture every ``stride`` ticks."""

    scale: float
    stride: int


LEVELS = (QualityLevel(1.0, 1), QualityLevel(0.5, 1), QualityLevel(0.5, 2),
          QualityLevel(0.5, 3))


class QualityGovernor:
    """Chooses the quality level from the render time per picture (seconds, smoothed).

    ``load`` = time per picture / time the level allows per picture (``stride / fps``).
    Above ``high`` for ``degrade_after_s``: one level down. Below ``low`` (a step up
    roughly doubles the cost) for ``recover_after_s``: one level up.
    """

    def __init__(self, fps: float, *, levels: tuple[QualityLevel, ...] = LEVELS,
                 high: float = 0.9, low: float = 0.4, degrade_after_s: float = 0.5,
                 recover_after_s: float = 2.0) -> None:
        self.frame_budget = 1.0 / fps
        self.levels = levels
        self.high, self.low = high, low
        self.degrade_after_s, self.recover_after_s = degrade_after_s, recover_after_s
        self.index = 0
        self.changes = 0
        self.degraded_since: float | None = None
        """When quality first left the top level (None while at the top)."""
        self.last_recovery_s: float | None = None
        """How long the last spell below the top level lasted."""
        self._over_since: float | None = None
        self._under_since: float | None = None

    @property
    def level(self) -> QualityLevel:
        return self.levels[self.index]

    def observe(self, frame_s: float, now: float) -> QualityLevel | None:
        """Feed the smoothed render time per picture; returns the new level on a change."""
        load = frame_s / (self.frame_budget * self.level.stride)
        if load > self.high and self.index < len(self.levels) - 1:
            self._under_since = None
            self._over_since = self._over_since if self._over_since is not None else now
            if now - self._over_since >= self.degrade_after_s:
                return self._step(+1, now, load)
        elif load < self.low and self.index > 0:
            self._over_since = None
            self._under_since = self._under_since if self._under_since is not None else now
            if now - self._under_since >= self.recover_after_s:
                return self._step(-1, now, load)
        else:
            self._over_since = self._under_since = None
        return None

    def _step(self, direction: int, now: float, load: float) -> QualityLevel:
        if self.index == 0:
            self.degraded_since = now
        self.index += direction
        self.changes += 1
        self._over_since = self._under_since = None
        if self.index == 0 and self.degraded_since is not None:
            self.last_recovery_s = now - self.degraded_since
            self.degraded_since = None
        level = self.level
        log.info("render quality %s: scale %.2f, a picture every %d tick(s) (load %.2f)",
                 "down" if direction > 0 else "up", level.scale, level.stride, load)
        return level

    def status(self) -> dict[str, float | int | None]:
        return {"level": self.index, "scale": self.level.scale, "stride": self.level.stride,
                "changes": self.changes, "last_recovery_s": self.last_recovery_s}
