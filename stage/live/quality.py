"""Adaptive picture quality: when rendering cannot keep up, render smaller and less often.

The audio clock never waits for pictures, so an overloaded renderer costs repeated
pictures. Rather than repeat at random, the :class:`QualityGovernor` steps down through
:data:`LEVELS` — half the render size (upscaled to the output size), then every second,
then every third tick — while the measured time per picture does not fit in the time a
level gives it, and steps back up once the level above is predicted to fit with room to
spare (the machine calmed down). A step to a higher picture rate is predicted exactly
(the time per picture does not change); a step to a larger render size is a probe whose
cost is learned: if it does not fit, the governor steps down again, remembers the cost
ratio between the two sizes and waits twice as long before the next probe. Each step
waits a moment (hysteresis) so one slow frame does not flip it.
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
    Above ``high`` for ``degrade_after_s``: one level down. When the load predicted for
    the level above (time per picture x its learned cost ratio / its time per picture)
    stays below ``headroom`` x ``high`` for ``recover_after_s`` (doubled after each
    failed probe, at most ``max_backoff`` times): one level up.
    """

    def __init__(self, fps: float, *, levels: tuple[QualityLevel, ...] = LEVELS,
                 high: float = 0.9, headroom: float = 0.95, degrade_after_s: float = 0.5,
                 recover_after_s: float = 2.0, settle_s: float = 1.0,
                 max_backoff: int = 4) -> None:
        self.frame_budget = 1.0 / fps
        self.levels = levels
        self.high, self.headroom = high, headroom
        self.degrade_after_s, self.recover_after_s = degrade_after_s, recover_after_s
        self.settle_s, self.max_backoff = settle_s, max_backoff
        self.cost_ratio: dict[int, float] = {}
        """Learned time per picture at level i over that at level i + 1."""
        self.failed_probes = 0
        self._probe: tuple[float, float] | None = None  # (when, time per picture before)
        self._calm_since: float | None = None
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
        self._learn(frame_s, now)
        load = frame_s / (self.frame_budget * self.level.stride)
        if load > self.high and self.index < len(self.levels) - 1:
            self._under_since = None
            self._over_since = self._over_since if self._over_since is not None else now
            if now - self._over_since >= self.degrade_after_s:
                if self._probe is not None:  # the probe did not fit: learn, back off
                    self._learn(frame_s, now, force=True)
                    self.failed_probes = min(self.failed_probes + 1, self.max_backoff)
                return self._step(+1, now, load)
        elif self.index > 0 and self.predicted_load_above(frame_s) < self.headroom * self.high:
            self._over_since = None
            self._under_since = self._under_since if self._under_since is not None else now
            if now - self._under_since >= self.recover_after_s * 2 ** self.failed_probes:
                self._probe = (now, frame_s)
                return self._step(-1, now, load)
        else:
            self._over_since = self._under_since = None
        return None

    def predicted_load_above(self, frame_s: float) -> float:
        """Load the level above would have at today's time per picture."""
        above = self.levels[self.index - 1]
        ratio = self.cost_ratio.get(self.index - 1, 1.0)
        return frame_s * ratio / (self.frame_budget * above.stride)

    def _learn(self, frame_s: float, now: float, force: bool = False) -> None:
        """After a step up has settled, keep the measured cost ratio of the two levels;
        a level that held a while clears the back-off."""
        if self._probe is not None and (force or now - self._probe[0] >= self.settle_s):
            self.cost_ratio[self.index] = max(1.0, frame_s / max(self._probe[1], 1e-6))
            self._probe = None
            self._calm_since = now
        if (self._calm_since is not None and self.failed_probes
                and now - self._calm_since >= 10 * self.recover_after_s):
            self.failed_probes = 0
            self._calm_since = None

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
                "changes": self.changes, "last_recovery_s": self.last_recovery_s,
                "failed_probes": self.failed_probes}
