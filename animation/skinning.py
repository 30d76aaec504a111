"""Rig kernels in torch: quaternions, forward kinematics, morphs, skinning, normals.

Pure torch, device-agnostic (whatever device the inputs live on) and batched over frames:
every function takes a leading frame axis ``T`` so a whole video-frame batch of a motion
clip is evaluated in a handful of large tensor ops instead of a Python loop per frame.

Conventions (docs/architecture.md): quaternions are (x, y, z, w); matrices are
column-vector style (``world = parent @ local``); glTF axes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import overload

import numpy as np
import torch

Tensor = torch.Tensor
ParentsLike = Sequence[int] | np.ndarray | Tensor

__all__ = [
    "quat_normalize",
    "quat_conjugate",
    "quat_multiply",
    "quat_to_matrix",
    "quat_from_axis_angle",
    "quat_slerp",
    "local_matrices",
    "joint_levels",
    "forward_kinematics",
    "rest_world_rotations",
    "normalized_to_local",
    "blend_morphs",
    "dense_weights",
    "skin",
    "blended_transforms",
    "apply_blended",
    "normalize_components",
    "vertex_normals",
]


# --- quaternions (x, y, z, w) ---------------------------------------------------------


def quat_normalize(q: Tensor, eps: float = 1e-12) -> Tensor:
    """Unit quaternions (..., 4); a zero quaternion becomes identity instead of NaN."""
    norm = q.norm(dim=-1, keepdim=True)
    identity = torch.zeros_like(q)
    identity[..., 3] = 1.0
    return torch.where(norm > eps, q / norm.clamp_min(eps), identity)


def quat_conjugate(q: Tensor) -> Tensor:
    """Conjugate (the inverse of a unit quaternion), (..., 4)."""
    return torch.cat([-q[..., :3], q[..., 3:]], dim=-1)


def quat_multiply(a: Tensor, b: Tensor) -> Tensor:
    """Hamilton product ``a * b`` (apply ``b`` first, then ``a``); broadcasts (..., 4)."""
    a, b = torch.broadcast_tensors(a, b)
    av, aw = a[..., :3], a[..., 3:]
    bv, bw = b[..., :3], b[..., 3:]
    vec = aw * bv + bw * av + torch.linalg.cross(av, bv, dim=-1)
    w = aw * bw - (av * bv).sum(dim=-1, keepdim=True)
    return torch.cat([vec, w], dim=-1)


def quat_to_matrix(q: Tensor) -> Tensor:
    """Rotation matrices (..., 3, 3) from quaternions (..., 4) (normalized first)."""
    q = quat_normalize(q)
    x, y, z, w = q.unbind(-1)
    xx, yy, zz = x * x, y * y, z * z
    xy, xz, yz = x * y, x * z, y * z
    wx, wy, wz = w * x, w * y, w * z
    rows = [
        1 - 2 * (yy + zz), 2 * (xy - wz), 2 * (xz + wy),
        2 * (xy + wz), 1 - 2 * (xx + zz), 2 * (yz - wx),
        2 * (xz - wy), 2 * (yz + wx), 1 - 2 * (xx + yy),
    ]  # fmt: skip
    return torch.stack(rows, dim=-1).reshape(*q.shape[:-1], 3, 3)


def quat_from_axis_angle(axis: Tensor, angle: Tensor) -> Tensor:
    """Quaternions (..., 4) rotating ``angle`` radians (...,) about unit-ish ``axis`` (..., 3)."""
    axis = axis / axis.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    half = 0.5 * angle
    return torch.cat([axis * torch.sin(half)[..., None], torch.cos(half)[..., None]], dim=-1)


def quat_slerp(a: Tensor, b: Tensor, t: Tensor | float) -> Tensor:
    """Spherical interpolation from ``a`` to ``b`` along the shortest arc; broadcasts.

    ``t`` is (...) or a float in 0..1. Nearly parallel inputs fall back to normalized lerp,
    which is exact in the limit and avoids dividing by ``sin(0)``.
    """
    a = quat_normalize(a)
    b = quat_normalize(b)
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    if t.dim() < a.dim():
        t = t[..., None]
    dot = (a * b).sum(dim=-1, keepdim=True)
    b = torch.where(dot < 0, -b, b)  # q and -q are the same rotation: take the short way
    dot = dot.abs().clamp(max=1.0)
    theta = torch.acos(dot)
    sin_theta = torch.sin(theta)
    close = sin_theta < 1e-4
    safe = torch.where(close, torch.ones_like(sin_theta), sin_theta)
    wa = torch.where(close, 1 - t, torch.sin((1 - t) * theta) / safe)
    wb = torch.where(close, t, torch.sin(t * theta) / safe)
    return quat_normalize(wa * a + wb * b)


# --- transforms and forward kinematics ------------------------------------------------


def local_matrices(t: Tensor, r: Tensor, s: Tensor | None = None) -> Tensor:
    """Local transforms ``T · R · S`` (..., 4, 4) from translation (..., 3), xyzw rotation
    (..., 4) and optional scale (..., 3), as glTF composes a node's TRS."""
    rot = quat_to_matrix(r)
    if s is not None:
        rot = rot * s[..., None, :]  # scales columns: R @ diag(s)
    out = torch.zeros(*rot.shape[:-2], 4, 4, dtype=rot.dtype, device=rot.device)
    out[..., :3, :3] = rot
    out[..., :3, 3] = t
    out[..., 3, 3] = 1.0
    return out


