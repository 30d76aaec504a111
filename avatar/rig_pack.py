"""All meshes of a character packed into one device buffer for single-pass skinning.

:func:`pack_meshes` concatenates every mesh's vertices (offsets per mesh), keeps one dense
skin-weight matrix over only the joints that influence some vertex (the joint axis is
compacted), and one morph basis restricted to the vertices that some morph target moves
(component-major, so a batch of weights turns into deltas with one matmul). The rig then
evaluates the whole character in one pass and hands out per-mesh views.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from vhuman.animation.skinning import dense_weights, vertex_normals
from vhuman.avatar.character import Character, MeshPart
from vhuman.models.types import InputError

log = logging.getLogger(__name__)


@dataclass
class PackedMeshes:
    """The character's meshes as one buffer on a torch device.

    - ``offsets`` (N+1,): mesh ``i`` owns vertices ``offsets[i]:offsets[i+1]``
    - ``morph_offsets`` (N+1,): mesh ``i`` owns morph columns ``morph_offsets[i]:...[i+1]``
    - ``base`` / ``normals`` (3, V): bind positions and unit normals, component-major
    - ``joints`` (Ju,): skeleton joints with any weight; ``weights_t`` (Ju, V) dense weights
    - ``morph_rows`` (Vm,): vertices moved by any morph; ``row_weights_t`` (Ju, Vm) their
      skin weights; ``deltas`` / ``normal_deltas`` (M, 3·Vm): per morph, the
      component-major deltas of those rows
    - ``faces`` (F, 3) global vertex indices; ``weld`` (V,) groups of coincident vertices
      within one mesh (for recomputed normals)
    """

    offsets: list[int]
    morph_offsets: list[int]
    base: torch.Tensor
    normals: torch.Tensor
    joints: torch.Tensor
    weights_t: torch.Tensor
    morph_rows: torch.Tensor
    row_weights_t: torch.Tensor
    deltas: torch.Tensor
    normal_deltas: torch.Tensor
    faces: torch.Tensor
    weld: torch.Tensor

    @property
    def num_vertices(self) -> int:
        return self.offsets[-1]

    @property
    def num_morphs(self) -> int:
        return self.morph_offsets[-1]

    @property
    def num_morph_rows(self) -> int:
        return int(self.morph_rows.numel())


def finite(name: str, arr: np.ndarray) -> None:
    """Raise :class:`InputError` naming ``name`` when ``arr`` holds NaN or inf."""
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or inf")


@dataclass
class _MeshArrays:
    base: torch.Tensor  # (V, 3)
    normals: torch.Tensor  # (V, 3)
    deltas: torch.Tensor  # (M, V, 3)
    normal_deltas: torch.Tensor  # (M, V, 3)
    faces: torch.Tensor  # (F, 3) local
    weights: torch.Tensor  # (V, J) dense over all skeleton joints
    weld: np.ndarray  # (V,) local groups


def _mesh_arrays(index: int, mesh: MeshPart, num_joints: int, dev: torch.device) -> _MeshArrays:
    """One mesh's checked device arrays (bind data, dense weights, morph deltas)."""
    f32 = torch.float32
    where = f"mesh {index} ({mesh.name!r})"
    if mesh.num_vertices == 0 or mesh.num_triangles == 0:
        raise InputError(f"{where} has no vertices or triangles")
    finite(f"{where} positions", mesh.positions)
    if int(mesh.indices.max()) >= mesh.num_vertices:
        raise InputError(f"{where} indices reference vertex {int(mesh.indices.max())}")
    if int(mesh.joints.max()) >= num_joints or int(mesh.joints.min()) < 0:
        raise InputError(f"{where} joints reference a joint outside 0..{num_joints - 1}")
    base = torch.as_tensor(mesh.positions, dtype=f32, device=dev)
    faces = torch.as_tensor(mesh.indices.astype(np.int64), device=dev)
    nrm = torch.as_tensor(mesh.normals, dtype=f32, device=dev)
    if nrm.shape != base.shape or not torch.isfinite(nrm).all():
        nrm = vertex_normals(base, faces)
    joints = torch.as_tensor(mesh.joints.astype(np.int64), device=dev)
    w = torch.as_tensor(mesh.weights, dtype=f32, device=dev)
    if not bool((w > 0).any()):
        raise InputError(f"{where} has no skin weights")
    dense = dense_weights(joints, w * (w > 0), num_joints)
    if len(mesh.morph_names) and mesh.morph_positions is not None:
        finite(f"{where} morph targets", mesh.morph_positions)
        deltas = torch.as_tensor(mesh.morph_positions, dtype=f32, device=dev)
    else:
        deltas = torch.zeros(0, *base.shape, dtype=f32, device=dev)
    if mesh.morph_normals is not None and len(mesh.morph_normals) == len(deltas):
        ndeltas = torch.as_tensor(mesh.morph_normals, dtype=f32, device=dev)
    elif len(deltas):  # derive per-target normal deltas once, as exporters do
        ndeltas = vertex_normals(base + deltas, faces) - vertex_normals(base, faces)
    else:
        ndeltas = torch.zeros_like(deltas)
    _, weld = np.unique(mesh.positions.round(6), axis=0, return_inverse=True)
    return _MeshArrays(base, nrm, deltas, ndeltas, faces, dense, weld.reshape(-1))


