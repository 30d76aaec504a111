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

AXIS_DEG = 10.0
"""A global turn within this many degrees of an axis-aligned rotation is an exporter's turn
(Z-up, facing -Z); farther from every axis it is a group of bones posed alike."""


def _axis_turns() -> np.ndarray:
    """The 24 proper rotations that map the axes onto signed axes, (24, 3, 3)."""
    out = []
    for perm in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)):
        for signs in np.ndindex(2, 2, 2):
            m = np.zeros((3, 3))
            m[[0, 1, 2], list(perm)] = [1.0 - 2.0 * s for s in signs]
            if np.linalg.det(m) > 0:
                out.append(m)
    return np.stack(out)


def _nearest_axis_turn(r: np.ndarray) -> tuple[np.ndarray, float]:
    """The axis-aligned rotation nearest ``r`` (3, 3) and the degrees between them."""
    turns = _axis_turns()
    degs = [_angle_deg(a.T @ r) for a in turns]
    k = int(np.argmin(degs))
    return turns[k], degs[k]


def _mean_rotation(rs: np.ndarray) -> np.ndarray:
    """The rotation nearest the sum of rotations ``rs`` (N, 3, 3) (their chordal mean)."""
    u, _, vt = np.linalg.svd(rs.sum(axis=0))
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


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
                 ) -> tuple[dict[int, tuple[np.ndarray, np.ndarray]], float]:
    """Joint -> (world rotation (3, 3), position (3,)) that each skin joint has in the
    skin's bind pose, in the axes of the node rest ``world`` ((J, 4, 4) rest world
    matrices; positions up to one common offset and scale), and the degrees beyond which a
    joint's node rest is turned back to it: :data:`TURN_DEG`, or :data:`AGREE_DEG` when
    the node rest is a pose (see below). Empty when no skin joint's node rest is turned
    beyond that from the bind pose, as in most files.

    When the turn most joints agree on is no axis-aligned rotation, no exporter's turn is
    agreed: the node rest is a pose (an action frame saved as rest, the whole figure
    leaning with its trunk). The global turn is then the axis-aligned rotation nearest the
    mean of every joint's, and every joint goes back to the bind pose it was modelled in."""
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
        return {}, TURN_DEG
    ids = sorted(rest)
    # per joint, the global turn it implies (node = G · bind); the one most agree on wins
    globals_ = np.stack([rest[j] @ _rotation(bind[j]).T for j in ids])  # type: ignore[union-attr]
    rel = np.einsum("aji,bjk->abik", globals_, globals_)  # G_a^T G_b
    cos = (np.trace(rel, axis1=2, axis2=3) - 1.0) / 2.0
    agree = (cos >= np.cos(np.radians(AGREE_DEG))).sum(axis=1)
    g = globals_[int(np.argmax(agree))]  # ties: the first, root-most joint
    limit = TURN_DEG
    if _nearest_axis_turn(g)[1] > AXIS_DEG:  # a pose, not an exporter's turn
        g, limit = _nearest_axis_turn(_mean_rotation(globals_))[0], AGREE_DEG
    targets = {j: (g @ _rotation(bind[j]), g @ bind[j][:3, 3]) for j in ids}  # type: ignore[operator]
    if all(_angle_deg(targets[j][0].T @ rest[j]) <= limit for j in ids):
        return {}, limit
    return targets, limit
