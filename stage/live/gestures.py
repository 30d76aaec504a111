"""Gestures requested live, layered at once over whatever the tick shows.

A host's ``gesture("wave")`` must not wait for the next line: the speech clip of the
sentence playing was made before the request. :class:`GestureOverlay` keeps the gestures
in flight, each placed on the tick grid at the first tick not yet claimed, and blends its
bones over the tick's pose (speech, idle or dance) with smooth fade-in/out envelopes, the
way ``animation.layers`` applies an override layer. Bounded: at most ``max_active``
gestures at once (a flood of requests drops the oldest).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from vhuman.animation import quat
from vhuman.animation.clip import HAND_SHAPES, MotionClip
from vhuman.animation.gestures import gesture_clip, get_gesture
from vhuman.models.types import InputError

log = logging.getLogger(__name__)


@dataclass
class _Active:
    name: str
    clip: MotionClip
    start: int
    fade_in: int
    fade_out: int

    @property
    def end(self) -> int:
        return self.start + self.clip.num_frames

    def weight(self, k: int) -> float:
        """Envelope at frame ``k`` of the gesture: smoothstep in, hold, smoothstep out."""
        n = self.clip.num_frames
        w = min(1.0, (k + 1) / self.fade_in, (n - k) / self.fade_out)
        w = min(max(w, 0.0), 1.0)
        return w * w * (3.0 - 2.0 * w)


class GestureOverlay:
    """Named gestures over the live pose, on the tick grid (not thread-safe: the
    :class:`~stage.live.timeline.Timeline` calls it under its lock)."""

    def __init__(self, fps: float, *, max_active: int = 3, clips: Any = None) -> None:
        self.fps = float(fps)
        self.max_active = max_active
        self.clips = clips  # the avatar's own clips (``avatar.clips.AvatarClips``) or None
        self._active: list[_Active] = []
        self._bone_cols: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = {}

    def validate(self, name: str) -> str:
        """The canonical name of gesture ``name`` (a library gesture, or one of the avatar's
        own clips); ``InputError`` listing the known gestures."""
        try:
            return get_gesture(name).name
        except InputError:
            if self.clips is not None and self.clips.has(name):
                return name
            raise

    def start(self, name: str, at_tick: int, *, energy: float = 0.5) -> None:
        """Play gesture ``name`` from tick ``at_tick`` (fully in by its stroke); a name
        that is no library gesture plays the avatar's clip of that name once."""
        try:
            g = get_gesture(name)
        except InputError:
            if self.clips is None or not self.clips.has(name):
                raise
            clip = _at_fps(self.clips.motion(name), self.fps)
            fade = max(1, min(int(round(0.3 * self.fps)), clip.num_frames // 3 or 1))
            self._active.append(_Active(name, clip, at_tick, fade, fade))
        else:
            clip = gesture_clip(g.name, self.fps, energy=energy)
            fade_in = max(1, int(round(min(max(g.stroke_time, 0.2), 0.45) * self.fps)))
            fade_out = max(1, int(round(0.45 * self.fps)))
            self._active.append(_Active(g.name, clip, at_tick, fade_in, fade_out))
        if len(self._active) > self.max_active:
            dropped = self._active.pop(0)
            log.info("gesture %s dropped: %d already playing", dropped.name, self.max_active)

    @property
    def active(self) -> list[str]:
        return [a.name for a in self._active]

    def clear(self) -> None:
        self._active.clear()

    def apply(self, pose: MotionClip, tick: int) -> bool:
        """Blend the gestures due at ``tick`` into the one-frame ``pose`` (in place);
        True when one changed it."""
        changed = False
        for act in list(self._active):
            k = tick - act.start
            if k >= act.clip.num_frames:
                self._active.remove(act)
                continue
            if k < 0:
                continue
            w = act.weight(k)
            if w <= 0.0:
                continue
            cols = self._columns(act.clip, pose)
            src = [i for i, c in enumerate(cols) if c >= 0]
            dst = [cols[i] for i in src]
            if not dst:
                continue
            here = pose.rotations[0, dst]
            there = act.clip.rotations[k, src]
            pose.rotations[0, dst] = quat.slerp(here, there, w).astype(np.float32)
            for m, name in enumerate(act.clip.morph_names):  # hand poses (rightHandPoint...)
                if name in HAND_SHAPES and name in pose.morph_names:
                    c = pose.morph_names.index(name)
                    pose.morph[0, c] += w * (act.clip.morph[k, m] - pose.morph[0, c])
            changed = True
        return changed

    def _columns(self, clip: MotionClip, pose: MotionClip) -> list[int]:
        key = (tuple(clip.bone_names), tuple(pose.bone_names))
        cols = self._bone_cols.get(key)
        if cols is None:
            index = {n: i for i, n in enumerate(pose.bone_names)}
            cols = [index.get(n, -1) for n in clip.bone_names]
            self._bone_cols[key] = cols
        return cols


def _at_fps(clip: MotionClip, fps: float) -> MotionClip:
    """``clip`` resampled to ``fps`` when it runs at another rate."""
    if abs(clip.fps - fps) < 1e-6:
        return clip
    from vhuman.animation.retarget import resample

    return resample(clip, fps)
