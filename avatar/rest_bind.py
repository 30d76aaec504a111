"""Which way each bone's part of the mesh really faces in the rest pose: the skin's bind pose.

A skinned mesh is modelled in its *bind pose* (the inverse of each joint's inverse bind
matrix); the file's node rest pose is only the pose the nodes happen to be saved in. Most
files save the two alike, but some exporters save a node rest that has bones turned away
from the bind pose (three.js's RobotExpressive: the head turned about 171 degrees, the
forearms twisted). Shown in that node rest, the head looks backwards; clips authored for
the file hold the head where the bind pose has it, so their motion measured from the node
rest turns it 180 degrees on every other avatar.

:func:`bind_corrections` finds, for every skin joint, the world rotation that brings it
from the node rest back to the bind pose. Bind space and node space may differ by one
global transform (a Blender armature's Z-up turn, the skinned mesh's own node): that
transform is found as the one most skin joints agree on, so a single bone turned in the
node rest (a head, a hand, the hips) stands out against all the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vhuman.avatar.character import Character

AGREE_DEG = 3.0
"""Joints within this many degrees agree on the global bind-to-scene turn."""

TURN_DEG = 30.0
"""Joints whose node rest is turned more than this from the bind pose are turned back;
smaller differences are the posture the file was saved in (a trunk leaning a little, as
its clips hold it too) and are kept."""


def skin_joints(character: Character) -> list[int]:
    """Joints a skin lists (``meta["skin_joint_ids"]`` from the loader), else every joint
    that moves a vertex; rigidly bound nodes are not skin joints."""
    ids = character.meta.get("skin_joint_ids")
    if isinstance(ids, (list, tuple)):
        return sorted(int(j) for j in ids if 0 <= int(j) < character.skeleton.num_joints)
    used: set[int] = set()
    for m in character.meshes:
        w = np.asarray(m.weights)
        used.update(np.asarray(m.joints)[w > 0].astype(int).tolist())
    return sorted(used)


def _rotation(m: np.ndarray) -> np.ndarray | None:
    """The rotation part of an affine matrix (scale removed), or None when it mirrors or
    collapses."""
    lin = np.asarray(m[:3, :3], np.float64)
    scale = np.linalg.norm(lin, axis=0)
    if np.any(scale < 1e-9):
        return None
    r = lin / scale[None, :]
    if np.linalg.det(r) <= 0:
        return None
    u, _, vt = np.linalg.svd(r)
    return u @ vt


def _angle_deg(r: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1.0) / 2.0, -1.0, 1.0))))


def bind_targets(character: Character, world: np.ndarray
                 ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Joint -> (world rotation (3, 3), position (3,)) that each skin joint has in the
    skin's bind pose, in the axes of the node rest ``world`` ((J, 4, 4) rest world
    matrices; positions up to one common offset and scale). Empty when no skin joint's
    node rest is turned more than :data:`TURN_DEG` from the bind pose, as in most files."""
    joints = skin_joints(character)
    inv_bind = np.asarray(character.skeleton.inverse_bind, np.float64)
    rest: dict[int, np.ndarray] = {}
    bind: dict[int, np.ndarray] = {}
    for j in joints:
        try:
            b_world = np.linalg.inv(inv_bind[j])
        except np.linalg.LinAlgError:
            continue
        r, b = _rotation(world[j]), _rotation(b_world)
        if r is not None and b is not None:
            rest[j], bind[j] = r, b_world
    if len(rest) < 2:
        return {}
    ids = sorted(rest)
    # per joint, the global turn it implies (node = G · bind); the one most agree on wins
    globals_ = np.stack([rest[j] @ _rotation(bind[j]).T for j in ids])  # type: ignore[union-attr]
    rel = np.einsum("aji,bjk->abik", globals_, globals_)  # G_a^T G_b
    cos = (np.trace(rel, axis1=2, axis2=3) - 1.0) / 2.0
    agree = (cos >= np.cos(np.radians(AGREE_DEG))).sum(axis=1)
    g = globals_[int(np.argmax(agree))]  # ties: the first, root-most joint
    targets = {j: (g @ _rotation(bind[j]), g @ bind[j][:3, 3]) for j in ids}  # type: ignore[operator]
    if all(_angle_deg(targets[j][0].T @ rest[j]) <= TURN_DEG for j in ids):
        return {}
    return targets