def _parents_tuple(parents: ParentsLike) -> tuple[int, ...]:
    if isinstance(parents, Tensor):
        return tuple(int(p) for p in parents.tolist())
    return tuple(int(p) for p in np.asarray(parents).reshape(-1).tolist())


@functools.lru_cache(maxsize=64)
def _levels(parents: tuple[int, ...]) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    depth: list[int] = []
    for i, p in enumerate(parents):
        if p >= i:
            raise ValueError(f"joint {i} comes before its parent {p}: parents must be topological")
        depth.append(0 if p < 0 else depth[p] + 1)
    levels = []
    for d in range(1, max(depth, default=0) + 1):
        idx = tuple(i for i, dd in enumerate(depth) if dd == d)
        levels.append((idx, tuple(parents[i] for i in idx)))
    return tuple(levels)


@functools.lru_cache(maxsize=64)
def _level_tensors(
    parents: tuple[int, ...], device: torch.device
) -> tuple[tuple[Tensor, Tensor], ...]:
    """:func:`_levels` as index tensors on ``device``, built once (live batches are small,
    so per-call tensor creation would be a visible share of the frame time)."""
    return tuple(
        (torch.tensor(idx, device=device), torch.tensor(par, device=device))
        for idx, par in _levels(parents)
    )


def joint_levels(parents: ParentsLike) -> list[tuple[list[int], list[int]]]:
    """Joints grouped by depth below the roots: ``[(joint_indices, their_parents), ...]``.

    Forward kinematics runs one batched matmul per level rather than one per joint.
    """
    return [(list(i), list(p)) for i, p in _levels(_parents_tuple(parents))]


def forward_kinematics(parents: ParentsLike, local: Tensor) -> Tensor:
    """World transforms (T, J, 4, 4) from local transforms (T, J, 4, 4).

    ``parents`` (J,) lists each joint's parent (-1 for roots) in topological order.
    """
    if local.shape[-3] != len(_parents_tuple(parents)):
        raise ValueError(f"local has {local.shape[-3]} joints, parents {len(parents)}")
    world = local.clone()
    for i, p in _level_tensors(_parents_tuple(parents), local.device):
        world[..., i, :, :] = world[..., p, :, :] @ local[..., i, :, :]
    return world


def rest_world_rotations(parents: ParentsLike, rest_local_rot: Tensor) -> Tensor:
    """Rest-pose world rotations (J, 4) by chaining local rest rotations (scale ignored)."""
    world = quat_normalize(rest_local_rot).clone()
    for idx, par in _levels(_parents_tuple(parents)):
        i = torch.tensor(idx, device=world.device)
        p = torch.tensor(par, device=world.device)
        world[i] = quat_multiply(world[p], world[i])
    return world


