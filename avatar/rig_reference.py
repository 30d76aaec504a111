"""Mesh-by-mesh rig evaluation: the straightforward reference for the packed :class:`Rig`.

:class:`PerMeshRig` skins each mesh on its own (its dense weights over the joints it uses,
all of its morph targets, 3x3 @ 3x2 batched matmuls per vertex) exactly as the engine did
before meshes were packed into one buffer. Tests check that both agree numerically and the
render benchmark measures both side by side; the engine itself uses :class:`Rig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vhuman.animation.skinning import blend_morphs, dense_weights, skin, vertex_normals
from vhuman.avatar.character import Character, MeshPart
from vhuman.avatar.rig import MeshFrames, MotionLike, PoseBatch, Rig, intra_op_threads
from vhuman.models.types import InputError


@dataclass
class _DeviceMesh:
    base: torch.Tensor  # (V, 3)
    normals: torch.Tensor  # (V, 3)
    deltas: torch.Tensor  # (M, V, 3)
    normal_deltas: torch.Tensor  # (M, V, 3)
    faces: torch.Tensor  # (F, 3) long
    joints: torch.Tensor  # (Ju,) skeleton joints this mesh uses
    weights: torch.Tensor  # (V, Ju) dense
    weld: torch.Tensor  # (V,) groups of coincident vertices for recomputed normals


class PerMeshRig(Rig):
    """:class:`Rig` whose :meth:`evaluate` loops over the meshes one at a time."""

    def __init__(
        self,
        character: Character,
        device: str | None = None,
        normals: str = "skin",
        threads: int | None = 1,
    ):
        super().__init__(character, device, normals, threads)
        self._meshes = [self._upload(m) for m in character.meshes]

    def _upload(self, mesh: MeshPart) -> _DeviceMesh:
        dev, f32 = self.device, torch.float32  # meshes were checked by Rig.__init__
        base = torch.as_tensor(mesh.positions, dtype=f32, device=dev)
        faces = torch.as_tensor(mesh.indices.astype(np.int64), device=dev)
        nrm = torch.as_tensor(mesh.normals, dtype=f32, device=dev)
        if nrm.shape != base.shape or not torch.isfinite(nrm).all():
            nrm = vertex_normals(base, faces)
        joints = torch.as_tensor(mesh.joints.astype(np.int64), device=dev)
        w = torch.as_tensor(mesh.weights, dtype=f32, device=dev)
        used = torch.unique(joints[w > 0])
        remap = torch.zeros(self.character.skeleton.num_joints, dtype=torch.long, device=dev)
        remap[used] = torch.arange(used.numel(), device=dev)
        dense = dense_weights(remap[joints], w * (w > 0), used.numel())
        if len(mesh.morph_names) and mesh.morph_positions is not None:
            deltas = torch.as_tensor(mesh.morph_positions, dtype=f32, device=dev)
        else:
            deltas = torch.zeros(0, *base.shape, dtype=f32, device=dev)
        if mesh.morph_normals is not None and len(mesh.morph_normals) == len(deltas):
            ndeltas = torch.as_tensor(mesh.morph_normals, dtype=f32, device=dev)
        else:
            ndeltas = vertex_normals(base + deltas, faces) - vertex_normals(base, faces)
        _, weld = np.unique(mesh.positions.round(6), axis=0, return_inverse=True)
        weld_t = torch.as_tensor(weld.reshape(-1), device=dev)
        return _DeviceMesh(base, nrm, deltas, ndeltas, faces, used, dense, weld_t)

    def evaluate(self, motion: MotionLike | PoseBatch, as_numpy: bool = False) -> list[MeshFrames]:
        """Same contract as :meth:`Rig.evaluate`, one mesh at a time."""
        with intra_op_threads(self.threads):
            return self._evaluate(motion, as_numpy)

    def _evaluate(self, motion: MotionLike | PoseBatch, as_numpy: bool) -> list[MeshFrames]:
        pose = motion if isinstance(motion, PoseBatch) else self.pose_from_motion(motion)
        world = self._world(pose)
        t = world.shape[0]
        skin_mats = (world @ self.inverse_bind).to(self.device)
        out: list[MeshFrames] = []
        for i, mesh in enumerate(self._meshes):
            w = None if pose.morph_weights is None else pose.morph_weights[i]
            m = mesh.deltas.shape[0]
            weights_t = None
            if w is not None:
                w = torch.as_tensor(w, dtype=torch.float32, device=self.device)
                if w.shape != (t, m):
                    raise InputError(
                        f"morph weights of mesh {i} have shape {tuple(w.shape)}, expected ({t}, {m})"
                    )
                if m > 0 and bool((w != 0).any()):
                    weights_t = w
            pos = (
                mesh.base if weights_t is None else blend_morphs(mesh.base, mesh.deltas, weights_t)
            )
            mats = skin_mats[:, mesh.joints]
            if self.normal_mode == "recompute":
                skinned = skin(pos, mesh.weights, mats)
                nrm = vertex_normals(skinned, mesh.faces, mesh.weld)
            else:
                n = mesh.normals
                if weights_t is not None:
                    n = blend_morphs(mesh.normals, mesh.normal_deltas, weights_t)
                skinned, nrm = skin(pos, mesh.weights, mats, n)
            frames = MeshFrames(i, self.character.meshes[i].name, skinned, nrm)
            out.append(frames.numpy() if as_numpy else frames)
        return out
