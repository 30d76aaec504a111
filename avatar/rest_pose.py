"""Each avatar's own rest pose, measured, and its way into the normalized humanoid space.

Motion is expressed once, in VRM 1.0's normalized space: the character stands in a T-pose
facing +Z with +Y up, every normalized bone's rest orientation is the world frame, and a
bone's normalized rotation is applied in those world-aligned axes. Avatars arrive in other
rest poses (A-pose arms, legs apart), facing other ways (-Z, +X) and with other up axes
(Z-up exports) or scales. :func:`rest_pose` measures all of that from the skeleton:

- **facing**: a global turn (and lift) that makes the character face +Z with +Y up, found
  from VRM metadata, the left/right bone pairs against the hips-to-head axis, the toes, or
  (no skeleton) the mesh's own shape (arm span is wider than deep, feet point forward);
- **T-pose**: per limb bone, the world rotation that takes its rest direction (joint to
  child joint) onto the reference T-pose direction (arms out along +-X, legs straight
  down). Deviations under :data:`DEAD_ZONE_DEG` are the avatar's own design (a slightly
  bent knee) and are kept.

The rig then drives bone ``b`` with ``local_b = Tw_parent^-1 · q_b · Tw_b`` where ``Tw`` is
the T-pose world rotation (the facing turn for roots), so identity motion shows every
avatar in the same T-pose and one motion gives the same limb directions on every rig.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.reference import REFERENCE
from vhuman.avatar.rest_bind import bind_targets
from vhuman.avatar.rig_detached import detached_bones

if TYPE_CHECKING:
    from vhuman.avatar.character import Character

log = logging.getLogger(__name__)

DEAD_ZONE_DEG = 3.0
"""Rest directions within this many degrees of the T-pose are left as modelled."""

# limb bone -> the humanoid child whose joint gives the bone's direction
LIMB_CHILD: dict[str, str] = {
    f"{side}{bone}": f"{side}{child}"
    for side in ("left", "right")
    for bone, child in (
        ("UpperArm", "LowerArm"),
        ("LowerArm", "Hand"),
        ("UpperLeg", "LowerLeg"),
        ("LowerLeg", "Foot"),
    )
}
_PAIRS = ("UpperArm", "Shoulder", "UpperLeg", "Hand", "LowerArm", "LowerLeg", "Foot")
_TOPS = ("head", "neck", "upperChest", "chest", "spine")
_META_KEY = "_rest_pose"


@dataclass(frozen=True)
class Facing:
    """How the character stood in its file: its forward and up axes, and how we know."""

    forward: tuple[float, float, float]
    up: tuple[float, float, float]
    method: str  # "vrm", "bones", "toes", "mesh" or "assumed"

    @property
    def label(self) -> str:
        """E.g. ``faces -Z, up +Y (bones)``."""
        return f"faces {_axis_name(self.forward)}, up {_axis_name(self.up)} ({self.method})"

    @property
    def turned(self) -> bool:
        """Whether the character had to be turned to face +Z with +Y up."""
        return bool(self.forward[2] < 0.999 or self.up[1] < 0.999)


@dataclass
class RestPose:
    """The avatar's T-pose in the engine frame (see the module docstring).

    - ``frame`` (4, 4): global transform applied to the whole scene (facing turn, lift)
    - ``world_rotation`` (J, 4): T-pose world rotation of each joint, ``frame`` included
    - ``local_rotation`` (J, 4): T-pose local rotation of each joint (``frame`` excluded)
    - ``parent_rotation`` (J, 4): T-pose world rotation of each joint's parent (``frame``
      for roots), the ``Tw_parent`` of the conversion
    - ``world`` (J, 4, 4): T-pose world matrices, ``frame`` included
    - ``local_translation`` (J, 3): T-pose local translation of each joint (the file's,
      except below a joint turned back to its bind pose whose children kept their place)
    - ``corrections``: limb bone -> degrees it was turned into the T-pose
    - ``bind_corrections``: bone (humanoid name, else joint name) -> degrees it was turned
      from the file's node rest back to the skin's bind pose (``avatar.rest_bind``)
    - ``motion_scale``: avatar units per reference metre (hips height ratio), for root motion
    """

    frame: np.ndarray
    world_rotation: np.ndarray
    local_rotation: np.ndarray
    parent_rotation: np.ndarray
    world: np.ndarray
    facing: Facing
    corrections: dict[str, float] = field(default_factory=dict)
    motion_scale: float = 1.0
    bind_corrections: dict[str, float] = field(default_factory=dict)
    local_translation: np.ndarray | None = None


def _axis_name(v: tuple[float, float, float]) -> str:
    k = int(np.argmax(np.abs(v)))
    name = ("+" if v[k] >= 0 else "-") + "XYZ"[k]
    return name if abs(v[k]) > 0.97 else f"{name}~"


def _unit(v: np.ndarray) -> np.ndarray | None:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else None


def rest_world(character: Character) -> np.ndarray:
    """World matrices (J, 4, 4) of every joint in the file's rest pose."""
    sk = character.skeleton
    rot = Q.to_matrix(Q.normalize(np.asarray(sk.rest_rotation, np.float64)))
    world = np.zeros((sk.num_joints, 4, 4))
    for i, p in enumerate(np.asarray(sk.parents).tolist()):
        local = np.eye(4)
        local[:3, :3] = rot[i] * np.asarray(sk.rest_scale[i], np.float64)[None, :]
        local[:3, 3] = sk.rest_translation[i]
        world[i] = local if p < 0 else world[p] @ local
    return world


