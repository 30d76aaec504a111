"""Variants of a character the way other tools export them: other rest poses, joint axes,
facing, up axis and units. They make a compatibility corpus out of any one avatar.

- :func:`rerest` re-binds the character in another rest pose (e.g. an A-pose: upper arms
  45 degrees down): the mesh is deformed into that pose and becomes the new bind pose;
- :func:`twist_axes` gives every joint an arbitrary rest orientation (as Mixamo and Blender
  exports do) without changing what is shown;
- :func:`wrap` puts the whole scene under a new root node (a turn to face -Z, a Z-up
  export's rotation, a x100 centimetre scale);
- :func:`detach` hangs the feet from the root as IK targets, as game exports do;
- :func:`turn_rest` saves bones turned away from the skin's bind pose in the node rest
  (a head turned 180 degrees, a rolled spine, flipped hands, rotated hips), as some
  exporters do (three.js's RobotExpressive), the mesh still bound as modelled;
- :func:`bake_clip` gives a variant an animation clip of its own, authored for its rig.

Each returns a new :class:`Character`; the input is left untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np

from vhuman.animation import quat as Q
from vhuman.avatar.character import Character
from vhuman.avatar.rest_pose import rest_world


def _set_rest_from_world(character: Character, world: np.ndarray) -> None:
    """Local rest TRS of every joint from world matrices (rotation + uniform scale)."""
    sk = character.skeleton
    for j, p in enumerate(np.asarray(sk.parents).tolist()):
        local = world[j] if p < 0 else np.linalg.inv(world[p]) @ world[j]
        scale = np.linalg.norm(local[:3, :3], axis=0)
        sk.rest_translation[j] = local[:3, 3]
        sk.rest_rotation[j] = Q.from_matrix(local[:3, :3] / scale[None, :])
        sk.rest_scale[j] = scale


def _rebind(character: Character, old_world: np.ndarray, new_world: np.ndarray) -> None:
    """Deform every mesh from the old rest pose to the new one and bind it there."""
    sk = character.skeleton
    skin = new_world @ np.asarray(sk.inverse_bind, np.float64)  # (J, 4, 4)
    for m in character.meshes:
        w = np.asarray(m.weights, np.float64)
        mats = np.einsum("vk,vkij->vij", w, skin[np.asarray(m.joints, np.int64)])
        pos = np.einsum("vij,vj->vi", mats[:, :3, :3], m.positions) + mats[:, :3, 3]
        lin = mats[:, :3, :3]
        nrm = np.einsum("vij,vj->vi", lin, m.normals)
        nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-12)
        m.positions, m.normals = pos.astype(np.float32), nrm.astype(np.float32)
        if m.morph_positions is not None and len(m.morph_positions):
            m.morph_positions = np.einsum("vij,mvj->mvi", lin, m.morph_positions).astype(np.float32)
        if m.morph_normals is not None and len(m.morph_normals):
            m.morph_normals = np.einsum("vij,mvj->mvi", lin, m.morph_normals).astype(np.float32)
    sk.inverse_bind = np.linalg.inv(new_world).astype(np.float32)


def rerest(character: Character, turns: Mapping[str, tuple[tuple[float, float, float], float]]
           ) -> Character:
    """A copy re-bound in a new rest pose: ``turns`` maps humanoid bone -> (world axis,
    degrees) applied at that bone (parents first), e.g. ``{"leftUpperArm": ((0, 0, 1), -45)}``
    lowers a T-posed left arm into an A-pose."""
    out = copy.deepcopy(character)
    out.meta.pop("_rest_pose", None)
    sk = out.skeleton
    old = rest_world(out)
    world = old.copy()
    parents = np.asarray(sk.parents)
    order = sorted(turns, key=lambda b: sk.humanoid[b])
    for bone in order:
        axis, deg = turns[bone]
        j = sk.humanoid[bone]
        rot = Q.to_matrix(Q.axis_angle(np.asarray(axis, np.float64), np.radians(deg)).astype(np.float64))
        pivot = world[j, :3, 3].copy()
        turn = np.eye(4)
        turn[:3, :3] = rot
        turn[:3, 3] = pivot - rot @ pivot
        for k in range(j, sk.num_joints):
            if k == j or _is_below(parents, k, j):
                world[k] = turn @ world[k]
    _rebind(out, old, world)
    _set_rest_from_world(out, world)
    return out


def _is_below(parents: np.ndarray, k: int, j: int) -> bool:
    while k >= 0:
        k = int(parents[k])
        if k == j:
            return True
    return False


A_POSE: dict[str, tuple[tuple[float, float, float], float]] = {
    "leftUpperArm": ((0.0, 0.0, 1.0), -45.0),
    "rightUpperArm": ((0.0, 0.0, 1.0), 45.0),
    "leftLowerArm": ((0.0, 1.0, 0.0), 15.0),
    "rightLowerArm": ((0.0, 1.0, 0.0), -15.0),
    "leftUpperLeg": ((0.0, 0.0, 1.0), 6.0),
    "rightUpperLeg": ((0.0, 0.0, 1.0), -6.0),
}
"""An A-pose: arms 45 degrees down with elbows a little forward, legs a little apart."""


def twist_axes(character: Character, seed: int = 0) -> Character:
    """A copy whose joints have arbitrary rest orientations; the mesh looks the same."""
    out = copy.deepcopy(character)
    out.meta.pop("_rest_pose", None)
    sk = out.skeleton
    world = rest_world(out)
    rng = np.random.default_rng(seed)
    for j in range(sk.num_joints):
        turn = Q.to_matrix(Q.normalize(rng.normal(size=4)))
        world[j, :3, :3] = world[j, :3, :3] @ turn
    sk.inverse_bind = (np.linalg.inv(world) @ rest_world(character)
                       @ np.asarray(character.skeleton.inverse_bind, np.float64)).astype(np.float32)
    _set_rest_from_world(out, world)
    return out


def wrap(character: Character, rotation: tuple[tuple[float, float, float], float] | None = None,
         scale: float = 1.0, name: str = "Wrapper") -> Character:
    """A copy under a new root node with ``rotation`` (world axis, degrees) and ``scale``:
    the whole character turns/scales, as a file exported that way shows it."""
    out = copy.deepcopy(character)
    out.meta.pop("_rest_pose", None)
    sk = out.skeleton
    q = np.array([0.0, 0.0, 0.0, 1.0])
    if rotation is not None:
        q = Q.axis_angle(np.asarray(rotation[0], np.float64), np.radians(rotation[1]))
    sk.names = [name] + list(sk.names)
    sk.parents = np.concatenate([[-1], np.where(sk.parents >= 0, sk.parents + 1, 0)]).astype(np.int64)
    sk.rest_translation = np.concatenate([np.zeros((1, 3)), sk.rest_translation]).astype(np.float32)
    sk.rest_rotation = np.concatenate([q[None], sk.rest_rotation]).astype(np.float32)
    sk.rest_scale = np.concatenate([np.full((1, 3), scale), sk.rest_scale]).astype(np.float32)
    sk.inverse_bind = np.concatenate([np.eye(4)[None], sk.inverse_bind]).astype(np.float32)
    sk.humanoid = {b: j + 1 for b, j in sk.humanoid.items()}
    for m in out.meshes:
        m.joints = (np.asarray(m.joints) + 1).astype(m.joints.dtype)
    if isinstance(out.meta.get("skin_joint_ids"), list):
        out.meta["skin_joint_ids"] = [j + 1 for j in out.meta["skin_joint_ids"]]
    return out


def detach(character: Character, bones: tuple[str, ...] = ("leftFoot", "rightFoot")
           ) -> Character:
    """A copy whose ``bones`` hang from the skeleton root (IK targets, as game exports
    do) instead of from their limb; the rest pose looks the same."""
    out = copy.deepcopy(character)
    out.meta.pop("_rest_pose", None)
    sk = out.skeleton
    world = rest_world(out)
    parents = np.asarray(sk.parents).copy()
    root = 0
    for bone in bones:
        j = sk.humanoid[bone]
        parents[j] = root
    sk.parents = parents
    _set_rest_from_world(out, world)
    return out


def turn_rest(character: Character,
              turns: Mapping[str, tuple[tuple[float, float, float], float, bool]]) -> Character:
    """A copy whose node rest has bones turned away from the bind pose, the skin untouched:
    ``turns`` maps humanoid bone -> (world axis, degrees, with_children). With children, the
    bone's whole subtree turns with it (a head and its eyes); without, only the bone does
    (its children keep their rest). Shown in that node rest the turned parts of the mesh
    look wrong, until the rest pose is measured back to the bind pose."""
    out = copy.deepcopy(character)
    out.meta.pop("_rest_pose", None)
    sk = out.skeleton
    world = rest_world(out)
    parents = np.asarray(sk.parents)
    for bone in sorted(turns, key=lambda b: sk.humanoid[b]):
        axis, deg, with_children = turns[bone]
        j = sk.humanoid[bone]
        rot = Q.to_matrix(Q.axis_angle(np.asarray(axis, np.float64), np.radians(deg)).astype(np.float64))
        rows = [j] + ([k for k in range(j + 1, sk.num_joints) if _is_below(parents, k, j)]
                      if with_children else [])
        pivot = world[j, :3, 3].copy()
        for k in rows:
            world[k, :3, :3] = rot @ world[k, :3, :3]
            world[k, :3, 3] = pivot + rot @ (world[k, :3, 3] - pivot)
    _set_rest_from_world(out, world)
    return out


ODD_REST: dict[str, dict[str, tuple[tuple[float, float, float], float, bool]]] = {
    "head turned 180": {"head": ((0.0, 1.0, 0.0), 180.0, True)},
    "spine rolled": {"spine": ((0.0, 0.0, 1.0), 40.0, False),
                     "chest": ((0.0, 1.0, 0.0), -35.0, False)},
    "hands flipped": {"leftHand": ((1.0, 0.0, 0.0), 180.0, True),
                      "rightHand": ((1.0, 0.0, 0.0), 180.0, True)},
    "hips rotated": {"hips": ((0.0, 1.0, 0.0), 90.0, False)},
}
"""Node rests with non-limb bones turned away from the bind pose, by corpus name."""


def bake_clip(character: Character, motion: object, name: str,
              posed_by: Character | None = None) -> Character:
    """A copy of ``character`` with a clip of its own: ``motion`` (normalized) keyed on every
    joint's local rotation and translation as ``posed_by``'s rig shows it (default: the
    character's own rig). ``posed_by`` is the character a variant was made from (same
    joints, perhaps under a wrapper root): its pose is what an animator would have keyed
    for the variant's bind pose, whatever the variant's node rest says."""
    from vhuman.avatar.character import AnimationChannel, AnimationClip
    from vhuman.avatar.rig import Rig

    source = posed_by if posed_by is not None else character
    pose = Rig(source, device="cpu").pose_from_motion(motion)  # type: ignore[arg-type]
    rot = np.asarray(pose.rotations, np.float32)
    trans = np.asarray(pose.translations, np.float32)
    t = (np.arange(rot.shape[0]) / float(motion.fps)).astype(np.float32)  # type: ignore[attr-defined]
    shift = character.skeleton.num_joints - source.skeleton.num_joints  # a wrapper root
    channels = []
    for j in range(rot.shape[1]):
        channels.append(AnimationChannel(j + shift, "rotation", t, rot[:, j].reshape(-1)))
        channels.append(AnimationChannel(j + shift, "translation", t, trans[:, j].reshape(-1)))
    out = copy.copy(character)
    out.clips = list(character.clips) + [AnimationClip(name, channels)]
    return out


def corpus_variants(character: Character) -> dict[str, Character]:
    """The generated part of the compatibility corpus, by name."""
    out = {
        "A-pose, twisted joint axes": twist_axes(rerest(character, A_POSE)),
        "faces -Z": wrap(character, ((0.0, 1.0, 0.0), 180.0)),
        "scaled x100": wrap(character, scale=100.0),
        "Z-up": wrap(character, ((1.0, 0.0, 0.0), 90.0)),
        "IK-target feet": detach(character),
    }
    for name, turns in ODD_REST.items():
        out[name] = turn_rest(character, turns)
    return out