def normalized_to_local(
    q_norm: Tensor,
    bone_joint_idx: Sequence[int] | Tensor,
    rest_world_rot: Tensor,
    rest_local_rot: Tensor,
    parents: ParentsLike,
) -> Tensor:
    """Convert normalized humanoid rotations (T, B, 4) to local joint rotations (T, B, 4).

    A normalized rotation is expressed in world-aligned axes of the rest pose (identity =
    rest), so ``local_b = W_parent^-1 · q · W_parent · L_b`` with W the parent's rest world
    rotation and L the bone's rest local rotation. This is what lets a motion authored for
    ``leftUpperArm`` drive rigs whose bones have arbitrary rest orientations.
    """
    idx = torch.as_tensor(bone_joint_idx, dtype=torch.long, device=rest_local_rot.device)
    par = torch.as_tensor(_parents_tuple(parents), dtype=torch.long, device=idx.device)[idx]
    identity = torch.zeros(4, dtype=rest_world_rot.dtype, device=rest_world_rot.device)
    identity[3] = 1.0
    w_parent = torch.where((par >= 0)[:, None], rest_world_rot[par.clamp_min(0)], identity)
    rest_local = quat_normalize(rest_local_rot[idx])
    q = quat_normalize(q_norm)
    local = quat_multiply(quat_conjugate(w_parent), quat_multiply(q, w_parent))
    return quat_normalize(quat_multiply(local, rest_local))


# --- meshes ---------------------------------------------------------------------------


def blend_morphs(base: Tensor, deltas: Tensor, weights: Tensor) -> Tensor:
    """Morphed positions (T, V, 3) = base (V, 3) + Σ_m weights (T, M) · deltas (M, V, 3)."""
    t = weights.shape[0]
    if deltas.shape[0] == 0:
        return base.expand(t, *base.shape).clone()
    if deltas.shape[0] != weights.shape[1]:
        raise ValueError(f"{deltas.shape[0]} morph targets but {weights.shape[1]} weights")
    flat = weights.to(deltas.dtype) @ deltas.reshape(deltas.shape[0], -1)
    return base + flat.reshape(t, *base.shape)


def dense_weights(joints: Tensor, weights: Tensor, num_joints: int) -> Tensor:
    """Dense skin weights (V, J) from glTF-style (V, K) joint indices and weights.

    Rows are renormalized to sum to one (glTF requires it, exporters often drift);
    vertices with no weight at all stay zero.
    """
    dense = torch.zeros(joints.shape[0], num_joints, dtype=weights.dtype, device=weights.device)
    dense.scatter_add_(1, joints.long(), weights)
    total = dense.sum(dim=1, keepdim=True)
    return torch.where(total > 0, dense / total.clamp_min(1e-12), dense)


@overload
def skin(
    positions: Tensor,
    weights: Tensor | tuple[Tensor, Tensor],
    skin_mats: Tensor,
    normals: None = None,
) -> Tensor: ...


@overload
def skin(
    positions: Tensor, weights: Tensor | tuple[Tensor, Tensor], skin_mats: Tensor, normals: Tensor
) -> tuple[Tensor, Tensor]: ...


