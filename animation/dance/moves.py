"""The dance move library: periodic moves on the humanoid, written in beats.

A move is a function of the beat position ``b`` (beats since the move started, any real
number; moves are periodic) and the music energy ``e`` (0..1, scales amplitude). It returns
a :class:`MovePose`: hips offset and rotation, ankle targets on the floor (legs are solved
by IK afterwards, so a planted foot never slides), Euler angles for the upper body and hand
targets for IK arms. Every move puts its accents on integer beats (the hips reach their
lowest point on the beat, claps and steps land on it) and starts and ends in the home stance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from vhuman.animation.reference import mirror_name

ANKLE_Y = 0.08
HOME_X = 0.1
CROUCH = 0.03  # dancers keep soft knees: hips sit this much lower than rest


@dataclass
class MovePose:
    """Arrays over T frames. Euler in degrees (intrinsic YZX), positions in metres."""

    hips: np.ndarray  # (T, 3) offset from the rest hips position
    hips_euler: np.ndarray  # (T, 3)
    feet: np.ndarray  # (T, 2, 3) ankle targets (left, right), world
    foot_yaw: np.ndarray  # (T, 2) radians
    euler: dict[str, np.ndarray] = field(default_factory=dict)  # bone -> (T, 3)
    hands: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict
    )  # side -> (target, pole)


@dataclass(frozen=True)
class Move:
    name: str
    period: float  # beats
    energy: tuple[float, float]  # music energy range the move suits
    fn: Callable[[np.ndarray, np.ndarray], MovePose]
    travels: bool = False  # steps with the feet (foot sliding is measured on these)


def _ss(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def bounce(b: np.ndarray, depth: np.ndarray | float) -> np.ndarray:
    """Hips height offset: lowest exactly on each beat (the groove accent)."""
    return -depth * ((1 + np.cos(2 * np.pi * b)) / 2) ** 2


def _pose(b: np.ndarray) -> MovePose:
    t = b.size
    feet = np.zeros((t, 2, 3))
    feet[:, 0] = (HOME_X, ANKLE_Y, 0.0)
    feet[:, 1] = (-HOME_X, ANKLE_Y, 0.0)
    hips = np.zeros((t, 3))
    hips[:, 1] = -CROUCH
    return MovePose(hips, np.zeros((t, 3)), feet, np.zeros((t, 2)))


def _step(
    b: np.ndarray, b0: float, b1: float, p0: np.ndarray, p1: np.ndarray, lift: float
) -> np.ndarray:
    """Mask and positions for a foot moving p0 -> p1 during beats [b0, b1] (at p0 before, p1 after)."""
    s = np.clip((b - b0) / (b1 - b0), 0.0, 1.0)
    pos = p0 + (p1 - p0) * _ss(s)[:, None]
    pos[:, 1] += lift * np.sin(np.pi * s)
    return pos


def _arms_down(pose: MovePose, swing: np.ndarray, flex: float = 60.0) -> None:
    """Elbows bent, upper arms swinging forward/back by ``swing`` degrees (opposite sides)."""
    n = swing.size
    pose.euler["leftUpperArm"] = np.stack([np.zeros(n), -8 - swing, np.full(n, -68.0)], -1)
    pose.euler["rightUpperArm"] = np.stack([np.zeros(n), 8 - swing, np.full(n, 68.0)], -1)
    pose.euler["leftLowerArm"] = np.stack([np.zeros(n), np.full(n, -flex), np.zeros(n)], -1)
    pose.euler["rightLowerArm"] = np.stack([np.zeros(n), np.full(n, flex), np.zeros(n)], -1)


def _e3(
    x: np.ndarray | float = 0.0,
    y: np.ndarray | float = 0.0,
    z: np.ndarray | float = 0.0,
    n: int = 1,
) -> np.ndarray:
    return np.stack(np.broadcast_arrays(np.asarray(x, float) * np.ones(n), y, z), -1).astype(
        np.float64
    )


def _groove(
    pose: MovePose, b: np.ndarray, a: np.ndarray, depth: float = 0.03, nod: float = 5.0
) -> None:
    pose.hips[:, 1] += bounce(b, depth * a)
    on = (1 + np.cos(2 * np.pi * b)) / 2
    pose.euler["head"] = pose.euler.get("head", _e3(n=b.size)) + _e3(nod * a * on, n=b.size)
    pose.euler["spine"] = pose.euler.get("spine", _e3(n=b.size)) + _e3(3 * a * on, n=b.size)


# -- the moves ------------------------------------------------------------------------------


def m_bounce(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    _groove(p, b, a, 0.045)
    _arms_down(p, 10 * a * np.cos(np.pi * b), 70)
    return p


def m_sway(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    s = np.sin(np.pi * b)
    p.hips[:, 0] = 0.04 * a * s
    p.hips_euler[:, 2] = -3 * a * s
    p.euler["chest"] = _e3(z=4 * a * s, n=b.size)
    p.euler["head"] = _e3(z=-4 * a * s, n=b.size)
    _groove(p, b, a, 0.015, 2)
    _arms_down(p, 6 * a * s, 35)
    return p


def m_step_touch(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    bm = np.mod(b, 4.0)
    w = 0.2 * a[:, None]
    home_l = np.array([HOME_X, ANKLE_Y, 0.0])
    home_r = np.array([-HOME_X, ANKLE_Y, 0.0])
    out_r = home_r - np.array([1.0, 0, 0]) * w
    near_l = home_l - np.array([1.0, 0, 0]) * w
    lift = 0.06
    right = np.where(
        (bm < 2.5)[:, None],
        _step(bm, 0.5, 1.0, home_r, out_r, lift),
        _step(bm, 3.5, 4.0, out_r, home_r, lift),
    )
    left = np.where(
        (bm < 2.0)[:, None],
        _step(bm, 1.5, 2.0, home_l, near_l, lift),
        _step(bm, 2.5, 3.0, near_l, home_l, lift),
    )
    p.feet[:, 0] = left
    p.feet[:, 1] = right
    p.hips[:, 0] = 0.5 * (left[:, 0] + right[:, 0])
    _groove(p, b, a, 0.03)
    _arms_down(p, 18 * a * np.sin(np.pi * b), 85)
    return p


def _clap_hands(
    p: MovePose, b: np.ndarray, a: np.ndarray, y: float, z: float, apart: float
) -> None:
    on = ((1 + np.cos(2 * np.pi * b)) / 2) ** 3
    x = 0.025 + (apart * a - 0.025) * (1 - on)
    for side, sgn in (("left", 1.0), ("right", -1.0)):
        target = np.stack([sgn * x, np.full(b.size, y), np.full(b.size, z)], -1)
        pole = np.tile([sgn * 0.6, -1.0, -0.3], (b.size, 1))
        p.hands[side] = (target, pole)


def m_clap(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    _groove(p, b, a, 0.035)
    _clap_hands(p, b, a, 0.0, 0.3, 0.2)
    return p


def m_overhead_clap(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    _groove(p, b, a, 0.04, -3)
    _clap_hands(p, b, a, 0.5, 0.12, 0.22)
    for side in ("left", "right"):
        t, pole = p.hands[side]
        p.hands[side] = (t, np.tile([np.sign(t[0, 0]) * 1.0, 0.2, 0.0], (b.size, 1)))
    return p


def m_arm_wave(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    _groove(p, b, a, 0.02, 2)
    n = b.size
    for side, sgn, ph in (("left", 1.0, 0.0), ("right", -1.0, np.pi)):
        w = np.pi * b / 2 + ph
        p.euler[f"{side}UpperArm"] = _e3(0, 0, sgn * (5 + 18 * a * np.sin(w)), n)
        p.euler[f"{side}LowerArm"] = _e3(0, -sgn * (15 + 25 * a * (1 + np.sin(w - 0.8)) / 2), 0, n)
        p.euler[f"{side}Hand"] = _e3(0, 0, sgn * 30 * a * np.sin(w - 1.6), n)
    p.euler["chest"] = _e3(z=3 * a * np.sin(np.pi * b / 2), n=n)
    return p


def m_spin(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    bm = np.mod(b, 8.0)
    s = np.clip((bm - 5.0) / 2.0, 0.0, 1.0)
    yaw = np.angle(np.exp(2j * np.pi * _ss(s)))  # wrapped to (-pi, pi]: a full turn ends at 0
    spinning = (s > 0) & (s < 1)
    _groove(p, b, a * (1 - spinning), 0.035)
    lift = 0.035 * np.sin(np.pi * s)
    p.hips[:, 1] += lift
    p.hips_euler[:, 1] = np.degrees(yaw)
    for k, x in enumerate((HOME_X, -HOME_X)):
        p.feet[:, k, 0] = x * np.cos(yaw)
        p.feet[:, k, 2] = -x * np.sin(yaw)
        p.feet[:, k, 1] = ANKLE_Y + lift
        p.foot_yaw[:, k] = yaw
    tuck = _ss(np.clip((bm - 4.0), 0, 1)) * (1 - _ss(np.clip(bm - 7.0, 0, 1)))
    _arms_down(p, 8 * a * np.cos(np.pi * b) * (1 - tuck), 60 + 50 * tuck)
    return p


def m_jump(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    bm = np.mod(b, 4.0)
    s = np.clip((bm - 1.5) / 0.5, 0.0, 1.0)
    air = 0.12 * a * np.sin(np.pi * s)
    crouch = -0.06 * a * (np.exp(-(((bm - 1.0) / 0.25) ** 2)) + np.exp(-(((bm - 2.0) / 0.25) ** 2)))
    p.hips[:, 1] += air + crouch + bounce(b, 0.02 * a) * ((bm < 0.6) | (bm > 2.6))
    p.feet[:, :, 1] += air[:, None]
    up = _ss((bm - 1.2) / 0.4) * (1 - _ss((bm - 2.1) / 0.6))
    for side, sgn in (("left", 1.0), ("right", -1.0)):
        target = np.stack([sgn * (0.3 - 0.1 * up), -0.3 + 0.85 * up, 0.1 + 0.05 * up], -1)
        p.hands[side] = (target, np.tile([sgn * 1.0, -0.3, -0.5], (b.size, 1)))
    p.euler["head"] = _e3(-8 * up, n=b.size)
    return p


_POSES = (  # (left hand, right hand) targets in the chest frame for pose_hit
    ((0.36, 0.45, 0.05), (-0.36, 0.45, 0.05)),
    ((0.22, -0.27, 0.05), (-0.38, 0.42, 0.18)),
    ((-0.08, -0.02, 0.27), (0.08, 0.02, 0.3)),
    ((0.15, 0.1, 0.5), (-0.15, 0.1, 0.5)),
)


def m_pose_hit(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    bm = np.mod(b, 8.0)
    k = np.floor(bm / 2.0).astype(int)
    cur = np.array(_POSES)[k]
    nxt = np.array(_POSES)[(k + 1) % 4]
    # move into the next pose during the last 0.3 beat, reaching it exactly on its beat
    frac = np.where((2.0 * (k + 1) - bm) <= 0.3, _ss(1 - (2.0 * (k + 1) - bm) / 0.3), 0.0)
    targets = cur + (nxt - cur) * frac[:, None, None]
    _groove(p, b, a, 0.03, 4)
    pop = np.where(k % 2 == 0, 1.0, -1.0) * 0.025 * a
    p.hips[:, 0] = pop
    p.euler["head"] = p.euler["head"] + _e3(0, 12 * np.where(k % 2 == 0, 1, -1) * a, 0, b.size)
    for i, (side, sgn) in enumerate((("left", 1.0), ("right", -1.0))):
        pole = np.tile([sgn * 1.0, -1.0, -0.4], (b.size, 1))
        p.hands[side] = (targets[:, i], pole)
    return p


def m_kick(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    bm = np.mod(b, 4.0)
    for k, (c, sgn) in enumerate(((3.0, 1.0), (1.0, -1.0))):  # left kicks on 3, right on 1
        s = np.clip((bm - (c - 0.6)) / 1.4, 0.0, 1.0)
        ext = np.sin(np.pi * s) ** 2
        p.feet[:, k, 2] += 0.32 * a * ext
        p.feet[:, k, 1] += 0.2 * a * np.sin(np.pi * s)  # up before forward: no scuff
        p.hips[:, 0] -= sgn * 0.05 * _ss(np.sin(np.pi * s) * 1.6)
        p.foot_yaw[:, k] = 0.0
    _groove(p, b, a, 0.025)
    swing = 20 * a * np.sin(np.pi * (bm - 1.0) / 2.0)
    _arms_down(p, swing, 80)
    return p


def m_shoulder_shimmy(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    n = b.size
    sh = np.sin(4 * np.pi * b)
    p.euler["chest"] = _e3(0, 8 * a * sh, 0, n)
    p.euler["leftShoulder"] = _e3(0, 0, 8 * a * np.maximum(sh, 0), n)
    p.euler["rightShoulder"] = _e3(0, 0, 8 * a * np.minimum(sh, 0), n)
    _groove(p, b, a, 0.025, 3)
    _arms_down(p, np.zeros(n), 95)
    return p


def m_disco_point(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    n = b.size
    bm = np.mod(b, 2.0)
    # up on even beats, down-across on odd ones, arriving on the beat
    to_up = _ss((bm - 1.7) / 0.3) + (1 - _ss((bm - 0.7) / 0.3))
    to_up = np.clip(to_up, 0, 1)
    up = np.array([-0.36, 0.52, 0.16])
    down = np.array([0.08, -0.3, 0.26])
    p.hands["right"] = (down + (up - down) * to_up[:, None], np.tile([-1.0, -0.6, -0.3], (n, 1)))
    p.hands["left"] = (np.tile([0.22, -0.27, -0.02], (n, 1)), np.tile([1.0, 0.0, -0.6], (n, 1)))
    s = np.sin(np.pi * b)
    p.hips[:, 0] = 0.03 * a * s
    p.euler["head"] = _e3(-6 * to_up, -12 * to_up * a, 0, n)
    _groove(p, b, a, 0.03, 0)
    return p


def m_arm_pump(b: np.ndarray, e: np.ndarray) -> MovePose:
    a = 0.5 + 0.5 * e
    p = _pose(b)
    n = b.size
    bm = np.mod(b, 2.0)
    for side, sgn, c in (("left", 1.0, 1.0), ("right", -1.0, 0.0)):
        d = np.minimum(np.abs(bm - c), 2.0 - np.abs(bm - c))  # distance in beats to its pump
        up = np.exp(-((d / 0.3) ** 2))
        target = np.stack([sgn * (0.28 - 0.1 * up), -0.05 + 0.6 * up * a, 0.12 + 0.0 * up], -1)
        p.hands[side] = (target, np.tile([sgn * 1.0, -0.5, -0.3], (n, 1)))
    _groove(p, b, a, 0.04, 6)
    return p


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move("bounce", 1, (0.0, 0.8), m_bounce),
        Move("sway", 2, (0.0, 0.45), m_sway),
        Move("step_touch", 4, (0.3, 0.85), m_step_touch, travels=True),
        Move("clap", 2, (0.3, 0.9), m_clap),
        Move("overhead_clap", 2, (0.55, 1.0), m_overhead_clap),
        Move("arm_wave", 4, (0.0, 0.6), m_arm_wave),
        Move("spin", 8, (0.6, 1.0), m_spin, travels=True),
        Move("jump", 4, (0.7, 1.0), m_jump),
        Move("pose_hit", 8, (0.5, 1.0), m_pose_hit),
        Move("kick", 4, (0.55, 1.0), m_kick, travels=True),
        Move("shoulder_shimmy", 1, (0.2, 0.75), m_shoulder_shimmy),
        Move("disco_point", 4, (0.45, 1.0), m_disco_point),
        Move("arm_pump", 2, (0.6, 1.0), m_arm_pump),
    )
}
"""The move library by name."""


def mirror_pose(p: MovePose) -> MovePose:
    """The pose mirrored left <-> right."""
    flip = np.array([-1.0, 1.0, 1.0])
    e_flip = np.array([1.0, -1.0, -1.0])
    return MovePose(
        hips=p.hips * flip,
        hips_euler=p.hips_euler * e_flip,
        feet=p.feet[:, ::-1] * flip,
        foot_yaw=-p.foot_yaw[:, ::-1],
        euler={mirror_name(k): v * e_flip for k, v in p.euler.items()},
        hands={
            ("right" if s == "left" else "left"): (t * flip, pole * flip)
            for s, (t, pole) in p.hands.items()
        },
    )
