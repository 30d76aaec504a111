"""A library of named gestures on the humanoid skeleton, as keyframed poses.

Each :class:`Gesture` is a few keys over its normalized time: Euler offsets for torso and
head bones and hand targets (in the upper-chest frame) that two-bone IK turns into arm
rotations, plus optional wiggles (the waving hand). ``stroke`` marks the moment that lands
on the word the gesture is attached to. Arms are mirrored for the left hand on request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.clip import HAND_SHAPES, MotionClip
from vhuman.animation.reference import REFERENCE, ReferenceSkeleton, mirror_name
from vhuman.models.textproc.tags import GESTURE_ALIASES, gesture_key
from vhuman.models.types import InputError

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Key:
    """A pose at normalized time ``u``: Euler offsets (deg) and hand targets with elbow poles."""

    u: float
    euler: Mapping[str, Vec3] = field(default_factory=dict)
    hands: Mapping[str, tuple[Vec3, Vec3]] = field(default_factory=dict)


@dataclass(frozen=True)
class Wiggle:
    """An oscillation on a hand target (``left``/``right``) or a bone's Euler angles."""

    target: str
    axis: Vec3
    amplitude: float  # metres for hands, degrees for bones
    hz: float
    u0: float = 0.1
    u1: float = 0.9


@dataclass(frozen=True)
class Gesture:
    name: str
    duration: float
    stroke: float
    keys: tuple[Key, ...]
    wiggles: tuple[Wiggle, ...] = ()
    description: str = ""

    @property
    def stroke_time(self) -> float:
        """Seconds from the gesture start to its stroke."""
        return self.stroke * self.duration


def _both(left: Vec3, pole: Vec3) -> dict[str, tuple[Vec3, Vec3]]:
    """Symmetric hand targets for both arms from the left one."""
    return {
        "left": (left, pole),
        "right": ((-left[0], left[1], left[2]), (-pole[0], pole[1], pole[2])),
    }


_DOWN_OUT_R: Vec3 = (-0.5, -1.0, -0.3)
_CLAP_APART = _both((0.19, -0.02, 0.28), (0.6, -1.0, -0.3))
_CLAP_TOGETHER = _both((0.025, 0.0, 0.32), (0.6, -1.0, -0.3))