def pack_meshes(character: Character, device: torch.device) -> PackedMeshes:
    """Check and pack ``character``'s meshes (see :class:`PackedMeshes`).

    Raises :class:`InputError` naming the mesh when one is empty, non-finite, has
    out-of-range indices or joints, or no skin weights at all.
    """
    num_joints = character.skeleton.num_joints
    parts = [_mesh_arrays(i, m, num_joints, device) for i, m in enumerate(character.meshes)]
    offsets = np.cumsum([0] + [p.base.shape[0] for p in parts]).tolist()
    morph_offsets = np.cumsum([0] + [p.deltas.shape[0] for p in parts]).tolist()
    weights = torch.cat([p.weights for p in parts])  # (V, J)
    used = torch.nonzero(weights.abs().sum(dim=0) > 0).reshape(-1)
    v, m = offsets[-1], morph_offsets[-1]

    rows: list[torch.Tensor] = []
    deltas = ndeltas = torch.zeros(m, 3, 0, device=device)
    row_blocks, nrow_blocks = [], []
    for i, p in enumerate(parts):
        if not p.deltas.shape[0]:
            continue
        moved = (p.deltas != 0).any(dim=2).any(dim=0) | (p.normal_deltas != 0).any(dim=2).any(0)
        local = torch.nonzero(moved).reshape(-1)
        if not local.numel():
            continue
        rows.append(local + offsets[i])
        block = torch.zeros(m, local.numel(), 3, device=device)
        nblock = torch.zeros_like(block)
        span = slice(morph_offsets[i], morph_offsets[i + 1])
        block[span] = p.deltas[:, local]
        nblock[span] = p.normal_deltas[:, local]
        row_blocks.append(block)
        nrow_blocks.append(nblock)
    if rows:
        deltas = torch.cat(row_blocks, dim=1).permute(0, 2, 1)  # (M, 3, Vm)
        ndeltas = torch.cat(nrow_blocks, dim=1).permute(0, 2, 1)
    morph_rows = torch.cat(rows) if rows else torch.zeros(0, dtype=torch.long, device=device)
    vm = int(morph_rows.numel())
    weights_t = weights[:, used].T.contiguous()

    weld_parts, group_base = [], 0
    for p in parts:  # weld only within a mesh: separate meshes keep their own normals
        weld_parts.append(p.weld + group_base)
        group_base += int(p.weld.max()) + 1
    packed = PackedMeshes(
        offsets=[int(o) for o in offsets],
        morph_offsets=[int(o) for o in morph_offsets],
        base=torch.cat([p.base for p in parts]).T.contiguous(),
        normals=torch.cat([p.normals for p in parts]).T.contiguous(),
        joints=used,
        weights_t=weights_t,
        morph_rows=morph_rows,
        row_weights_t=weights_t[:, morph_rows].contiguous(),
        deltas=deltas.reshape(m, 3 * vm).contiguous(),
        normal_deltas=ndeltas.reshape(m, 3 * vm).contiguous(),
        faces=torch.cat([p.faces + offsets[i] for i, p in enumerate(parts)]),
        weld=torch.as_tensor(np.concatenate(weld_parts), device=device),
    )
    log.debug(
        "packed %d meshes of %r: %d vertices, %d of %d joints, %d morphs on %d vertices",
        len(parts), character.name, v, used.numel(), num_joints, m, vm,
    )  # fmt: skip
    return packed