def skin(
    positions: Tensor,
    weights: Tensor | tuple[Tensor, Tensor],
    skin_mats: Tensor,
    normals: Tensor | None = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """Linear blend skinning: ``p' = Σ_j w_vj · M_j · p`` for T frames.

    - ``positions`` (T, V, 3) or (V, 3) in bind space
    - ``weights``: dense (V, J), or a sparse pair ``(joints (V, K) long, weights (V, K))``
    - ``skin_mats`` (T, J, 4, 4): ``world_j @ inverse_bind_j``
    - ``normals`` (T, V, 3) or (V, 3), optional: transformed by the blended 3×3 and
      renormalized (exact for rotations and uniform scale).

    Returns positions (T, V, 3), or ``(positions, normals)`` when normals are given. Dense
    weights run as one matmul and are the faster path on CPU.
    """
    t = skin_mats.shape[0]
    affine = skin_mats[..., :3, :]  # (T, J, 3, 4)
    if isinstance(weights, tuple):
        joints, w = weights
        gathered = affine[:, joints.long()]  # (T, V, K, 3, 4)
        blended = (gathered * w[None, :, :, None, None]).sum(dim=2)
    else:
        v = weights.shape[0]
        blended = (weights @ affine.reshape(t, affine.shape[1], 12)).reshape(t, v, 3, 4)
    pos = positions if positions.dim() == 3 else positions.expand(t, *positions.shape)
    if normals is None:
        return (blended[..., :3] @ pos[..., None]).squeeze(-1) + blended[..., 3]
    nrm = normals if normals.dim() == 3 else normals.expand(t, *normals.shape)
    both = blended[..., :3] @ torch.stack([pos, nrm], dim=-1)  # one batched 3x3 @ 3x2
    out = both[..., 0] + blended[..., 3]
    n_out = both[..., 1]
    return out, n_out / n_out.norm(dim=-1, keepdim=True).clamp_min(1e-12)


# --- merged, component-major skinning (one pass for every mesh of a character) ----------
#
# Layout: vectors are stored component-major, (3, T, V), so every step is a handful of
# large contiguous elementwise ops and one GEMM - no per-vertex 3x3 batched matmuls (which
# torch runs slowly on CPU for tiny matrices) and no reductions over a size-3 last axis.


def blended_transforms(weights_t: Tensor, skin_mats: Tensor) -> Tensor:
    """Per-vertex blended affine transforms, component-major ``(3, 4, T, V)``.

    ``weights_t`` (J, V) are dense skin weights (joint-major), ``skin_mats`` (T, J, 4, 4)
    the matching ``world @ inverse_bind``; entry ``[r, c, t, v] = Σ_j w_jv · M_tj[r, c]``.
    One ``(12T, J) @ (J, V)`` matmul for all frames and vertices.
    """
    t, j = skin_mats.shape[0], skin_mats.shape[1]
    if weights_t.shape[0] != j:
        raise ValueError(f"{weights_t.shape[0]} weight rows but {j} skin matrices")
    lhs = skin_mats[:, :, :3, :].permute(2, 3, 0, 1).reshape(12 * t, j)
    return (lhs @ weights_t).view(3, 4, t, weights_t.shape[1])


def apply_blended(blended: Tensor, vectors: Tensor, translate: bool = True) -> Tensor:
    """``(3, T, V)`` = blended 3x3 (+ translation) applied to ``vectors`` (3, V) or (3, T, V).

    ``blended`` is (3, 4, T, V) from :func:`blended_transforms` (or a vertex subset of it);
    ``translate=False`` transforms directions (normals, morph deltas).
    """
    x, y, z = vectors[0], vectors[1], vectors[2]
    out = blended[:, 0] * x if not translate else torch.addcmul(blended[:, 3], blended[:, 0], x)
    out.addcmul_(blended[:, 1], y)
    return out.addcmul_(blended[:, 2], z)


def normalize_components(vectors: Tensor, eps: float = 1e-12) -> Tensor:
    """Unit vectors from component-major (3, ...) vectors; zero vectors stay zero."""
    norm_sq = vectors[0] * vectors[0]
    norm_sq.addcmul_(vectors[1], vectors[1]).addcmul_(vectors[2], vectors[2])
    return vectors * torch.rsqrt(norm_sq.clamp_min_(eps * eps))


def vertex_normals(positions: Tensor, faces: Tensor, weld: Tensor | None = None) -> Tensor:
    """Area-weighted vertex normals (T, V, 3) of triangles ``faces`` (F, 3).

    ``weld`` (V,) optionally maps vertices to groups (e.g. same bind position) whose normals
    are shared, so UV seams do not show as shading creases. Unreferenced vertices get zero.
    """
    squeeze = positions.dim() == 2
    pos = positions[None] if squeeze else positions
    f = faces.long()
    v0, v1, v2 = pos[:, f[:, 0]], pos[:, f[:, 1]], pos[:, f[:, 2]]
    face_n = torch.linalg.cross(v1 - v0, v2 - v0, dim=-1)  # length = 2 · area
    groups = f if weld is None else weld.long()[f]
    n_groups = pos.shape[1] if weld is None else int(weld.max().item()) + 1
    acc = torch.zeros(pos.shape[0], n_groups, 3, dtype=pos.dtype, device=pos.device)
    for k in range(3):
        acc.index_add_(1, groups[:, k], face_n)
    if weld is not None:
        acc = acc[:, weld.long()]
    out = acc / acc.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return out[0] if squeeze else out
