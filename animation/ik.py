"""Analytic two-bone IK in normalized humanoid space (arms and legs), batched over frames.

A limb is (upper, lower) with rest direction ``axis`` (left arm +X, right arm -X, legs -Y)
and a *flex side* (the side the lower bone folds towards at rest: +Z for arms, -Z for
legs). Given the limb root position, the parent's world rotation, a target for the end
joint and a pole (where the middle joint points), it returns normalized rotations.
"""

from __future__ import annotations

import numpy as np

from vhuman.animation import quat as Q


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _perp(v: np.ndarray, axis: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Unit component of ``v`` perpendicular to unit ``axis`` (``fallback`` when parallel)."""
    p = v - np.sum(v * axis, -1, keepdims=True) * axis
    n = np.linalg.norm(p, axis=-1, keepdims=True)
    fb = fallback - np.sum(fallback * axis, -1, keepdims=True) * axis
    return np.where(n > 1e-6, p / np.maximum(n, 1e-9), _unit(fb))


def _frame_rotation(
    rest_axis: np.ndarray, rest_flex: np.ndarray, axis: np.ndarray, flex: np.ndarray
) -> np.ndarray:
    """World rotation taking the rest (axis, flex) pair onto the target (axis, flex) pair."""
    rest_b = np.cross(rest_flex, rest_axis)
    r0 = np.stack([rest_axis, rest_b, rest_flex], axis=-1)  # columns
    b = np.cross(flex, axis)
    r1 = np.stack([axis, b, flex], axis=-1)
    return Q.from_matrix(r1 @ np.swapaxes(r0, -1, -2))


def two_bone_ik(
    root: np.ndarray,
    parent_rot: np.ndarray,
    target: np.ndarray,
    pole: np.ndarray,
    lengths: tuple[float, float],
    rest_axis: tuple[float, float, float],
    rest_flex: tuple[float, float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve one limb for T frames.

    ``root`` (T, 3) world position of the upper joint, ``parent_rot`` (T, 4) world rotation
    of its parent, ``target`` (T, 3) where the end joint should be, ``pole`` (T, 3) the
    direction the middle joint should point. Returns normalized (upper, lower) rotations
    and the world rotation of the lower bone (T, 4) and the reached end position (T, 3).
    Unreachable targets are approached along the same line (limb nearly straight).
    """
    a, b = lengths
    t = root.shape[0]
    ra = np.broadcast_to(np.asarray(rest_axis, np.float64), (t, 3))
    rf = np.broadcast_to(np.asarray(rest_flex, np.float64), (t, 3))
    d_vec = target - root
    d = np.linalg.norm(d_vec, axis=-1, keepdims=True)
    dc = np.clip(d, abs(a - b) + 0.05 * (a + b), 0.999 * (a + b))
    u = np.where(d > 1e-9, d_vec / np.maximum(d, 1e-9), Q.rotate(parent_rot, ra))
    pole_dir = _perp(np.asarray(pole, np.float64), u, Q.rotate(parent_rot, -rf))
    x = (a * a - b * b + dc**2) / (2 * dc)
    h = np.sqrt(np.maximum(a * a - x * x, 0.0))
    mid = root + u * x + pole_dir * h
    end = root + u * dc
    up_axis = _unit(mid - root)
    up_flex = _perp(-pole_dir, up_axis, -pole_dir)
    upper_w = _frame_rotation(ra, rf, up_axis, up_flex)
    lo_axis = _unit(end - mid)
    lo_b = np.cross(up_flex, up_axis)  # hinge: the lower bone turns about the upper's b axis
    lo_flex = np.cross(lo_axis, lo_b)
    lower_w = _frame_rotation(ra, rf, lo_axis, _unit(lo_flex))
    upper = Q.mul(Q.conj(parent_rot), upper_w)
    lower = Q.mul(Q.conj(upper_w), lower_w)
    return upper.astype(np.float32), lower.astype(np.float32), lower_w.astype(np.float32), end