GESTURES: dict[str, Gesture] = {
    g.name: g
    for g in (
        Gesture(
            "wave",
            2.4,
            0.2,
            (
                Key(
                    0.0,
                    {"head": (0, 0, 4), "rightHand": (0, 0, 0)},
                    {"right": ((-0.36, 0.3, 0.1), (-0.4, -1.0, -0.2))},
                ),
                Key(
                    1.0,
                    {"head": (0, 0, 4), "rightHand": (0, 0, 0)},
                    {"right": ((-0.36, 0.3, 0.1), (-0.4, -1.0, -0.2))},
                ),
            ),
            (Wiggle("right", (1, 0, 0), 0.07, 2.2), Wiggle("rightHand", (0, 0, 1), 15, 2.2)),
            "raise the right hand beside the head and wave it side to side",
        ),
        Gesture(
            "nod",
            1.1,
            0.3,
            (
                Key(0.0, {"neck": (0, 0, 0), "head": (0, 0, 0)}),
                Key(0.3, {"neck": (5, 0, 0), "head": (12, 0, 0)}),
                Key(0.55, {"neck": (0, 0, 0), "head": (-2, 0, 0)}),
                Key(0.75, {"neck": (3, 0, 0), "head": (7, 0, 0)}),
                Key(1.0, {"neck": (0, 0, 0), "head": (0, 0, 0)}),
            ),
            description="nod yes twice",
        ),
        Gesture(
            "head_shake",
            1.5,
            0.2,
            tuple(
                Key(u, {"neck": (0, 0.35 * y, 0), "head": (0, y, 0)})
                for u, y in ((0.0, 0), (0.2, 15), (0.4, -15), (0.6, 13), (0.8, -9), (1.0, 0))
            ),
            description="shake the head no",
        ),
        Gesture(
            "bow",
            2.6,
            0.45,
            tuple(
                Key(
                    u,
                    {
                        "spine": (14 * a, 0, 0),
                        "chest": (12 * a, 0, 0),
                        "upperChest": (8 * a, 0, 0),
                        "neck": (6 * a, 0, 0),
                        "head": (8 * a, 0, 0),
                    },
                )
                for u, a in ((0.0, 0.0), (0.4, 1.0), (0.65, 1.0), (1.0, 0.0))
            ),
            description="bow from the waist",
        ),
        Gesture(
            "cheer",
            1.8,
            0.3,
            tuple(
                Key(
                    u,
                    {"head": (-6 * up, 0, 0), "chest": (-3 * up, 0, 0)},
                    {"right": (p, (-1.0, -0.5, -0.3))},
                )
                for u, p, up in (
                    (0.0, (-0.28, 0.12, 0.2), 0.0),
                    (0.3, (-0.16, 0.55, 0.08), 1.0),
                    (0.45, (-0.22, 0.34, 0.12), 0.5),
                    (0.6, (-0.16, 0.55, 0.08), 1.0),
                    (0.75, (-0.22, 0.34, 0.12), 0.5),
                    (1.0, (-0.17, 0.52, 0.08), 1.0),
                )
            ),
            description="fist pump over the head",
        ),
        Gesture(
            "clap",
            2.2,
            0.25,
            tuple(
                Key(u, {}, _CLAP_TOGETHER if together else _CLAP_APART)
                for u, together in (
                    (0.0, 0),
                    (0.25, 1),
                    (0.375, 0),
                    (0.5, 1),
                    (0.625, 0),
                    (0.75, 1),
                    (1.0, 0),
                )
            ),
            description="clap three times in front of the chest",
        ),
        Gesture(
            "point_at_screen",
            2.0,
            0.3,
            tuple(
                Key(
                    u,
                    {"head": (-2, 0, 0), "chest": (0, -6 * a, 0)},
                    {"right": (p, (-1.0, -1.0, 0.0))},
                )
                for u, p, a in (
                    (0.0, (-0.2, 0.02, 0.3), 0.0),
                    (0.3, (-0.13, 0.1, 0.56), 1.0),
                    (0.8, (-0.13, 0.1, 0.56), 1.0),
                    (1.0, (-0.2, 0.0, 0.35), 0.0),
                )
            ),
            description="point at the viewer with the right arm",
        ),
        Gesture(
            "thumbs_up",
            2.0,
            0.3,
            tuple(
                Key(
                    u,
                    {"head": (0, 0, 5 * a), "rightHand": (0, 0, 10 * a)},
                    {"right": (p, _DOWN_OUT_R)},
                )
                for u, p, a in (
                    (0.0, (-0.2, -0.08, 0.28), 0.0),
                    (0.3, (-0.16, 0.04, 0.34), 1.0),
                    (1.0, (-0.16, 0.04, 0.34), 1.0),
                )
            ),
            description="right hand up in front of the chest",
        ),
        Gesture(
            "heart_hands",
            2.4,
            0.35,
            tuple(
                Key(u, {"head": (0, 0, 6 * a)}, _both(p, (1.0, 0.3, 0.0)))
                for u, p, a in (
                    (0.0, (0.25, 0.25, 0.15), 0.0),
                    (0.35, (0.045, 0.5, 0.1), 1.0),
                    (1.0, (0.045, 0.5, 0.1), 1.0),
                )
            ),
            description="both hands meet over the head in a heart",
        ),
        Gesture(
            "shrug",
            1.4,
            0.4,
            tuple(
                Key(
                    u,
                    {
                        "leftShoulder": (0, 0, 12 * a),
                        "rightShoulder": (0, 0, -12 * a),
                        "head": (0, 0, 8 * a),
                    },
                    _both((0.3 - 0.02 * a, -0.3 + 0.05 * a, 0.1 + 0.15 * a), (0.3, -1.0, -0.6)),
                )
                for u, a in ((0.0, 0.0), (0.4, 1.0), (0.7, 1.0), (1.0, 0.0))
            ),
            description="shoulders up, palms out",
        ),
    )
}
"""Registry of gestures by name."""

ALIASES: dict[str, str] = GESTURE_ALIASES
"""Other words for the gestures: the one vocabulary of :mod:`vhuman.models.textproc.tags`."""


GESTURE_HANDS: dict[str, dict[str, str]] = {
    "point_at_screen": {"right": "Point"},
    "thumbs_up": {"right": "ThumbsUp"},
    "cheer": {"left": "Fist", "right": "Fist"},
    "wave": {"right": "Open"},
    "clap": {"left": "Open", "right": "Open"},
}
"""Hand pose (``animation.clip.HAND_POSES``) per gesture and side, for avatars whose
hands have finger joints."""


def gesture_names() -> list[str]:
    """Names of the built-in gestures."""
    return sorted(GESTURES)


