"""The host turns its head and eyes toward a guest while listening.

:class:`LookOverlay` adds a yaw to the neck, head and eyes of each claimed pose, on top
of whatever moves them (idle, speech, gestures). While the host is silent and a guest is
on air it turns toward the guest's side of the picture (``side`` -1..1 from the layout:
screen right is the character's left, +X, a positive turn about +Y); while it speaks it
turns back to the camera (the viewers). The angle eases (time constant ``ease_s``), so
the head never snaps.
"""

from __future__ import annotations

import math

import numpy as np

from vhuman.animation import quat
from vhuman.animation.clip import MotionClip

SHARES = (("neck", 0.4), ("head", 0.6))
EYES = ("leftEye", "rightEye")


class LookOverlay:
    """Eased head/eye yaw toward a screen side (used from the timeline's claims)."""

    def __init__(self, fps: float, *, max_yaw_deg: float = 22.0, eye_deg: float = 8.0,
                 ease_s: float = 0.35) -> None:
        self.max_yaw, self.eye_deg = max_yaw_deg, eye_deg
        self.alpha = 1.0 - math.exp(-1.0 / (max(ease_s, 1e-3) * fps))
        self.yaw = 0.0
        """The current head yaw, degrees (positive: toward the character's left)."""
        self._cols: dict[tuple[str, ...], list[tuple[int, float]]] = {}

    def target(self, side: float | None, speaking: bool) -> float:
        if side is None or speaking:
            return 0.0
        return float(np.clip(side, -1.0, 1.0)) * self.max_yaw

    def apply(self, pose: MotionClip, side: float | None, speaking: bool) -> None:
        """Ease toward the target and turn the one-frame ``pose`` (in place)."""
        self.yaw += (self.target(side, speaking) - self.yaw) * self.alpha
        if abs(self.yaw) < 0.05:
            return
        cols = self._columns(pose)
        for col, share in cols:
            angle = self.yaw * share if share > 0 else \
                math.copysign(min(abs(self.yaw), self.eye_deg), self.yaw)
            turn = quat.axis_angle(np.array([0.0, 1.0, 0.0]), math.radians(angle))
            pose.rotations[0, col] = quat.mul(turn, pose.rotations[0, col]).astype(np.float32)

    def _columns(self, pose: MotionClip) -> list[tuple[int, float]]:
        key = tuple(pose.bone_names)
        cols = self._cols.get(key)
        if cols is None:
            index = {n: i for i, n in enumerate(pose.bone_names)}
            cols = [(index[b], s) for b, s in SHARES if b in index]
            cols += [(index[e], 0.0) for e in EYES if e in index]
            self._cols[key] = cols
        return cols
