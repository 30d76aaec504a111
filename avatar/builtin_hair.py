"""The built-in host's hair and headset: a skull cap, swept locks and a ponytail.

The hair is a separate mesh, rigid on the ``head`` joint, in two tones: a darker cap that
gives the volume and the shadowed layer underneath, and lighter locks on top of it (bangs
over the forehead, side locks framing the face, layered locks at the back and a ponytail
tied with an accent-coloured band). Each lock starts inside the cap and rises out of it, so
no two hair surfaces lie on top of each other (no depth fighting). The headset (ear piece
and boom microphone) is the host's prop, also on the head.
"""

from __future__ import annotations

import numpy as np

from vhuman.avatar.builtin_face import HEAD_CENTER, HEAD_RADII, head_point
from vhuman.avatar.builtin_geometry import Piece, ellipsoid, grid_indices, orient_outward, sweep

Array = np.ndarray
CAP_SCALE = 1.10  # cap radius over the skull's


def _smooth(t: Array) -> Array:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _cap(lon: int = 80, rows: int = 22) -> Piece:
    """The skull cap: hairline high at the front, over the temples, down to the nape."""
    phi = np.linspace(-np.pi, np.pi, lon, endpoint=False)
    a = np.abs(phi)
    front_y = 1.708 - 0.006 * np.cos(phi * 7) ** 2
    side_y = 1.585 - 0.018 * np.clip((a - 1.2) / 0.5, 0, 1)
    back_y = 1.462 - 0.008 * np.abs(np.sin(phi * 9))
    w_side = _smooth((a - 0.78) / 0.35)
    w_back = _smooth((a - 1.75) / 0.5)
    y_low = (1 - w_side) * front_y + w_side * ((1 - w_back) * side_y + w_back * back_y)
    back = np.clip(-np.cos(phi), 0, None)
    scale = CAP_SCALE + 0.03 * back + 0.02 * np.abs(np.sin(phi))  # volume at back and sides
    th_low = np.arcsin(np.clip((y_low - HEAD_CENTER[1]) / (HEAD_RADII[1] * scale), -1, 1))
    t = np.linspace(0, 1, rows)[:, None]
    th = np.pi / 2 - 0.02 + t * (th_low[None] - np.pi / 2 + 0.02)
    pts = head_point(th, np.broadcast_to(phi, th.shape), 1.0)
    pts = HEAD_CENTER + (pts - HEAD_CENTER) * scale[None, :, None]
    pts[..., 1] += 0.014 * (1 - t) ** 2  # a little lift on the crown
    cap = Piece("hair_cap", "hair_shade", pts.reshape(-1, 3).astype(np.float32),
                grid_indices(rows, lon, wrap=True))
    cap.indices = orient_outward(cap.positions, cap.indices,
                                 np.broadcast_to(HEAD_CENTER, (len(cap.indices), 3)))
    return cap


def _lock(name: str, theta: Array, phi: Array, scale: Array, width: float, thick: float,
          tail: Array | None = None, facing: float = 0.0) -> Piece:
    """A hair lock following the head at (theta, phi, scale) samples, pointed at the tip.

    ``tail`` (T, 3) optionally continues the path below the head (hanging hair). The lock
    lies flat on the head; ``facing`` (0..1) turns its flat side towards the front instead
    (side locks framing the face read as ribbons from the camera, not as edges).
    """
    path = HEAD_CENTER + (head_point(theta, phi, 1.0) - HEAD_CENTER) * scale[:, None]
    if tail is not None:
        path = np.concatenate([path, tail])
    k = len(path)
    t = np.linspace(0, 1, k)
    half_w = width * np.sin(np.pi * (0.28 + 0.72 * t)) ** 0.8 + 0.0004
    half_t = thick * (1 - 0.75 * t) + 0.0003
    radial = path - HEAD_CENTER
    radial /= np.linalg.norm(radial, axis=1, keepdims=True)
    normal = (1 - facing) * radial + facing * np.array([0.0, 0.0, 1.0])
    side = np.cross(normal, np.gradient(path, axis=0))
    return sweep(name, "hair", path, side, half_w, half_t, 8)


def _bangs() -> list[Piece]:
    """Locks from the crown over the forehead, swept a little to one side."""
    pieces = []
    specs = [(-1.02, 0.10, 0.029), (-0.78, 0.36, 0.028), (-0.53, 0.46, 0.030),
             (-0.28, 0.50, 0.029), (-0.04, 0.56, 0.030), (0.20, 0.52, 0.029),
             (0.45, 0.47, 0.030), (0.70, 0.40, 0.028), (0.95, 0.16, 0.029)]
    k = 14
    t = np.linspace(0, 1, k)
    for i, (phi0, th_tip, width) in enumerate(specs):
        theta = 1.30 + (th_tip - 1.30) * t
        phi = phi0 * (0.55 + 0.45 * t) + 0.16 * t**2
        rise = _smooth(t / 0.22)
        scale = 1.05 + 0.115 * rise - 0.075 * _smooth((t - 0.55) / 0.45)
        pieces.append(_lock(f"bang_{i}", theta, phi, scale, width, 0.0048))
    return pieces