def _bone_facing(pos: np.ndarray, humanoid: dict[str, int]) -> Facing | None:
    """Facing from bones: up = hips -> head, left = mean of left-minus-right pairs."""
    if "hips" not in humanoid:
        return None
    top = next((b for b in _TOPS if b in humanoid), None)
    up = _unit(pos[humanoid[top]] - pos[humanoid["hips"]]) if top else None
    lefts = [
        pos[humanoid["left" + b]] - pos[humanoid["right" + b]]
        for b in _PAIRS
        if "left" + b in humanoid and "right" + b in humanoid
    ]
    left = _unit(np.mean(lefts, axis=0)) if lefts else None
    if up is None:
        return None
    method = "bones"
    if left is None or abs(float(left @ up)) > 0.7:
        toes = [
            pos[humanoid[s + "Toes"]] - pos[humanoid[s + "Foot"]]
            for s in ("left", "right")
            if s + "Toes" in humanoid and s + "Foot" in humanoid
        ]
        fwd = _unit(np.mean(toes, axis=0)) if toes else None
        if fwd is None:
            return None
        up = _snap(up)
        fwd = _unit(fwd - (fwd @ up) * up)
        if fwd is None:
            return None
        fwd = _snap(fwd)
        return Facing(tuple(fwd.tolist()), tuple(up.tolist()), "toes")  # type: ignore[arg-type]
    left = _snap(left)
    up = _snap(up)
    up = _unit(up - (up @ left) * left)
    if up is None:
        return None
    fwd = np.cross(left, up)
    return Facing(tuple(fwd.tolist()), tuple(up.tolist()), method)  # type: ignore[arg-type]


