"""Numpy quaternion helpers (x, y, z, w), batched over leading axes.

The motion generators work in numpy (small arrays, many tiny ops); the torch kernels in
``animation.skinning`` take over for the rig. Euler angles use the intrinsic ``YZX`` order
(``q = Ry · Rz · Rx``) everywhere, the order the joint limits in
``animation.reference`` are written in.
"""

from __future__ import annotations

import numpy as np

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0], np.float32)


def identity(*shape: int) -> np.ndarray:
    """Identity quaternions of shape ``shape + (4,)``."""
    q = np.zeros((*shape, 4), np.float32)
    q[..., 3] = 1.0
    return q


def normalize(q: np.ndarray) -> np.ndarray:
    n: np.ndarray = np.linalg.norm(q, axis=-1, keepdims=True)
    return np.asarray(q / np.maximum(n, 1e-12))


def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a · b`` (apply ``b`` first, then ``a``)."""
    ax, ay, az, aw = np.moveaxis(a, -1, 0)
    bx, by, bz, bw = np.moveaxis(b, -1, 0)
    return np.stack(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ],
        axis=-1,
    )


def conj(q: np.ndarray) -> np.ndarray:
    return q * np.array([-1.0, -1.0, -1.0, 1.0], dtype=q.dtype)


def axis_angle(
    axis: np.ndarray | tuple[float, float, float], angle: np.ndarray | float
) -> np.ndarray:
    """Rotation of ``angle`` radians about ``axis`` (broadcast over ``angle``)."""
    ax = np.asarray(axis, np.float64)
    ax = ax / max(float(np.linalg.norm(ax)), 1e-12)
    half = np.asarray(angle, np.float64)[..., None] * 0.5
    return np.concatenate([ax * np.sin(half), np.cos(half)], axis=-1).astype(np.float32)


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (..., 3) by quaternions ``q`` (..., 4)."""
    u = q[..., :3]
    w = q[..., 3:4]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def from_euler(euler_deg: np.ndarray) -> np.ndarray:
    """Quaternions from intrinsic YZX Euler angles in degrees, ``euler[..., :] = (x, y, z)``."""
    e = np.radians(np.asarray(euler_deg, np.float64))
    qx = axis_angle((1, 0, 0), e[..., 0])
    qy = axis_angle((0, 1, 0), e[..., 1])
    qz = axis_angle((0, 0, 1), e[..., 2])
    return mul(mul(qy, qz), qx).astype(np.float32)


def to_euler(q: np.ndarray) -> np.ndarray:
    """Intrinsic YZX Euler angles (x, y, z) in degrees; inverse of :func:`from_euler`."""
    m = to_matrix(np.asarray(q, np.float64))
    # R = Ry Rz Rx: m[1,0] = sin z; m[1,1] = cos z cos x; m[1,2] = -cos z sin x;
    # m[0,0] = cos y cos z; m[2,0] = -sin y cos z
    z = np.arcsin(np.clip(m[..., 1, 0], -1.0, 1.0))
    x = np.arctan2(-m[..., 1, 2], m[..., 1, 1])
    y = np.arctan2(-m[..., 2, 0], m[..., 0, 0])
    return np.degrees(np.stack([x, y, z], axis=-1))


def to_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices."""
    x, y, z, w = np.moveaxis(normalize(q), -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=-2,
    )


def from_matrix(m: np.ndarray) -> np.ndarray:
    """Quaternions from (..., 3, 3) rotation matrices (robust branch selection)."""
    m = np.asarray(m, np.float64)
    flat = m.reshape(-1, 3, 3)
    out = np.empty((flat.shape[0], 4))
    for i, r in enumerate(flat):
        tr = r[0, 0] + r[1, 1] + r[2, 2]
        if tr > 0:
            s = np.sqrt(tr + 1.0) * 2
            out[i] = [
                (r[2, 1] - r[1, 2]) / s,
                (r[0, 2] - r[2, 0]) / s,
                (r[1, 0] - r[0, 1]) / s,
                0.25 * s,
            ]
        elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
            s = np.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2]) * 2
            out[i] = [
                0.25 * s,
                (r[0, 1] + r[1, 0]) / s,
                (r[0, 2] + r[2, 0]) / s,
                (r[2, 1] - r[1, 2]) / s,
            ]
        elif r[1, 1] > r[2, 2]:
            s = np.sqrt(1.0 + r[1, 1] - r[0, 0] - r[2, 2]) * 2
            out[i] = [
                (r[0, 1] + r[1, 0]) / s,
                0.25 * s,
                (r[1, 2] + r[2, 1]) / s,
                (r[0, 2] - r[2, 0]) / s,
            ]
        else:
            s = np.sqrt(1.0 + r[2, 2] - r[0, 0] - r[1, 1]) * 2
            out[i] = [
                (r[0, 2] + r[2, 0]) / s,
                (r[1, 2] + r[2, 1]) / s,
                0.25 * s,
                (r[1, 0] - r[0, 1]) / s,
            ]
    return normalize(out.reshape(*m.shape[:-2], 4)).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Spherical interpolation from ``a`` (t=0) to ``b`` (t=1), shortest path, batched."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    t = np.asarray(t, np.float64)[..., None] if np.ndim(t) else np.float64(t)
    d = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(d < 0, -b, b)
    d = np.abs(d)
    theta = np.arccos(np.clip(d, -1.0, 1.0))
    s = np.sin(theta)
    small = s < 1e-6
    safe = np.where(small, 1.0, s)
    wa = np.where(small, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    wb = np.where(small, t, np.sin(t * theta) / safe)
    return normalize(wa * a + wb * b).astype(np.float32)


def power(q: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """``q`` scaled to a fraction ``t`` of its angle (slerp from identity)."""
    return slerp(identity(*np.shape(q)[:-1]), q, t)


def angle(q: np.ndarray) -> np.ndarray:
    """Rotation angle in radians (0..pi)."""
    w = np.abs(np.clip(np.asarray(q)[..., 3], -1.0, 1.0))
    return 2.0 * np.arccos(w)


def between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Shortest rotation taking direction ``u`` onto direction ``v`` (batched)."""
    u = np.asarray(u, np.float64)
    v = np.asarray(v, np.float64)
    u = u / np.maximum(np.linalg.norm(u, axis=-1, keepdims=True), 1e-12)
    v = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
    c = np.cross(u, v)
    d = np.sum(u * v, axis=-1, keepdims=True)
    q = np.concatenate([c, 1.0 + d], axis=-1)
    opposite = (1.0 + d[..., 0]) < 1e-8
    if np.any(opposite):
        # any axis orthogonal to u
        alt = np.cross(u, np.array([1.0, 0.0, 0.0]))
        alt = np.where(
            np.linalg.norm(alt, axis=-1, keepdims=True) < 1e-6, np.cross(u, [0.0, 1.0, 0.0]), alt
        )
        q = np.where(opposite[..., None], np.concatenate([alt, np.zeros_like(d)], -1), q)
    return normalize(q).astype(np.float32)