def _side_locks() -> list[Piece]:
    """Long locks in front of the ears, framing the face down to the jaw."""
    pieces = []
    k = 12
    t = np.linspace(0, 1, k)
    for s in (1.0, -1.0):
        for j, (phi0, th_end, width, drop, facing) in enumerate((
                (1.02, -0.80, 0.024, 0.040, 0.75), (1.30, -0.92, 0.030, 0.060, 0.55),
                (1.62, -0.85, 0.032, 0.040, 0.3))):
            theta = 1.05 + (th_end - 1.05) * t
            phi = s * (phi0 - 0.10 * t)
            scale = 1.05 + 0.10 * _smooth(t / 0.2) + 0.035 * t
            end = HEAD_CENTER + (head_point(np.array(th_end), np.array(s * (phi0 - 0.10)))
                                 - HEAD_CENTER) * scale[-1]
            tail = end + np.outer(np.linspace(0.3, 1, 3), [-s * 0.006, -drop, 0.004])
            pieces.append(_lock(f"side_lock_{s:+.0f}_{j}", theta, phi, scale, width, 0.0055,
                                tail, facing))
    return pieces


def _back_locks() -> list[Piece]:
    """Layered locks over the back of the head, ending in points at the nape."""
    pieces = []
    k = 12
    t = np.linspace(0, 1, k)
    for i, phi0 in enumerate((2.05, 2.45, 2.85, -2.85, -2.45, -2.05)):
        theta = 0.75 + (-0.86 - 0.75) * t
        phi = np.full(k, phi0) - 0.05 * np.sign(phi0) * t
        scale = 1.08 + 0.10 * _smooth(t / 0.25) + 0.02 * t
        pieces.append(_lock(f"back_lock_{i}", theta, phi, scale, 0.036, 0.006))
    return pieces


def _ponytail() -> list[Piece]:
    """A high ponytail: three locks from one root, tied with an accent band."""
    root = HEAD_CENTER + (head_point(np.array(0.62), np.array(np.pi)) - HEAD_CENTER) * 1.10
    pieces = []
    drop = np.array([(0.0, 0.0), (-0.012, -0.034), (-0.04, -0.056), (-0.09, -0.066),
                     (-0.15, -0.064), (-0.21, -0.056), (-0.26, -0.046)])
    for j, (dx, length, width) in enumerate(((0.0, 1.0, 0.034), (0.016, 0.84, 0.024),
                                              (-0.016, 0.9, 0.024))):
        u = np.linspace(0, 1, 16)
        s = np.linspace(0, 1, len(drop))
        y = np.interp(u * length, s, drop[:, 0])
        z = np.interp(u * length, s, drop[:, 1])
        x = dx * np.sin(np.pi * u) * 1.6
        path = root + np.stack([x, y, z], 1)
        half_w = width * np.sin(np.pi * (0.35 + 0.65 * u)) ** 0.7 + 0.0005
        half_t = (0.021 if j == 0 else 0.014) * (1 - 0.8 * u) + 0.0005
        pieces.append(sweep(f"ponytail_{j}", "hair", path, [1.0, 0.0, 0.0], half_w, half_t, 10))
    a = np.linspace(0, 2 * np.pi, 24)
    axis_dir = np.array([0.0, -0.35, -1.0]) / np.hypot(0.35, 1.0)
    u_dir = np.array([1.0, 0.0, 0.0])
    v_dir = np.cross(axis_dir, u_dir)
    ring = root + 0.004 * axis_dir + 0.026 * (np.outer(np.cos(a), u_dir) + np.outer(np.sin(a), v_dir))
    tie = sweep("hair_tie", "accent", ring, np.broadcast_to(axis_dir, ring.shape), 0.007,
                0.0065, 8)
    return pieces + [tie]


def _ahoge() -> Piece:
    """The toon "antenna" lock springing up from the crown and curling forward."""
    # low and forward: a tall one would raise the top of the character, and with it the
    # framing of the portrait camera (the head would shrink on screen)
    base = HEAD_CENTER + (head_point(np.array(1.33), np.array(-0.3)) - HEAD_CENTER) * 1.07
    u = np.linspace(0, 1, 12)
    path = base + np.stack([0.010 * u, 0.030 * np.sin(np.pi * 0.85 * u), 0.05 * u**1.3], 1)
    half_w = 0.0095 * np.sin(np.pi * (0.25 + 0.75 * u)) ** 0.8 + 0.0003
    return sweep("ahoge", "hair", path, [1.0, 0.0, 0.0], half_w, 0.0028 * (1 - 0.7 * u), 8)


def hair_pieces() -> list[Piece]:
    """Every hair piece, rigid on ``head``."""
    pieces = [_cap(), _ahoge()] + _bangs() + _side_locks() + _back_locks() + _ponytail()
    return [p.bind_rigid("head") for p in pieces]


def headset_pieces() -> list[Piece]:
    """An ear piece on the character's right and a boom microphone to the mouth corner."""
    ear = HEAD_CENTER + (head_point(np.array(-0.05), np.array(-1.57)) - HEAD_CENTER) * 1.21
    pieces = [ellipsoid("headset_ear", "headset", ear, [0.0065, 0.019, 0.019], 18, 10)]
    t = np.linspace(0, 1, 16)
    theta = -0.05 - 0.52 * t
    phi = -1.57 + 1.18 * _smooth(t * 1.05)
    scale = 1.21 - 0.11 * _smooth((t - 0.2) / 0.8)
    path = HEAD_CENTER + (head_point(theta, phi, 1.0) - HEAD_CENTER) * scale[:, None]
    pieces.append(sweep("headset_boom", "headset", path, [0.0, 1.0, 0.0], 0.0026, 0.0026, 8))
    pieces.append(ellipsoid("headset_mic", "mic", path[-1], [0.0062, 0.0062, 0.0075], 14, 8))
    return [p.bind_rigid("head") for p in pieces]