def mesh_points(character: Character, world: np.ndarray) -> np.ndarray:
    """Vertex positions (subsampled to ~4000 per mesh) placed by each vertex's strongest
    joint with joint world matrices ``world`` (J, 4, 4): a cheap view of a pose's surface."""
    inv = np.asarray(character.skeleton.inverse_bind, np.float64)
    pts = []
    for m in character.meshes:
        step = max(1, m.num_vertices // 4000)
        p = np.asarray(m.positions[::step], np.float64)
        j = np.asarray(m.joints[::step], np.int64)[np.arange(len(p)), np.argmax(m.weights[::step], 1)]
        mats = world[j] @ inv[j]
        pts.append(np.einsum("nij,nj->ni", mats[:, :3, :3], p) + mats[:, :3, 3])
    return np.concatenate(pts) if pts else np.zeros((0, 3))


def _mesh_facing(points: np.ndarray) -> Facing:
    """Facing of a skeleton-less figure: tallest axis up, arm span sideways, feet forward.

    The file's +Y (glTF's up) is left as the up axis unless the figure is thinnest along it,
    as a standing figure exported Z-up is (its depth lies along Y); a figure longer than tall
    with Y not its thinnest side (a four-legged animal) stands on its feet. Without toes to
    tell the front, a figure left +Y up is assumed to face +Z as glTF has it (not turned).
    """
    assumed = Facing((0.0, 0.0, 1.0), (0.0, 1.0, 0.0), "assumed")
    if len(points) < 16:
        return assumed
    ext = np.ptp(points, axis=0)
    lying = ext[1] < 0.8 * ext.max() and ext[1] <= ext.min()
    k_up = int(np.argmax(ext)) if lying else 1
    up = np.eye(3)[k_up]
    side_axes = [k for k in range(3) if k != k_up]
    k_side = max(side_axes, key=lambda k: ext[k])
    k_depth = next(k for k in side_axes if k != k_side)
    h = points[:, k_up]
    lo, height = float(h.min()), float(np.ptp(h)) or 1.0
    feet = points[h < lo + 0.06 * height]
    legs = points[(h > lo + 0.1 * height) & (h < lo + 0.45 * height)]
    sign = 1.0
    method = "assumed"
    if len(feet) and len(legs):
        d = float(np.median(feet[:, k_depth]) - np.median(legs[:, k_depth]))
        if abs(d) > 0.01 * height:  # toes stick out in front of the shins
            sign, method = (1.0 if d > 0 else -1.0), "mesh"
    if method == "assumed" and k_up == 1:
        return assumed
    fwd = np.eye(3)[k_depth] * sign
    return Facing(tuple(fwd.tolist()), tuple(up.tolist()), method)  # type: ignore[arg-type]


def detect_facing(character: Character, world: np.ndarray | None = None) -> Facing:
    """Which way the character faces in its file (see :class:`Facing`)."""
    world = rest_world(character) if world is None else world
    if character.format in ("vrm0", "vrm1"):  # the spec fixes it (VRM 0.x is turned on load)
        return Facing((0.0, 0.0, 1.0), (0.0, 1.0, 0.0), "vrm")
    found = _bone_facing(world[:, :3, 3], character.skeleton.humanoid)
    if found is not None:
        return found
    return _mesh_facing(mesh_points(character, world))


def _snap(v: np.ndarray, limit_deg: float = 25.0) -> np.ndarray:
    """``v`` snapped to the nearest signed axis when within ``limit_deg`` of it: files are
    authored axis-aligned, while a spine leaning forward would tilt the measured up."""
    k = int(np.argmax(np.abs(v)))
    if abs(v[k]) >= np.cos(np.radians(limit_deg)):
        return np.eye(3)[k] * np.sign(v[k])
    return v


def _frame(facing: Facing) -> np.ndarray:
    """The global transform turning the character to face +Z with +Y up (about the origin;
    heights along the file's own up axis are kept, so the feet stay on their ground)."""
    up, fwd = np.asarray(facing.up), np.asarray(facing.forward)
    left = np.cross(up, fwd)
    frame = np.eye(4)
    frame[:3, :3] = np.stack([left, up, fwd])  # rows: the avatar's axes -> engine X, Y, Z
    return frame


def _descendants(parents: np.ndarray) -> list[list[int]]:
    subtree: list[list[int]] = [[j] for j in range(len(parents))]
    for j in range(len(parents) - 1, -1, -1):  # children come after parents
        p = int(parents[j])
        if p >= 0:
            subtree[p] = subtree[p] + subtree[j]
    return subtree


def compute_rest_pose(character: Character, correct: bool = True) -> RestPose:
    """Measure facing and T-pose of ``character`` (use :func:`rest_pose`, which caches).

    ``correct=False`` takes the file's rest pose and facing as they are (the conversion
    of a rest-pose-unaware engine, kept as the baseline ``bench motion`` compares with).
    """
    sk = character.skeleton
    parents = np.asarray(sk.parents, np.int64)
    world0 = rest_world(character)
    rest_local = Q.normalize(np.asarray(sk.rest_rotation, np.float64))
    wrot0 = rest_local.copy()
    for j, p in enumerate(parents.tolist()):
        if p >= 0:
            wrot0[j] = Q.mul(wrot0[p], rest_local[j])
    subtree = _descendants(parents)
    bind_turns = _to_bind_pose(character, world0, wrot0, subtree) if correct else {}
    facing = detect_facing(character, world0)
    frame = _frame(facing) if correct else np.eye(4)
    frame_q = Q.from_matrix(frame[:3, :3])
    wrot = Q.mul(np.broadcast_to(frame_q, wrot0.shape), wrot0)
    world = frame[None] @ world0
    pos = world[:, :3, 3].copy()
    humanoid = sk.humanoid
    ref = REFERENCE.rest_positions
    for bone, up in detached_bones(humanoid, parents).items():  # IK targets go with the limb
        a = humanoid[up]
        while a >= 0:
            subtree[a] = subtree[a] + [k for k in subtree[humanoid[bone]] if k not in subtree[a]]
            a = int(parents[a])
    corrections: dict[str, float] = {}
    for bone in REFERENCE.bones:  # parents first, so corrections cascade down the limb
        child = LIMB_CHILD.get(bone)
        if not correct or child is None or bone not in humanoid or child not in humanoid:
            continue
        b, c = humanoid[bone], humanoid[child]
        have = pos[c] - pos[b]
        if "Leg" in bone:  # knees ahead of ankles are anatomy, not pose: turn sideways only
            have = have * np.array([1.0, 1.0, 0.0])
        have = _unit(have)
        want = _unit(ref[REFERENCE.index(child)] - ref[REFERENCE.index(bone)])
        if have is None or want is None:
            continue
        deg = float(np.degrees(np.arccos(np.clip(have @ want, -1.0, 1.0))))
        if deg < DEAD_ZONE_DEG:
            continue
        _turn(Q.between(have, want).astype(np.float64), subtree[b], b, wrot, pos, world)
        corrections[bone] = round(deg, 1)
    for side in ("left", "right") if correct else ():  # palms down, as VRM's T-pose has them
        twist = _untwist_forearm(side, sk.names, humanoid, subtree, wrot, pos, world)
        if twist is not None:
            corrections[f"{side}LowerArm twist"] = round(twist, 1)
    parent_rot = np.where((parents >= 0)[:, None], wrot[np.maximum(parents, 0)], frame_q[None])
    local = Q.normalize(Q.mul(Q.conj(parent_rot), wrot))
    if corrections:
        log.info("%s: rest pose turned into the T-pose: %s", character.name,
                 ", ".join(f"{b} {d:.0f} deg" for b, d in corrections.items()))
    return RestPose(frame=frame, world_rotation=Q.normalize(wrot), local_rotation=local,
                    parent_rotation=Q.normalize(parent_rot), world=world, facing=facing,
                    corrections=corrections, motion_scale=_motion_scale(pos, humanoid),
                    bind_corrections=bind_turns,
                    local_translation=_local_translation(sk, world, bool(bind_turns)))


def _local_translation(sk: object, world: np.ndarray, changed: bool) -> np.ndarray:
    """Each joint's translation in its parent's T-pose frame (the file's rest translation
    when no joint was turned back to its bind pose: limb turns carry whole subtrees)."""
    rest = np.asarray(sk.rest_translation, np.float64)  # type: ignore[attr-defined]
    if not changed:
        return rest.copy()
    out = rest.copy()
    for j, p in enumerate(np.asarray(sk.parents).tolist()):  # type: ignore[attr-defined]
        if p >= 0:
            out[j] = np.linalg.solve(world[p], world[j][:, 3])[:3]
    return out


def _to_bind_pose(character: Character, world: np.ndarray, wrot: np.ndarray,
                  subtree: list[list[int]]) -> dict[str, float]:
    """Turn every skin joint that the file's node rest has turned away from the skin's
    bind pose back to it (parents first, in place, file axes): bone -> degrees turned.

    A turned joint's children either were saved turned with it (a head with its eyes: they
    turn back with it) or kept their place (only the joint turned): each child goes where
    its bind pose has it, seen from the joint."""
    targets, limit = bind_targets(character, world)
    if not targets:
        return {}
    sk = character.skeleton
    names = {j: b for b, j in sk.humanoid.items()}
    parents = np.asarray(sk.parents)
    pos = world[:, :3, 3].copy()
    out: dict[str, float] = {}
    for j in sorted(targets):
        want, want_pos = targets[j]
        turn = Q.normalize(Q.from_matrix(want @ Q.to_matrix(Q.normalize(wrot[j])).T))
        deg = float(np.degrees(Q.angle(turn)))
        if deg <= limit:  # as saved (posture), or already turned with its parent
            continue
        turn = turn.astype(np.float64)
        _turn(turn, [j], j, wrot, pos, world)
        for c in (k for k in subtree[j] if parents[k] == j):
            have = _unit(pos[c] - pos[j])
            bound = targets.get(c)
            if have is None or bound is None:
                _turn(turn, subtree[c], j, wrot, pos, world)  # nothing tells: as saved
                continue
            wanted = _unit(bound[1] - want_pos)
            turned = Q.rotate(turn, have)
            if wanted is None or float(turned @ wanted) >= float(have @ wanted) - 1e-6:
                _turn(turn, subtree[c], j, wrot, pos, world)
        out[names.get(j, sk.names[j])] = round(deg, 1)
    log.info("%s: %d joints turned from the saved rest back to the bind pose: %s",
             character.name, len(out), ", ".join(f"{b} {d:.0f} deg" for b, d in out.items()))
    return out


def _turn(turn: np.ndarray, rows: list[int], pivot_joint: int, wrot: np.ndarray,
          pos: np.ndarray, world: np.ndarray) -> None:
    """Rotate joints ``rows`` (a subtree) by world rotation ``turn`` about a joint (in place)."""
    wrot[rows] = Q.mul(np.broadcast_to(turn, (len(rows), 4)), wrot[rows])
    pivot = pos[pivot_joint].copy()
    pos[rows] = pivot + Q.rotate(np.broadcast_to(turn, (len(rows), 4)), pos[rows] - pivot)
    world[rows, :3, :3] = Q.to_matrix(turn)[None] @ world[rows, :3, :3]
    world[rows, :3, 3] = pos[rows]


_INDEX = ("index",)
_OUTER = ("pinky", "little", "ring")


def _finger(names: list[str], rows: list[int], words: tuple[str, ...]) -> int | None:
    """The first joint (parents come first) below the hand whose name has one of ``words``."""
    for j in rows:
        low = names[j].lower()
        if any(w in low for w in words):
            return j
    return None


def _untwist_forearm(side: str, names: list[str], humanoid: dict[str, int],
                     subtree: list[list[int]], wrot: np.ndarray, pos: np.ndarray,
                     world: np.ndarray) -> float | None:
    """Twist the forearm about its own axis so the palm faces down (index knuckle ahead of
    the little finger's, +Z), as in VRM's T-pose; degrees turned, or None (no fingers to
    tell, or within the dead zone). The forearm turns rather than the wrist, as a radius
    does, so the skin does not wring at the wrist."""
    arm, hand = humanoid.get(f"{side}LowerArm"), humanoid.get(f"{side}Hand")
    if arm is None or hand is None:
        return None
    below = [j for j in subtree[hand] if j != hand]
    index, outer = _finger(names, below, _INDEX), _finger(names, below, _OUTER)
    axis = _unit(pos[hand] - pos[arm])
    if index is None or outer is None or axis is None:
        return None
    across = _unit((pos[index] - pos[outer]) - ((pos[index] - pos[outer]) @ axis) * axis)
    want = _unit(np.array([0.0, 0.0, 1.0]) - axis[2] * axis)
    if across is None or want is None:
        return None
    deg = float(np.degrees(np.arctan2(np.cross(across, want) @ axis, across @ want)))
    if abs(deg) < 10.0:  # knuckle lines are not exact: small twists are the avatar's own
        return None
    _turn(Q.axis_angle(axis, np.radians(deg)).astype(np.float64), subtree[arm], arm, wrot, pos,
          world)
    return deg


def _motion_scale(pos: np.ndarray, humanoid: dict[str, int]) -> float:
    """Hips height above the feet over the reference's: scales root motion to the body."""
    ref = REFERENCE.rest_positions
    ref_h = ref[REFERENCE.index("hips"), 1] - ref[REFERENCE.index("leftFoot"), 1]
    feet = [humanoid[b] for b in ("leftFoot", "rightFoot") if b in humanoid]
    if "hips" not in humanoid or not feet:
        return 1.0
    h = float(pos[humanoid["hips"], 1] - min(pos[f, 1] for f in feet))
    return h / ref_h if h > 1e-6 else 1.0


def rest_pose(character: Character) -> RestPose:
    """The character's :class:`RestPose`, measured once and kept in ``character.meta``."""
    cached = character.meta.get(_META_KEY)
    if isinstance(cached, RestPose) and cached.world.shape[0] == character.skeleton.num_joints:
        return cached
    pose = compute_rest_pose(character)
    character.meta[_META_KEY] = pose
    return pose
