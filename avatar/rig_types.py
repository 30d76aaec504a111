"""Data the rig takes and gives: motion protocol, pose batches, evaluated mesh frames.

Re-exported by ``avatar.rig``; kept apart so the evaluator module stays about evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

Array = torch.Tensor | np.ndarray


@runtime_checkable
class MotionLike(Protocol):
    """What the rig reads from a motion clip (``animation.clip.MotionClip`` fits)."""

    fps: float
    morph_names: list[str]
    morph: np.ndarray  # (T, M) weights 0..1
    bone_names: list[str]
    rotations: np.ndarray  # (T, B, 4) normalized humanoid rotations, xyzw
    root_offset: np.ndarray  # (T, 3) metres


@dataclass
class PoseBatch:
    """Local joint transforms for T frames (what glTF animations drive) + morph weights.

    - ``rotations`` (T, J, 4) local xyzw rotations of every joint
    - ``translations`` / ``scales`` (T, J, 3) or None for the rest values
    - ``morph_weights``: per mesh, (T, M_mesh) weights of its own morph targets, or None
    """

    rotations: Array
    translations: Array | None = None
    scales: Array | None = None
    morph_weights: list[Array | None] | None = None

    @property
    def num_frames(self) -> int:
        return int(self.rotations.shape[0])


@dataclass
class MeshFrames:
    """One mesh evaluated over T frames: ``positions`` and unit ``normals`` (T, V, 3)."""

    mesh: int
    name: str
    positions: Array
    normals: Array

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])

    def numpy(self) -> MeshFrames:
        """The same frames as float32 numpy arrays (copies from the device)."""

        def conv(a: Array) -> np.ndarray:
            return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)

        return MeshFrames(self.mesh, self.name, conv(self.positions), conv(self.normals))


@dataclass
class PackedFrames:
    """Every mesh evaluated over T frames in one buffer: ``positions`` and unit ``normals``
    (T, V, 3) with mesh ``i`` at vertices ``offsets[i]:offsets[i+1]`` (character order)."""

    positions: Array
    normals: Array
    offsets: list[int]

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])

    def meshes(self, names: list[str]) -> list[MeshFrames]:
        """Per-mesh views (no copies) of the packed frames."""
        o = self.offsets
        return [
            MeshFrames(
                i, name, self.positions[:, o[i] : o[i + 1]], self.normals[:, o[i] : o[i + 1]]
            )
            for i, name in enumerate(names)
        ]
