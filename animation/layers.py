"""A layer stack: motion sources blended by priority with per-bone/per-shape masks and fades.

The standard order is base pose -> idle -> dance or gesture -> expression -> lip-sync
(:data:`PRIORITY`). Higher priorities are applied later, so they win where their mask
is 1; the lip-sync layer owns the mouth shapes, so nothing below it (idle, expression)
can overwrite the mouth while the character speaks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.clip import MORPH_NAMES, VISEME_SHAPES, MotionClip
from vhuman.animation.vocabulary import HUMANOID_BONES
from vhuman.models.types import InputError

log = logging.getLogger(__name__)

PRIORITY: dict[str, int] = {
    "base": 0,
    "idle": 10,
    "dance": 20,
    "gesture": 30,
    "expression": 40,
    "lipsync": 50,
}
"""Default priorities of the standard layers (higher wins)."""

MOUTH_SHAPES: tuple[str, ...] = VISEME_SHAPES + ("jawOpen",)
"""Shapes the lip-sync layer owns."""


@dataclass
class Layer:
    """One motion source placed on the stack's timeline.

    ``mode``: ``override`` blends towards the layer (weight 1 replaces what is below) and
    ``additive`` adds shape weights and post-multiplies rotations (offsets from rest).
    ``bone_mask``/``shape_mask`` weight each bone/shape (None: everything the clip has;
    names absent from a given mask are untouched). ``start`` (s) places the clip; ``fade_in``
    and ``fade_out`` (s) cross-fade it with what is below. ``root`` controls whether the
    layer touches the hips translation (defaults to the hips mask weight).
    """

    name: str
    clip: MotionClip
    priority: int = 0
    mode: str = "override"
    weight: float | np.ndarray = 1.0
    bone_mask: Mapping[str, float] | None = None
    shape_mask: Mapping[str, float] | None = None
    start: float = 0.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    root: float | None = None
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in ("override", "additive"):
            raise InputError(
                f"layer {self.name!r}: mode must be 'override' or 'additive', got {self.mode!r}"
            )


def _envelope(layer: Layer, num_frames: int) -> np.ndarray:
    n = layer.clip.num_frames
    env = np.ones(n)
    if isinstance(layer.weight, np.ndarray):
        w = np.asarray(layer.weight, np.float64).reshape(-1)
        if w.size != n:
            raise InputError(f"layer {layer.name!r}: weight has {w.size} frames, clip has {n}")
        env = env * w
    else:
        env = env * float(layer.weight)
    t = np.arange(n) / layer.clip.fps
    if layer.fade_in > 0:
        env *= _smooth(t / layer.fade_in)
    if layer.fade_out > 0:
        env *= _smooth((layer.clip.duration - t) / layer.fade_out)
    return np.clip(env, 0.0, 1.0)


def _smooth(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


class LayerStack:
    """Collects layers and evaluates them into one :class:`MotionClip`."""

    def __init__(
        self,
        num_frames: int,
        fps: float = 30.0,
        morph_names: tuple[str, ...] | list[str] = MORPH_NAMES,
        bone_names: tuple[str, ...] | list[str] = HUMANOID_BONES,
    ) -> None:
        if num_frames < 0:
            raise InputError(f"num_frames must be >= 0, got {num_frames}")
        self.num_frames = int(num_frames)
        self.fps = float(fps)
        self.morph_names = list(morph_names)
        self.bone_names = list(bone_names)
        self.layers: list[Layer] = []

    def add(self, layer: Layer) -> Layer:
        if abs(layer.clip.fps - self.fps) > 1e-6:
            raise InputError(
                f"layer {layer.name!r} runs at {layer.clip.fps} fps, stack at {self.fps}"
            )
        self.layers.append(layer)
        return layer

    def evaluate(self) -> MotionClip:
        """Blend every layer, lowest priority first (stable for equal priorities)."""
        out = MotionClip.rest(self.num_frames, self.fps, self.morph_names, self.bone_names)
        for layer in sorted(self.layers, key=lambda lay: lay.priority):
            self._apply(out, layer)
        np.clip(out.morph, 0.0, 1.0, out=out.morph)
        out.rotations[:] = Q.normalize(out.rotations)
        return out

    def _apply(self, out: MotionClip, layer: Layer) -> None:
        clip = layer.clip
        f0 = int(round(layer.start * self.fps))
        a, b = max(f0, 0), min(f0 + clip.num_frames, self.num_frames)
        if b <= a:
            return
        src = slice(a - f0, b - f0)
        env = _envelope(layer, clip.num_frames)[src]
        additive = layer.mode == "additive"
        for j, name in enumerate(clip.morph_names):
            if name not in out.morph_names:
                continue
            m = 1.0 if layer.shape_mask is None else float(layer.shape_mask.get(name, 0.0))
            if m <= 0:
                continue
            k = out.morph_names.index(name)
            w = env * m
            val = clip.morph[src, j]
            if additive:
                out.morph[a:b, k] += w * val
            else:
                out.morph[a:b, k] = (1 - w) * out.morph[a:b, k] + w * val
        for j, name in enumerate(clip.bone_names):
            if name not in out.bone_names:
                continue
            m = 1.0 if layer.bone_mask is None else float(layer.bone_mask.get(name, 0.0))
            if m <= 0:
                continue
            k = out.bone_names.index(name)
            w = env * m
            q = clip.rotations[src, j]
            if additive:
                out.rotations[a:b, k] = Q.mul(out.rotations[a:b, k], Q.power(q, w))
            else:
                out.rotations[a:b, k] = Q.slerp(out.rotations[a:b, k], q, w)
        root_w = layer.root
        if root_w is None:
            root_w = 1.0 if layer.bone_mask is None else float(layer.bone_mask.get("hips", 0.0))
        if root_w > 0 and "hips" in clip.bone_names:
            w = (env * root_w)[:, None]
            if additive:
                out.root_offset[a:b] += w * clip.root_offset[src]
            else:
                out.root_offset[a:b] = (1 - w) * out.root_offset[a:b] + w * clip.root_offset[src]


def mask(names: list[str] | tuple[str, ...], value: float = 1.0) -> dict[str, float]:
    """A mask giving ``value`` to each of ``names``."""
    return {n: value for n in names}
