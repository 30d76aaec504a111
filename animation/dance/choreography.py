"""Choreography: pick moves per phrase from the music, blend them, solve the legs.

Phrases are two bars long and start on downbeats (and at section changes); each phrase
gets a move that suits its energy, chosen with a seeded generator, never the same move
three times in a row. Neighbouring moves cross-fade over one beat around the boundary,
positions (hips, feet) before IK and rotations by slerp, so the feet stay planted through
transitions. Amplitude follows the music's energy frame by frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.clip import MotionClip
from vhuman.animation.dance.moves import MOVES, MovePose, mirror_pose
from vhuman.animation.dance.music import MusicAnalysis
from vhuman.animation.reference import REFERENCE, ReferenceSkeleton
from vhuman.animation.vocabulary import HUMANOID_BONES
from vhuman.models.types import InputError

log = logging.getLogger(__name__)

DANCE_BONES: tuple[str, ...] = tuple(
    b for b in HUMANOID_BONES if b not in ("leftEye", "rightEye", "jaw")
)
UPPER_BONES: tuple[str, ...] = tuple(
    b
    for b in DANCE_BONES
    if b not in ("hips",) and "Leg" not in b and "Foot" not in b and "Toes" not in b
)


@dataclass(frozen=True)
class PlannedMove:
    """One phrase of the dance: beats [start, end) dance ``move`` (mirrored or not)."""

    start: float
    end: float
    move: str
    mirror: bool
    energy: float


def phrase_starts(analysis: MusicAnalysis, phrase_beats: int = 8) -> list[float]:
    """Beat positions where phrases start: every ``phrase_beats`` from a downbeat, plus sections."""
    first = float(analysis.downbeat_phase)
    total = float(analysis.beat_position(np.array([analysis.duration]))[0]) + 1.0
    starts = list(
        np.arange(first - phrase_beats * np.ceil(first / phrase_beats), total, phrase_beats)
    )
    bpb = analysis.beats_per_bar
    section_beats = set()
    for t in analysis.sections[1:]:
        pos = float(analysis.beat_position(np.array([t]))[0])
        section_beats.add(round(first + bpb * round((pos - first) / bpb), 6))
    out: list[float] = []
    for s in sorted({round(float(x), 6) for x in starts} | section_beats):
        if out and s - out[-1] < bpb - 1e-6:
            if s in section_beats:  # a section change wins over the regular grid
                out[-1] = s
            continue
        out.append(s)
    return out


def plan_dance(
    analysis: MusicAnalysis, *, seed: int = 0, phrase_beats: int = 8, energy_scale: float = 1.0
) -> list[PlannedMove]:
    """Choose a move per phrase (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    starts = phrase_starts(analysis, phrase_beats)
    end_beat = float(analysis.beat_position(np.array([analysis.duration]))[0]) + 1.0
    bounds = starts + [max(end_beat, starts[-1] + 1.0)]
    plan: list[PlannedMove] = []
    for s, e in zip(bounds[:-1], bounds[1:], strict=False):
        period = 60.0 / analysis.tempo
        t0 = analysis.beats[0] + s * period if s < 0 else _beat_time(analysis, s)
        t1 = _beat_time(analysis, e)
        ts = np.linspace(max(t0, 0.0), min(max(t1, t0 + 1e-3), analysis.duration), 16)
        energy = float(np.clip(np.mean(analysis.energy_at(ts)) * energy_scale, 0.0, 1.0))
        recent = [p.move for p in plan[-2:]]
        banned = recent[0] if len(recent) == 2 and recent[0] == recent[1] else None
        cands = [
            m for m in MOVES.values() if m.energy[0] <= energy <= m.energy[1] and m.name != banned
        ]
        if not cands:
            cands = [m for m in MOVES.values() if m.name != banned]
        # prefer moves that fit the energy snugly, and variety over the last few phrases
        weights = np.array([1.0 / (0.15 + (m.energy[1] - m.energy[0])) for m in cands])
        weights *= np.array([0.35 if m.name in [p.move for p in plan[-4:]] else 1.0 for m in cands])
        move = cands[int(rng.choice(len(cands), p=weights / weights.sum()))]
        plan.append(PlannedMove(s, e, move.name, bool(rng.random() < 0.5), energy))
    return plan


def _beat_time(analysis: MusicAnalysis, beat: float) -> float:
    """Inverse of ``beat_position`` (time of a continuous beat index)."""
    b = analysis.beats
    period = 60.0 / analysis.tempo
    if beat <= 0:
        return float(b[0] + beat * period)
    if beat >= b.size - 1:
        return float(b[-1] + (beat - (b.size - 1)) * period)
    k = int(np.floor(beat))
    return float(b[k] + (beat - k) * (b[k + 1] - b[k]))


def _upper_rotations(pose: MovePose, n: int, skeleton: ReferenceSkeleton) -> dict[str, np.ndarray]:
    rots = {b: Q.identity(n) for b in UPPER_BONES}
    for bone, e in pose.euler.items():
        if bone in rots:
            rots[bone] = Q.from_euler(e)
    zeros = np.zeros((n, 3))
    for side, (target, pole) in pose.hands.items():
        up, lo = skeleton.arm_ik(side, zeros, Q.identity(n), target, pole)
        rots[f"{side}UpperArm"], rots[f"{side}LowerArm"] = up, lo
    return rots


def render_plan(
    plan: list[PlannedMove],
    analysis: MusicAnalysis,
    *,
    fps: float = 30.0,
    skeleton: ReferenceSkeleton = REFERENCE,
    blend_beats: float = 0.5,
) -> MotionClip:
    """Evaluate the planned moves over the music's duration into a body clip."""
    n = int(np.ceil(analysis.duration * fps - 1e-9))
    t = np.arange(n) / fps
    beat = analysis.beat_position(t)
    energy = np.clip(analysis.energy_at(t), 0.0, 1.0)
    hips = np.zeros((n, 3))
    hips_e = np.zeros((n, 3))
    feet = np.zeros((n, 2, 3))
    yaw = np.zeros((n, 2))
    total_w = np.zeros(n)
    upper = {b: Q.identity(n) for b in UPPER_BONES}
    for k, pm in enumerate(plan):
        lo = pm.start - (blend_beats if k > 0 else 1e9)
        hi = pm.end + (blend_beats if k + 1 < len(plan) else 1e9)
        idx = np.nonzero((beat >= lo) & (beat < hi))[0]
        if idx.size == 0:
            continue
        b = beat[idx] - pm.start
        move = MOVES[pm.move]
        # travelling moves keep the phrase's energy so a planted foot's spot never drifts
        e_move = np.full(idx.size, pm.energy) if move.travels else energy[idx]
        pose = move.fn(b, e_move)
        if pm.mirror:
            pose = mirror_pose(pose)
        w_in = (
            np.ones(idx.size)
            if k == 0
            else _ramp((beat[idx] - (pm.start - blend_beats)) / (2 * blend_beats))
        )
        w_out = (
            np.ones(idx.size)
            if k + 1 == len(plan)
            else 1 - _ramp((beat[idx] - (pm.end - blend_beats)) / (2 * blend_beats))
        )
        w = w_in * w_out
        # running weighted blend: new = old + (pose - old) * w / (accumulated + w)
        frac = w / np.maximum(total_w[idx] + w, 1e-9)
        hips[idx] += (pose.hips - hips[idx]) * frac[:, None]
        hips_e[idx] += (_unwrap_to(pose.hips_euler, hips_e[idx]) - hips_e[idx]) * frac[:, None]
        feet[idx] += (pose.feet - feet[idx]) * frac[:, None, None]
        foot_yaw = pose.foot_yaw - 2 * np.pi * np.round((pose.foot_yaw - yaw[idx]) / (2 * np.pi))
        yaw[idx] += (foot_yaw - yaw[idx]) * frac[:, None]
        for bone, q in _upper_rotations(pose, idx.size, skeleton).items():
            upper[bone][idx] = Q.slerp(upper[bone][idx], q, frac)
        total_w[idx] += w
    clip = MotionClip.rest(n, fps, [], DANCE_BONES)
    bi = {b: i for i, b in enumerate(DANCE_BONES)}
    for bone, q in upper.items():
        clip.rotations[:, bi[bone]] = q
    hips_rot = Q.from_euler(hips_e)
    clip.rotations[:, bi["hips"]] = hips_rot
    clip.root_offset[:] = hips
    hips_pos = skeleton.rest_positions[skeleton.index("hips")] + hips
    for k, side in enumerate(("left", "right")):
        thigh, shin, foot = skeleton.leg_ik(side, hips_pos, hips_rot, feet[:, k], yaw[:, k])
        clip.rotations[:, bi[f"{side}UpperLeg"]] = thigh
        clip.rotations[:, bi[f"{side}LowerLeg"]] = shin
        clip.rotations[:, bi[f"{side}Foot"]] = foot
    return clip


def _ramp(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _unwrap_to(e: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Euler angles shifted by multiples of 360 to be nearest ``ref`` (spins blend the short way)."""
    return e - 360.0 * np.round((e - ref) / 360.0)


def choreograph(
    analysis: MusicAnalysis,
    *,
    fps: float = 30.0,
    seed: int = 0,
    energy_scale: float = 1.0,
    phrase_beats: int = 8,
    skeleton: ReferenceSkeleton = REFERENCE,
) -> MotionClip:
    """The body dance (no face) for analysed music."""
    if fps <= 0:
        raise InputError(f"fps must be positive, got {fps}")
    plan = plan_dance(analysis, seed=seed, phrase_beats=phrase_beats, energy_scale=energy_scale)
    log.info("dance plan: %s", ", ".join(f"{p.move}@{p.start:g}" for p in plan))
    return render_plan(plan, analysis, fps=fps, skeleton=skeleton)


def accent_times(clip: MotionClip) -> np.ndarray:
    """Times (s) of the hips' lowest points — the groove's accents, which should land on
    beats — located to a fraction of a frame by a parabola through each minimum."""
    from scipy.signal import find_peaks

    y = clip.root_offset[:, 1].astype(np.float64)
    peaks, _ = find_peaks(-y, prominence=0.004)
    out = []
    for k in peaks:
        a, b, c = y[k - 1], y[k], y[k + 1]
        den = a - 2 * b + c
        out.append((k + (0.5 * (a - c) / den if abs(den) > 1e-12 else 0.0)) / clip.fps)
    return np.asarray(out)
