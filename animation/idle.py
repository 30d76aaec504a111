"""Idle life: blinks, breathing, eye saccades with gaze to camera, head motion, weight shifts.

Everything is driven by seeded random processes (gamma-distributed blink and saccade
intervals, drifting breathing rate, sums of incommensurate slow sines for the head), so the
character is never frozen and never loops visibly. Amplitudes follow an ``energy`` track
(0..1, from the emotion). The clip is meant as an *additive* layer over the base pose.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.clip import MotionClip
from vhuman.animation.reference import REFERENCE, ReferenceSkeleton
from vhuman.models.types import InputError

IDLE_BONES: tuple[str, ...] = (
    "hips",
    "spine",
    "chest",
    "upperChest",
    "neck",
    "head",
    "leftEye",
    "rightEye",
    "leftShoulder",
    "rightShoulder",
    "leftUpperLeg",
    "leftLowerLeg",
    "leftFoot",
    "rightUpperLeg",
    "rightLowerLeg",
    "rightFoot",
)
IDLE_SHAPES: tuple[str, ...] = ("blink",)


def blink_times(
    duration: float,
    rng: np.random.Generator,
    extra: Sequence[float] = (),
    mean_interval: float = 3.6,
) -> list[float]:
    """Blink onsets: gamma-distributed gaps (2.5..8 s typical), some double blinks, plus ``extra``."""
    times: list[float] = []
    t = float(rng.uniform(0.3, 2.0))
    while t < duration:
        times.append(t)
        if rng.random() < 0.12:  # double blink
            times.append(t + float(rng.uniform(0.25, 0.4)))
        t += float(np.clip(rng.gamma(4.0, mean_interval / 4.0), 0.8, 9.0))
    times += [float(x) for x in extra if 0 <= x < duration]
    times.sort()
    # drop blinks closer than 0.2 s to the previous one
    out: list[float] = []
    for x in times:
        if not out or x - out[-1] > 0.2:
            out.append(x)
    return out


def blink_curve(
    t: np.ndarray,
    onsets: Sequence[float],
    close: float = 0.07,
    hold: float = 0.03,
    open_: float = 0.13,
) -> np.ndarray:
    """(T,) eyelid closure 0..1 for blinks starting at ``onsets``."""
    w = np.zeros_like(t)
    for t0 in onsets:
        x = t - t0
        up = np.clip(x / close, 0.0, 1.0)
        down = np.clip(1.0 - (x - close - hold) / open_, 0.0, 1.0)
        w = np.maximum(
            w, np.where((x >= 0) & (x <= close + hold + open_), np.minimum(up, down), 0.0)
        )
    return w * w * (3 - 2 * w)


def smooth_noise(
    rng: np.random.Generator, t: np.ndarray, f_lo: float = 0.05, f_hi: float = 0.4, n: int = 4
) -> np.ndarray:
    """Zero-mean smooth noise in about [-1, 1]: random sines at incommensurate frequencies."""
    freqs = np.exp(rng.uniform(np.log(f_lo), np.log(f_hi), n))
    phases = rng.uniform(0, 2 * np.pi, n)
    amps = rng.uniform(0.5, 1.0, n)
    amps /= amps.sum()
    return (amps[:, None] * np.sin(2 * np.pi * freqs[:, None] * t[None] + phases[:, None])).sum(0)


def _gaze(t: np.ndarray, rng: np.random.Generator, energy: np.ndarray) -> np.ndarray:
    """(T, 2) gaze (pitch, yaw) degrees: fixations near the camera with saccades between."""
    duration = float(t[-1]) + 1e-3 if t.size else 0.0
    targets = [(0.0, 0.0, 0.0)]  # (start, pitch, yaw)
    now = float(rng.uniform(0.3, 1.2))
    away = False
    while now < duration:
        if not away and rng.random() < 0.18:  # glance away, then come back to the camera
            away = True
            targets.append(
                (now, float(rng.uniform(-7, 4)), float(rng.choice([-1, 1]) * rng.uniform(8, 15)))
            )
            now += float(rng.uniform(0.5, 1.4))
        else:
            away = False
            targets.append((now, float(rng.normal(0, 1.6)), float(rng.normal(0, 2.2))))
            now += float(np.clip(rng.gamma(3.0, 0.45), 0.3, 3.0))
    g = np.zeros((t.size, 2))
    saccade = 0.045
    cur = np.array(targets[0][1:])
    for k, (t0, p, y) in enumerate(targets):
        prev = cur
        cur = np.array([p, y])
        x = np.clip((t - t0) / saccade, 0.0, 1.0)[:, None]
        g = (
            np.where((t >= t0)[:, None], prev + (cur - prev) * x, g)
            if k
            else np.broadcast_to(cur, g.shape).copy()
        )
    return g * (0.7 + 0.6 * energy[:, None])


def idle_clip(
    num_frames: int,
    fps: float = 30.0,
    *,
    seed: int = 0,
    energy: float | np.ndarray = 0.5,
    extra_blinks: Sequence[float] = (),
    weight_shift: bool = True,
    skeleton: ReferenceSkeleton = REFERENCE,
    start_time: float = 0.0,
) -> MotionClip:
    """Idle motion for ``num_frames`` frames: an additive clip over the base pose.

    Every process is a function of absolute time ``start_time + i / fps`` drawn from its
    own seeded stream, so consecutive clips with the same ``seed`` join without a pop
    (live streaming renders sentence by sentence). ``extra_blinks`` are absolute times.
    """
    if start_time < 0 or not np.isfinite(start_time):
        raise InputError(f"start_time must be >= 0, got {start_time}")

    def stream(k: int) -> np.random.Generator:
        return np.random.default_rng([seed, k])

    t = start_time + np.arange(num_frames) / fps
    en = np.broadcast_to(np.asarray(energy, np.float64), (num_frames,)).astype(np.float64)
    clip = MotionClip.rest(num_frames, fps, IDLE_SHAPES, IDLE_BONES)
    if num_frames == 0:
        return clip
    # blinks
    clip.morph[:, 0] = blink_curve(t, blink_times(t[-1] + 1 / fps, stream(1), extra_blinks))
    euler = np.zeros((num_frames, len(IDLE_BONES), 3))
    bi = {b: i for i, b in enumerate(IDLE_BONES)}
    # breathing: drifting rate around 15 breaths/min, chest lifts, shoulders rise
    rng = stream(2)
    phase = (
        2 * np.pi * 0.25 * t + rng.uniform(0, 2 * np.pi) + 1.5 * smooth_noise(rng, t, 0.02, 0.08, 2)
    )
    breath = (0.5 - 0.5 * np.cos(phase)) * (0.8 + 0.4 * en)
    euler[:, bi["chest"], 0] -= 1.0 * breath
    euler[:, bi["upperChest"], 0] -= 1.2 * breath
    euler[:, bi["leftShoulder"], 2] += 1.2 * breath
    euler[:, bi["rightShoulder"], 2] -= 1.2 * breath
    # the head wanders slowly and follows big glances a little; the eyes hold the gaze
    # target (mostly the camera) against that motion, as eyes do (vestibulo-ocular reflex)
    gaze = _gaze(t, stream(3), en)
    amp = 0.6 + 1.2 * en
    rng = stream(4)
    head_pitch = 2.0 * amp * smooth_noise(rng, t) + 0.25 * gaze[:, 0]
    head_yaw = 3.0 * amp * smooth_noise(rng, t) + 0.3 * gaze[:, 1]
    head_roll = 1.5 * amp * smooth_noise(rng, t)
    for bone, share in (("neck", 0.4), ("head", 0.6)):
        euler[:, bi[bone]] = np.stack([head_pitch, head_yaw, head_roll], -1) * share
    for eye in ("leftEye", "rightEye"):
        euler[:, bi[eye], 0] = gaze[:, 0] - head_pitch
        euler[:, bi[eye], 1] = gaze[:, 1] - head_yaw
    euler[:, bi["spine"], 2] = 0.8 * amp * smooth_noise(rng, t, 0.03, 0.15)
    clip.rotations[:] = Q.from_euler(euler)
    if weight_shift:
        _weight_shift(clip, stream(5), t, skeleton)
    return clip


def _weight_shift(
    clip: MotionClip, rng: np.random.Generator, t: np.ndarray, skeleton: ReferenceSkeleton
) -> None:
    """Shift the hips side to side every 5-14 s; legs solved by IK so the feet stay planted."""
    n = t.size
    x = np.zeros(n)
    cur = 0.0
    now = float(rng.uniform(1.0, 5.0))
    while now < t[-1]:
        new = float(rng.choice([-1, 1]) * rng.uniform(0.008, 0.02))
        ramp = np.clip((t - now) / 1.4, 0.0, 1.0)
        ramp = ramp * ramp * (3 - 2 * ramp)
        x = np.where(t >= now, cur + (new - cur) * ramp, x)
        cur = new
        now += float(rng.uniform(5.0, 14.0))
    sway = x + 0.003 * smooth_noise(rng, t, 0.05, 0.2)
    offset = np.stack([sway, -np.abs(sway) * 0.15, np.zeros(n)], -1)
    roll = np.radians(-sway * 60.0)  # hips tilt down towards the unloaded side
    hips_rot = Q.axis_angle((0, 0, 1), roll)
    clip.root_offset[:] = offset
    bi = {b: i for i, b in enumerate(clip.bone_names)}
    clip.rotations[:, bi["hips"]] = hips_rot
    rest = skeleton.rest_positions
    hips_pos = rest[skeleton.index("hips")] + offset
    for side in ("left", "right"):
        ankle = np.broadcast_to(rest[skeleton.index(f"{side}Foot")], (n, 3))
        up, lo, ft = skeleton.leg_ik(side, hips_pos, hips_rot, ankle)
        clip.rotations[:, bi[f"{side}UpperLeg"]] = up
        clip.rotations[:, bi[f"{side}LowerLeg"]] = lo
        clip.rotations[:, bi[f"{side}Foot"]] = ft
