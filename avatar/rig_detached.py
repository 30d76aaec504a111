"""Humanoid bones that live outside their limb chain (IK targets) follow their limb.

Some rigs (three.js's RobotExpressive, many game exports) parent a foot or hand joint to
the root as an IK target instead of to the lower leg or forearm; driven like any other
bone, the skin would tear away from the leg. :func:`detached_bones` finds them (the
humanoid parent bone is mapped but is not an ancestor), and :func:`follow_limbs` places
each one where its limb carries it: the humanoid parent's posed transform, the T-pose
offset between them, and the bone's own normalized rotation about its pivot.
"""

from __future__ import annotations

import numpy as np
import torch

from vhuman.animation import quat as Q
from vhuman.animation.reference import REFERENCE
from vhuman.animation.skinning import forward_kinematics, local_matrices


def quat_identity(t: int) -> torch.Tensor:
    """(T, 4) identity rotations."""
    out = torch.zeros(t, 4)
    out[:, 3] = 1.0
    return out


def _is_ancestor(parents: np.ndarray, a: int, j: int) -> bool:
    while j >= 0:
        j = int(parents[j])
        if j == a:
            return True
    return False


def detached_bones(humanoid: dict[str, int], parents: np.ndarray) -> dict[str, str]:
    """Humanoid bone -> its humanoid parent bone, for bones not below that parent."""
    out = {}
    for bone, j in humanoid.items():
        k = REFERENCE.index(bone) if bone in REFERENCE.bones else -1
        if k < 0 or REFERENCE.parents[k] < 0:
            continue
        up = REFERENCE.bones[REFERENCE.parents[k]]
        if up in humanoid and not _is_ancestor(parents, humanoid[up], j):
            out[bone] = up
    return out


def follow_limbs(
    rotations: torch.Tensor,
    translations: torch.Tensor,
    scales: torch.Tensor,
    parents: np.ndarray,
    frame: torch.Tensor,
    detached: dict[int, tuple[int, torch.Tensor, torch.Tensor, torch.Tensor]],
) -> None:
    """Set (in place) the local rotation and translation of each detached joint.

    ``detached``: joint -> (humanoid parent joint, inverse T-pose world of that parent,
    T-pose world of the joint (both (4, 4), the rig's facing ``frame`` included), ``q``
    (T, 4) the joint's normalized rotation, applied in world axes about the joint).
    """
    if not detached:
        return
    world = frame @ forward_kinematics(parents, local_matrices(translations, rotations, scales))
    for j, (hp, parent_inv, tpose, q) in detached.items():
        pivot = tpose[:3, 3]
        r = torch.as_tensor(Q.to_matrix(q.numpy().astype(np.float64)), dtype=world.dtype)
        turn = torch.eye(4, dtype=world.dtype).repeat(q.shape[0], 1, 1)
        turn[:, :3, :3] = r
        turn[:, :3, 3] = pivot - (r @ pivot)
        target = world[:, hp] @ parent_inv @ turn @ tpose  # carried by its limb
        p = int(parents[j])
        above = frame[None] if p < 0 else world[:, p]
        local = torch.linalg.inv(above) @ target
        lin = local[:, :3, :3] / scales[:, j, None, :]
        rotations[:, j] = torch.as_tensor(Q.from_matrix(lin.numpy()), dtype=rotations.dtype)
        translations[:, j] = local[:, :3, 3]