def get_gesture(name: str) -> Gesture:
    """A gesture by name or alias (``[fist-pump]`` style spellings allowed)."""
    key = gesture_key(name)
    key = ALIASES.get(key, key)
    if key not in GESTURES:
        raise InputError(f"unknown gesture {name!r}; expected one of: {', '.join(gesture_names())}")
    return GESTURES[key]


def _interp(keys: tuple[Key, ...], u: np.ndarray, pick) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Smoothstep interpolation of ``pick(key)`` arrays over keys at times ``u``."""
    us = np.array([k.u for k in keys])
    vals = np.stack([np.asarray(pick(k), np.float64) for k in keys])
    idx = np.clip(np.searchsorted(us, u, side="right") - 1, 0, len(keys) - 1)
    nxt = np.minimum(idx + 1, len(keys) - 1)
    span = np.maximum(us[nxt] - us[idx], 1e-9)
    s = np.clip((u - us[idx]) / span, 0.0, 1.0)
    s = s * s * (3 - 2 * s)
    shape = (-1,) + (1,) * (vals.ndim - 1)
    return vals[idx] + (vals[nxt] - vals[idx]) * s.reshape(shape)


def gesture_clip(
    name: str,
    fps: float = 30.0,
    *,
    intensity: float = 1.0,
    energy: float = 0.5,
    mirror: bool = False,
    skeleton: ReferenceSkeleton = REFERENCE,
) -> MotionClip:
    """The gesture as a clip over only the bones it moves (an override layer)."""
    g = get_gesture(name)
    n = max(2, int(round(g.duration * fps)))
    t = np.arange(n) / fps
    u = t / g.duration
    bones: list[str] = []
    for k in g.keys:
        bones += [b for b in k.euler if b not in bones]
        for side in k.hands:
            bones += [b for b in (f"{side}UpperArm", f"{side}LowerArm") if b not in bones]
    for w in g.wiggles:
        if w.target not in ("left", "right") and w.target not in bones:
            bones.append(w.target)
    speed = 0.85 + 0.3 * energy
    amp = (0.6 + 0.8 * energy) * intensity

    def window(w: Wiggle) -> np.ndarray:
        x = np.clip(np.minimum(u - w.u0, w.u1 - u) / 0.08, 0.0, 1.0)
        return np.sin(2 * np.pi * w.hz * speed * t) * x

    ik_bones = {f"{s}{part}" for k in g.keys for s in k.hands for part in ("UpperArm", "LowerArm")}
    euler = {
        b: _interp(g.keys, u, lambda k, b=b: k.euler.get(b, (0, 0, 0))) * intensity
        for b in bones
        if b not in ik_bones
    }
    for w in g.wiggles:
        if w.target in euler:
            euler[w.target] = euler[w.target] + np.outer(window(w), w.axis) * w.amplitude * amp
    hands = GESTURE_HANDS.get(g.name, {})
    clip = MotionClip.rest(n, fps, [f"{side}Hand{pose}" for side, pose in hands.items()], bones)
    clip.morph[:] = min(1.0, float(intensity))  # the layer's fades ease the fingers in and out
    for b, e in euler.items():
        clip.rotations[:, clip.bone_names.index(b)] = Q.from_euler(e)
    sides = sorted({s for k in g.keys for s in k.hands})
    zeros = np.zeros((n, 3))
    ident = Q.identity(n)
    for side in sides:
        target = _interp(g.keys, u, lambda k, s=side: k.hands[s][0])
        pole = _interp(g.keys, u, lambda k, s=side: k.hands[s][1])
        for w in g.wiggles:
            if w.target == side:
                target = target + np.outer(window(w), w.axis) * w.amplitude * amp
        up, lo = skeleton.arm_ik(side, zeros, ident, target, pole)
        clip.rotations[:, clip.bone_names.index(f"{side}UpperArm")] = up
        clip.rotations[:, clip.bone_names.index(f"{side}LowerArm")] = lo
    if mirror:
        clip = mirror_clip(clip)
    return clip


def mirror_clip(clip: MotionClip) -> MotionClip:
    """The clip mirrored left <-> right (bones renamed, rotations and root x reflected)."""
    rot = clip.rotations * np.array([1.0, -1.0, -1.0, 1.0], np.float32)
    root = clip.root_offset * np.array([-1.0, 1.0, 1.0], np.float32)
    return MotionClip(
        clip.fps,
        [mirror_name(m) if m in HAND_SHAPES else m for m in clip.morph_names],
        clip.morph.copy(),
        [mirror_name(b) for b in clip.bone_names],
        rot,
        root,
    )
