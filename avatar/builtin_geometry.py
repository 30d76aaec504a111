"""Mesh-building helpers for the built-in character: lofts, ellipsoids, grids, normals, weights.

Everything is plain numpy so the generator is deterministic and fast (~0.3 s). A
:class:`Piece` is one coloured part of the body (a material name, triangles, per-vertex skin
weights and optional morph deltas); :mod:`avatar.builtin` merges pieces into glTF primitives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Array = np.ndarray


@dataclass
class Piece:
    """One part of the character: ``positions`` (V, 3), ``indices`` (F, 3), a material name.

    ``joints``/``weights`` are (V, 4) skin influences (joint *names* are resolved later via
    ``joint_names``); ``morphs`` maps a morph-target name to (V, 3) position deltas.
    """

    name: str
    material: str
    positions: Array
    indices: Array
    joint_names: list[str] = field(default_factory=list)
    joints: Array | None = None
    weights: Array | None = None
    morphs: dict[str, Array] = field(default_factory=dict)

    def bind_rigid(self, joint: str) -> Piece:
        """Bind every vertex to one joint with weight 1."""
        n = len(self.positions)
        self.joint_names = [joint]
        self.joints = np.zeros((n, 4), np.int64)
        self.weights = np.zeros((n, 4), np.float32)
        self.weights[:, 0] = 1.0
        return self


def grid_indices(n_rows: int, n_cols: int, wrap: bool = False, offset: int = 0) -> Array:
    """Triangles of a (n_rows, n_cols) vertex grid laid out row-major; ``wrap`` closes columns."""
    cols = n_cols if wrap else n_cols - 1
    rr, cc = np.meshgrid(np.arange(n_rows - 1), np.arange(cols), indexing="ij")
    r, c = rr.ravel(), cc.ravel()
    c1 = (c + 1) % n_cols
    a = r * n_cols + c
    b = r * n_cols + c1
    d = (r + 1) * n_cols + c
    e = (r + 1) * n_cols + c1
    tris = np.concatenate([np.stack([a, d, b], 1), np.stack([b, d, e], 1)])
    return tris.astype(np.int64) + offset


def vertex_normals(positions: Array, indices: Array) -> Array:
    """Area-weighted smooth vertex normals (unit length; +Y where undefined)."""
    p = positions.astype(np.float64)
    tri = p[indices]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n = np.zeros_like(p)
    for k in range(3):
        np.add.at(n, indices[:, k], fn)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    out = np.where(length > 1e-12, n / np.maximum(length, 1e-12), np.array([0.0, 1.0, 0.0]))
    return out.astype(np.float32)


def orient_outward(positions: Array, indices: Array, inside: Array) -> Array:
    """Flip all triangles if most face normals point towards ``inside`` points (per face)."""
    tri = positions[indices]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    out = tri.mean(axis=1) - inside
    if float(np.sum(np.einsum("ij,ij->i", fn, out) < 0)) > 0.5 * len(indices):
        return indices[:, ::-1].copy()
    return indices


def _frame(axis: str) -> tuple[Array, Array, Array]:
    """(along, first radius direction, second radius direction) for a loft axis name.

    Rings of an X loft use (z, y) radii, of a Y loft (x, z), of a Z loft (x, y).
    """
    sign = -1.0 if axis.startswith("-") else 1.0
    k = "xyz".index(axis[-1])
    eye = np.eye(3)
    first, second = {0: (2, 1), 1: (0, 2), 2: (0, 1)}[k]
    return eye[k] * sign, eye[first], eye[second]


def loft(
    name: str,
    material: str,
    centers: npt.ArrayLike,
    radii: npt.ArrayLike,
    axis: str = "y",
    around: int = 24,
    cap_rings: int = 4,
    cap_depth: float = 0.8,
) -> Piece:
    """A closed tube through ring ``centers`` (K, 3) with elliptical ``radii`` (K, 2).

    Rings lie perpendicular to ``axis`` (``'x'``, ``'y'``, ``'z'``); ends are rounded with
    ``cap_rings`` shrinking rings and a pole, so normals stay smooth. The caps bulge out by
    ``cap_depth`` × the end radius (small values give flat ends that meet a neighbouring
    part at an angle instead of hugging it).
    """
    centers = np.asarray(centers, np.float64)
    radii = np.asarray(radii, np.float64)
    along, ea, eb = _frame(axis)
    order = np.sign(float(np.dot(centers[-1] - centers[0], along))) or 1.0
    direction = along * order
    rings_c: list[Array] = []
    rings_r: list[Array] = []
    for end, sgn in ((0, -1.0), (-1, 1.0)):
        cap_c, cap_r = [], []
        depth = cap_depth * float(np.mean(radii[end]))
        for step in range(cap_rings, 0, -1):
            t = step / (cap_rings + 1) * (np.pi / 2)
            cap_c.append(centers[end] + sgn * direction * depth * np.sin(t))
            cap_r.append(radii[end] * np.cos(t))
        if end == 0:
            rings_c = cap_c + list(centers)
            rings_r = cap_r + list(radii)
        else:
            rings_c += cap_c[::-1]
            rings_r += cap_r[::-1]
    k = len(rings_c)
    ang = np.linspace(0, 2 * np.pi, around, endpoint=False)
    ring = np.stack([np.cos(ang), np.sin(ang)], 1)
    pts = np.array(
        [c + r[0] * ring[:, :1] * ea + r[1] * ring[:, 1:] * eb for c, r in zip(rings_c, rings_r, strict=False)]
    ).reshape(-1, 3)
    start_pole = centers[0] - direction * cap_depth * float(np.mean(radii[0]))
    end_pole = centers[-1] + direction * cap_depth * float(np.mean(radii[-1]))
    positions = np.concatenate([pts, start_pole[None], end_pole[None]])
    tris = [grid_indices(k, around, wrap=True)]
    sp, ep = k * around, k * around + 1
    i = np.arange(around)
    tris.append(np.stack([np.full(around, sp), (i + 1) % around, i], 1))
    last = (k - 1) * around
    tris.append(np.stack([np.full(around, ep), last + i, last + (i + 1) % around], 1))
    indices = np.concatenate(tris)
    inside = np.repeat(np.array(rings_c), around, axis=0)
    inside = np.concatenate([inside, start_pole[None], end_pole[None]])
    indices = orient_outward(positions, indices, inside[indices].mean(axis=1))
    return Piece(name, material, positions.astype(np.float32), indices)


def ellipsoid(
    name: str, material: str, center: npt.ArrayLike, radii: npt.ArrayLike, lon: int = 24,
    lat: int = 16
) -> Piece:
    """A UV ellipsoid (poles on the Y axis) as a closed, outward-facing mesh."""
    center = np.asarray(center, np.float64)
    radii = np.asarray(radii, np.float64)
    theta = np.linspace(-np.pi / 2, np.pi / 2, lat + 1)[1:-1]
    phi = np.linspace(0, 2 * np.pi, lon, endpoint=False)
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    d = np.stack([np.cos(th) * np.sin(ph), np.sin(th), np.cos(th) * np.cos(ph)], -1)
    pts = (center + d * radii).reshape(-1, 3)
    bottom = center - np.array([0, radii[1], 0])
    top = center + np.array([0, radii[1], 0])
    positions = np.concatenate([pts, bottom[None], top[None]])
    rows = len(theta)
    tris = [grid_indices(rows, lon, wrap=True)]
    i = np.arange(lon)
    bp, tp = rows * lon, rows * lon + 1
    tris.append(np.stack([np.full(lon, bp), i, (i + 1) % lon], 1))
    last = (rows - 1) * lon
    tris.append(np.stack([np.full(lon, tp), last + (i + 1) % lon, last + i], 1))
    indices = orient_outward(positions, np.concatenate(tris), center)
    return Piece(name, material, positions.astype(np.float32), indices)


def merge(name: str, material: str, pieces: list[Piece]) -> Piece:
    """Concatenate pieces that share a material (and their morphs, zero where absent)."""
    offsets = np.cumsum([0] + [len(p.positions) for p in pieces])
    positions = np.concatenate([p.positions for p in pieces])
    indices = np.concatenate([p.indices + o for p, o in zip(pieces, offsets[:-1], strict=False)])
    names: list[str] = []
    for p in pieces:
        names += [n for n in p.joint_names if n not in names]
    joints = np.concatenate(
        [np.array([names.index(p.joint_names[j]) for j in range(len(p.joint_names))])[p.joints]
         for p in pieces]
    )
    weights = np.concatenate([p.weights for p in pieces])
    morph_names: list[str] = []
    for p in pieces:
        morph_names += [m for m in p.morphs if m not in morph_names]
    morphs = {}
    for m in morph_names:
        morphs[m] = np.concatenate(
            [p.morphs.get(m, np.zeros_like(p.positions)) for p in pieces]
        ).astype(np.float32)
    return Piece(name, material, positions, indices, names, joints, weights.astype(np.float32),
                 morphs)


def segment_distance(points: Array, a: Array, b: Array) -> Array:
    """Distance from each of ``points`` (N, 3) to the segment a–b."""
    ab = b - a
    t = np.clip(((points - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1)


def bone_weights(
    piece: Piece, bones: dict[str, tuple[Array, Array]], power: float = 6.0,
    gain: dict[str, Array] | None = None,
) -> Piece:
    """Smooth skin weights from distances to bone segments (inverse power, top 4).

    A high ``power`` keeps each region bound to its nearest bone while vertices around a
    joint, equidistant to both segments, blend evenly; that avoids the hard creases (and the
    collapsing "candy wrapper") of nearest-bone binding. ``gain`` optionally scales a bone's
    raw weight per vertex (V,), to keep a bone off a region that is near it only by
    distance (the arms off the front of the chest).
    """
    names = list(bones)
    d = np.stack([segment_distance(piece.positions, *bones[n]) for n in names], 1)
    d = np.maximum(d, 1e-4)
    d = d / d.min(axis=1, keepdims=True)
    w = 1.0 / np.power(d, power)
    for k, n in enumerate(names):
        if gain is not None and n in gain:
            w[:, k] *= gain[n]
    top = np.argsort(-w, axis=1)[:, :4]
    tw = np.take_along_axis(w, top, 1)
    tw[tw < 0.01 * tw[:, :1]] = 0.0
    tw /= tw.sum(axis=1, keepdims=True)
    if top.shape[1] < 4:
        pad = 4 - top.shape[1]
        top = np.pad(top, ((0, 0), (0, pad)))
        tw = np.pad(tw, ((0, 0), (0, pad)))
    piece.joint_names = names
    piece.joints = top.astype(np.int64)
    piece.weights = tw.astype(np.float32)
    return piece


def sweep(
    name: str,
    material: str,
    path: npt.ArrayLike,
    side: npt.ArrayLike,
    half_width: npt.ArrayLike,
    half_thickness: npt.ArrayLike,
    around: int = 10,
) -> Piece:
    """A closed tube along the curve ``path`` (K, 3) with an elliptical section.

    The section is ``half_width`` × ``half_thickness`` (K,) wide; its wide axis follows
    ``side`` (K, 3), made perpendicular to the curve. Both ends close on a pole slightly
    past the end point, so a section tapering to nothing gives a pointed tip (hair locks).
    """
    path = np.asarray(path, np.float64)
    hw = np.broadcast_to(np.asarray(half_width, np.float64), (len(path),))
    ht = np.broadcast_to(np.asarray(half_thickness, np.float64), (len(path),))
    tangent = np.gradient(path, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-12)
    a = np.broadcast_to(np.asarray(side, np.float64), path.shape).copy()
    a -= np.einsum("ij,ij->i", a, tangent)[:, None] * tangent
    a /= np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = np.cross(tangent, a)
    ang = np.linspace(0, 2 * np.pi, around, endpoint=False)
    rings = (path[:, None] + hw[:, None, None] * np.cos(ang)[None, :, None] * a[:, None]
             + ht[:, None, None] * np.sin(ang)[None, :, None] * b[:, None])
    k = len(path)
    start = path[0] - tangent[0] * 0.5 * max(float(ht[0]), 1e-4)
    end = path[-1] + tangent[-1] * 0.5 * max(float(ht[-1]), 1e-4)
    positions = np.concatenate([rings.reshape(-1, 3), start[None], end[None]])
    i = np.arange(around)
    sp, ep, last = k * around, k * around + 1, (k - 1) * around
    tris = np.concatenate([grid_indices(k, around, wrap=True),
                           np.stack([np.full(around, sp), (i + 1) % around, i], 1),
                           np.stack([np.full(around, ep), last + i, last + (i + 1) % around], 1)])
    inside = np.concatenate([np.repeat(path, around, axis=0), start[None], end[None]])
    tris = orient_outward(positions, tris, inside[tris].mean(axis=1))
    return Piece(name, material, positions.astype(np.float32), tris)


def slab(
    name: str,
    material: str,
    surface: Callable[[Array, Array, Array], Array],
    xy: npt.ArrayLike,
    lift: npt.ArrayLike,
    sink: float = 0.0015,
) -> Piece:
    """A raised patch lying on a height-field ``surface(x, y, offset) -> (..., 3)``.

    ``xy`` (R, C, 2) samples the patch, placed ``lift`` (R, C) above the surface; a skirt
    runs from its border to ``sink`` below the surface. The patch therefore has no open
    edge and is never coplanar with what it sits on (no depth fighting), the way lapels,
    badges and collar points sit on a jacket.
    """
    xy = np.asarray(xy, np.float64)
    rows, cols = xy.shape[:2]
    if rows < 3 or cols < 3:
        raise ValueError(f"slab {name!r} needs at least a 3x3 grid, got {rows}x{cols}")
    lift = np.broadcast_to(np.asarray(lift, np.float64), (rows, cols))
    top = surface(xy[..., 0], xy[..., 1], lift).reshape(-1, 3)
    rc = ([(0, c) for c in range(cols)] + [(r, cols - 1) for r in range(1, rows)]
          + [(rows - 1, c) for c in range(cols - 2, -1, -1)]
          + [(r, 0) for r in range(rows - 2, 0, -1)])
    r_idx, c_idx = np.array(rc).T
    border = r_idx * cols + c_idx
    low = surface(xy[r_idx, c_idx, 0], xy[r_idx, c_idx, 1], np.full(len(rc), -sink))
    n, m = rows * cols, len(rc)
    j = np.arange(m)
    skirt = np.concatenate([np.stack([border, n + j, border[(j + 1) % m]], 1),
                            np.stack([border[(j + 1) % m], n + j, n + (j + 1) % m], 1)])
    positions = np.concatenate([top, low])
    below = surface(xy[..., 0], xy[..., 1], lift - 0.01).reshape(-1, 3)
    grid = grid_indices(rows, cols)
    grid = orient_outward(positions, grid, below[grid].mean(axis=1))
    inward = np.clip(r_idx, 1, rows - 2) * cols + np.clip(c_idx, 1, cols - 2)
    skirt = orient_outward(positions, skirt, _skirt_ref(skirt, border, n, top[inward]))
    return Piece(name, material, positions.astype(np.float32), np.concatenate([grid, skirt]))


def _skirt_ref(skirt: Array, border: Array, n: int, inner: Array) -> Array:
    """Per skirt face: the mean of the interior grid points next to its border vertices."""
    slot = np.zeros(n + len(border), np.int64)
    slot[border] = np.arange(len(border))
    slot[n:] = np.arange(len(border))
    return inner[slot[skirt]].mean(axis=1)
