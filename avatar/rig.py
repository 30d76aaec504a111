"""Evaluate a character's rig for a batch of frames: motion in, vertices + normals out.

:class:`Rig` packs all meshes once into one buffer on a torch device - CUDA when
present, else CPU - (``avatar.rig_pack``: dense skin weights over the joints that move
vertices, one compact morph basis) and turns a :class:`MotionClip` (normalized humanoid
rotations, internal morph vocabulary, root offset) or a :class:`PoseBatch` (local joint
transforms, per-mesh morph weights) into ``(T, V, 3)`` positions and normals of every
mesh in ONE batched pass with the kernels of ``animation.skinning``; per-mesh results are
views of that buffer. ``avatar.rig_reference`` keeps the mesh-by-mesh evaluation as the
reference the tests and the benchmark compare against.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import numpy as np
import torch

from vhuman.animation.clip import HAND_SHAPES
from vhuman.animation.skinning import (
    apply_blended,
    blended_transforms,
    forward_kinematics,
    local_matrices,
    normalize_components,
    quat_conjugate,
    quat_from_axis_angle,
    quat_multiply,
    quat_normalize,
    rest_world_rotations,
    vertex_normals,
)
from vhuman.avatar.character import AnimationClip, Character
from vhuman.avatar.diagnose import log_warnings
from vhuman.avatar.expressions import ExpressionRules, MaterialFrames, hold_gaze, material_frames
from vhuman.avatar.rest_pose import rest_pose
from vhuman.avatar.rig_detached import detached_bones, follow_limbs, quat_identity
from vhuman.avatar.rig_hands import HandPoser
from vhuman.avatar.rig_pack import finite, pack_meshes
from vhuman.avatar.rig_types import Array, MeshFrames, MotionLike, PackedFrames, PoseBatch
from vhuman.models.types import InputError

__all__ = [
    "Array",
    "MeshFrames",
    "MotionLike",
    "PackedFrames",
    "PoseBatch",
    "Rig",
    "default_device",
]

log = logging.getLogger(__name__)


def _spans(offsets: list[int]) -> list[int]:
    return [b - a for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


def _trusted(pose: PoseBatch) -> torch.Tensor | None:
    """The packed morph weights :meth:`Rig.pose_from_motion` attached to a pose it built,
    or None (a user pose, or one whose fields were replaced since)."""
    mark = getattr(pose, "_trusted", None)
    if mark is None or pose.scales is not None:
        return None
    weights, rotations, translations, per_mesh = mark
    same = (
        pose.rotations is rotations
        and pose.translations is translations
        and pose.morph_weights is per_mesh
    )
    return weights if same else None


@contextlib.contextmanager
def intra_op_threads(threads: int | None) -> Iterator[None]:
    """Run the block with at most ``threads`` torch intra-op threads in this thread (None:
    as configured). Rig batches are memory-bound elementwise work: on a busy CPU shared
    with the GL rasterizer and the encoder, one thread measured 3-10x faster than two."""
    previous = torch.get_num_threads()
    if threads is None or threads == previous:
        yield
        return
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def default_device() -> str:
    """``cuda`` when torch sees a GPU, else ``cpu``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


class Rig:
    """Batched rig evaluation for one character on one torch device.

    ``normals="skin"`` (default) blends the authored normals with morph normal deltas
    (derived from the geometry when the file has none) and skins them: cheap, keeps hard
    edges. ``"recompute"`` recomputes area-weighted normals from the final positions
    (welded across UV seams): exact under heavy deformation, a little slower.
    ``threads`` caps torch's intra-op threads during evaluation (default 1, see
    :func:`intra_op_threads`; None leaves torch's setting alone).
    """

    def __init__(
        self,
        character: Character,
        device: str | None = None,
        normals: str = "skin",
        threads: int | None = 1,
    ):
        if normals not in ("skin", "recompute"):
            raise InputError(f"Rig normals must be 'skin' or 'recompute', got {normals!r}")
        if not character.meshes:
            raise InputError(f"character {character.name!r} has no meshes")
        character.skeleton.validate()
        self.character = character
        self.device = torch.device(device or default_device())
        self.normal_mode = normals
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise InputError(f"Rig threads must be a positive integer or None, got {threads!r}")
        self.threads = threads
        self._warned: set[str] = set()
        self._bone_cache: dict[tuple[str, ...], tuple[list[int], list[int]]] = {}
        self._morph_cache: dict[tuple[str, ...], tuple[torch.Tensor, torch.Tensor]] = {}
        self._rules_cache: dict[tuple[str, ...], ExpressionRules] = {}
        sk = character.skeleton
        # joint-space math (tens of joints) always runs on the CPU: on CUDA it would be
        # hundreds of tiny kernel launches per batch; only per-vertex work uses `device`
        self.joint_device = dev = torch.device("cpu")
        f32 = torch.float32
        self.parents = np.asarray(sk.parents, dtype=np.int64)
        self.rest_t = torch.as_tensor(sk.rest_translation, dtype=f32, device=dev)  # as saved
        self.rest_r = torch.as_tensor(sk.rest_rotation, dtype=f32, device=dev)
        self.rest_s = torch.as_tensor(sk.rest_scale, dtype=f32, device=dev)
        self.inverse_bind = torch.as_tensor(sk.inverse_bind, dtype=f32, device=dev)
        self.rest_world_rot = rest_world_rotations(self.parents, self.rest_r)
        rest_local = local_matrices(self.rest_t, self.rest_r, self.rest_s)[None]
        self.rest_world = forward_kinematics(self.parents, rest_local)[0]  # (J, 4, 4)
        # the avatar's own T-pose and facing turn: normalized motion is converted through it
        self.rest_pose = rp = rest_pose(character)
        self.frame = torch.as_tensor(rp.frame, dtype=f32, device=dev)  # applied to the scene
        self.tpose_r = torch.as_tensor(rp.local_rotation, dtype=f32, device=dev)
        self.tpose_t = torch.as_tensor(
            rp.local_translation if rp.local_translation is not None else sk.rest_translation,
            dtype=f32, device=dev)
        self._tpose_world_rot = torch.as_tensor(rp.world_rotation, dtype=f32, device=dev)
        self._tpose_parent_rot = torch.as_tensor(rp.parent_rotation, dtype=f32, device=dev)
        self._tpose_world_linear_inv = torch.linalg.inv(
            torch.as_tensor(rp.world[:, :3, :3], dtype=f32, device=dev))
        self._frame_linear_inv = torch.linalg.inv(self.frame[:3, :3])
        self.motion_scale = float(rp.motion_scale)
        hum = sk.humanoid
        self.detached = detached_bones(hum, self.parents)  # IK targets outside their limb
        self._tpose_world = torch.as_tensor(rp.world, dtype=f32, device=dev)
        self._tpose_world_inv = torch.linalg.inv(self._tpose_world)
        self._jaw_axis = torch.tensor([1.0, 0.0, 0.0], device=dev)
        self.packed = pack_meshes(character, self.device)
        self._joints_used = self.packed.joints.to(dev)
        self._inverse_bind_used = self.inverse_bind[self._joints_used]
        self._mesh_names = [m.name for m in character.meshes]
        self.hands = HandPoser(character, self._tpose_world_rot, self._tpose_parent_rot)
        log_warnings(character)  # what this avatar cannot show, said once

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message)

    # -- clip resolution ------------------------------------------------------------------
    def _morph_maps(self, names: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """A (M_clip, M_all) matrix from clip weights to the packed morph columns, and
        (M_clip,) jaw radians; cached per clip vocabulary."""
        if names in self._morph_cache:
            return self._morph_cache[names]
        offsets = self.packed.morph_offsets
        meshes = self.character.meshes
        table = np.zeros((len(names), self.packed.num_morphs), np.float32)
        jaw = np.zeros(len(names), np.float32)
        missing: list[str] = []
        for c, name in enumerate(names):
            binding = self.character.shapes.get(name)
            if binding is not None:
                for mesh_i, morph_i, weight in binding.morphs:
                    if 0 <= mesh_i < len(meshes) and 0 <= morph_i < (
                        offsets[mesh_i + 1] - offsets[mesh_i]
                    ):
                        table[c, offsets[mesh_i] + morph_i] += weight
                jaw[c] = binding.jaw_open
                continue
            direct = False  # a raw morph-target name of the file works too
            for mesh_i, mesh in enumerate(meshes):
                if name in mesh.morph_names and offsets[mesh_i + 1] > offsets[mesh_i]:
                    table[c, offsets[mesh_i] + mesh.morph_names.index(name)] = 1.0
                    direct = True
            if not direct and name not in HAND_SHAPES:  # hand poses bend fingers instead
                missing.append(name)
        if missing:
            log.info(
                "character %r lacks %d shapes (ignored): %s",
                self.character.name,
                len(missing),
                ", ".join(missing),
            )
        out = (torch.as_tensor(table), torch.as_tensor(jaw))  # joint device: the CPU
        self._morph_cache[names] = out
        return out

    def _bone_map(self, names: tuple[str, ...]) -> tuple[list[int], list[int]]:
        """Clip columns that name humanoid bones of this rig, and their joints (cached)."""
        if names not in self._bone_cache:
            humanoid = self.character.skeleton.humanoid
            cols = [b for b, n in enumerate(names) if n in humanoid]
            missing = [n for n in names if n not in humanoid]
            if missing:
                log.info(
                    "character %r lacks %d humanoid bones (ignored): %s",
                    self.character.name,
                    len(missing),
                    ", ".join(missing),
                )
            self._bone_cache[names] = (cols, [humanoid[names[b]] for b in cols])
        cols, joints = self._bone_cache[names]
        return list(cols), list(joints)

    def _check_motion(self, motion: MotionLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        morph = np.asarray(motion.morph, dtype=np.float32)
        rot = np.asarray(motion.rotations, dtype=np.float32)
        root = np.asarray(motion.root_offset, dtype=np.float32)
        t = morph.shape[0] if morph.ndim == 2 else -1
        if morph.shape != (t, len(motion.morph_names)):
            raise InputError(
                f"motion.morph has shape {morph.shape}, expected (T, {len(motion.morph_names)})"
            )
        if rot.shape != (t, len(motion.bone_names), 4):
            raise InputError(
                f"motion.rotations has shape {rot.shape}, expected ({t}, {len(motion.bone_names)}, 4)"
            )
        if root.shape != (t, 3):
            raise InputError(f"motion.root_offset has shape {root.shape}, expected ({t}, 3)")
        if t == 0:
            raise InputError("motion has no frames")
        for name, arr in (("morph", morph), ("rotations", rot), ("root_offset", root)):
            finite(f"motion.{name}", arr)
        return morph, rot, root

    def pose_from_motion(self, motion: MotionLike) -> PoseBatch:
        """Local joint transforms and per-mesh morph weights for a motion clip (CPU tensors:
        joint-space math runs there whatever the rig's device)."""
        morph_np, rot_np, root_np = self._check_motion(motion)
        dev = self.joint_device
        t = morph_np.shape[0]
        sk = self.character.skeleton
        rules = self._rules(tuple(motion.morph_names))
        morph = torch.as_tensor(rules.apply(morph_np), device=dev)
        table, jaw = self._morph_maps(rules.out_names)
        packed_weights = morph @ table  # (T, M_all)
        per_mesh = torch.split(packed_weights, _spans(self.packed.morph_offsets), dim=1)
        mesh_w: list[Array | None] = list(per_mesh)

        # normalized humanoid rotations -> local joint rotations
        cols, joints = self._bone_map(tuple(motion.bone_names))
        q = torch.as_tensor(rot_np[:, cols], device=dev)
        q = self._hold_gaze(q, cols, motion, morph_np)
        if bool(jaw.any()):
            jaw_bone = "jaw" if "jaw" in sk.humanoid else "head" if "head" in sk.humanoid else None
            if jaw_bone is None:
                self._warn_once(
                    "jaw", "character has neither jaw nor head bone; jaw shapes ignored"
                )
            else:
                angle = morph @ jaw  # (T,) radians; +X rotation drops the chin (faces +Z)
                opening = quat_from_axis_angle(self._jaw_axis, angle)
                jaw_joint = sk.humanoid[jaw_bone]
                if jaw_joint in joints:
                    k = joints.index(jaw_joint)
                    q[:, k] = quat_multiply(q[:, k], opening)
                else:
                    q = torch.cat([q, opening[:, None]], dim=1)
                    joints.append(jaw_joint)
        rotations = self.tpose_r.expand(t, -1, -1).clone()
        if joints:
            # local_b = Tw_parent^-1 · q · Tw_b: q is applied in world-aligned axes of the
            # normalized T-pose, whatever this avatar's rest pose and joint axes are
            idx = torch.as_tensor(joints, device=dev)
            local = quat_multiply(
                quat_conjugate(self._tpose_parent_rot[idx]),
                quat_multiply(quat_normalize(q), self._tpose_world_rot[idx]),
            )
            rotations[:, idx] = quat_normalize(local)
        if self.hands.chains:  # finger poses of gestures (fist, point, thumbs up, open)
            self.hands.apply(rotations, list(motion.morph_names), morph_np)

        # root offset (world metres) -> hips translation in its parent's space
        translations = self.tpose_t.expand(t, -1, -1).clone()
        root = torch.as_tensor(root_np, device=dev)
        hips = sk.humanoid.get("hips")
        if hips is None:
            roots = [i for i, p in enumerate(self.parents) if p < 0]
            hips = roots[0]
            if bool(root.abs().max() > 0):
                self._warn_once(
                    "hips", "character has no hips bone; root offset moves the root joint"
                )
        parent = int(self.parents[hips])
        root = root * self.motion_scale  # reference metres -> this body's size and units
        if parent >= 0:
            root = root @ self._tpose_world_linear_inv[parent].T
        else:
            root = root @ self._frame_linear_inv.T
        translations[:, hips] += root
        if self.detached:  # IK-target bones go where their limb carries them
            follow = {}
            for bone, up in self.detached.items():
                j, hp = sk.humanoid[bone], sk.humanoid[up]
                qj = q[:, joints.index(j)] if j in joints else quat_identity(t)
                follow[j] = (hp, self._tpose_world_inv[hp], self._tpose_world[j], qj)
            follow_limbs(rotations, translations, self.rest_s.expand(t, -1, -1), self.parents,
                         self.frame, follow)
        pose = PoseBatch(rotations=rotations, translations=translations, morph_weights=mesh_w)
        # built here from checked, finite input: evaluation skips re-checking (each check is
        # a device sync on CUDA) and reuses the packed weights instead of re-joining them
        pose._trusted = (packed_weights, rotations, translations, mesh_w)  # type: ignore[attr-defined]
        return pose

    def _rules(self, names: tuple[str, ...]) -> ExpressionRules:
        if names not in self._rules_cache:
            self._rules_cache[names] = ExpressionRules(self.character, names)
        return self._rules_cache[names]

    def material_frames(self, motion: MotionLike) -> MaterialFrames | None:
        """Per-frame material colours and texture transforms that the clip's expressions
        drive (VRM material-colour and texture-transform binds), or None when none do."""
        rules = self._rules(tuple(motion.morph_names))
        morph = np.asarray(motion.morph, np.float32)
        return material_frames(self.character, rules.out_names, rules.apply(morph))

    def _hold_gaze(self, q: torch.Tensor, cols: list[int], motion: MotionLike,
                   morph: np.ndarray) -> torch.Tensor:
        """Eye rotations scaled by what ``overrideLookAt`` expressions leave of the gaze."""
        eyes = [k for k, c in enumerate(cols) if motion.bone_names[c] in ("leftEye", "rightEye")]
        return hold_gaze(q, eyes, self._rules(tuple(motion.morph_names)), morph)

    # -- evaluation -----------------------------------------------------------------------
    def joint_transforms(self, pose: MotionLike | PoseBatch) -> torch.Tensor:
        """World transforms (T, J, 4, 4) of every joint for a motion or pose batch (CPU)."""
        if not isinstance(pose, PoseBatch):
            pose = self.pose_from_motion(pose)
        return self._world(pose)

    def _world(self, pose: PoseBatch) -> torch.Tensor:
        dev, f32 = self.joint_device, torch.float32
        rot = torch.as_tensor(pose.rotations, dtype=f32, device=dev)
        t, j = rot.shape[0], self.character.skeleton.num_joints
        if rot.shape != (t, j, 4) or t == 0:
            raise InputError(
                f"pose rotations have shape {tuple(rot.shape)}, expected (T>0, {j}, 4)"
            )
        parts = {"rotations": rot}
        for name, value, rest in (
            ("translations", pose.translations, self.rest_t),
            ("scales", pose.scales, self.rest_s),
        ):
            arr = (
                rest.expand(t, -1, -1)
                if value is None
                else torch.as_tensor(value, dtype=f32, device=dev)
            )
            if arr.shape != (t, j, 3):
                raise InputError(
                    f"pose {name} have shape {tuple(arr.shape)}, expected ({t}, {j}, 3)"
                )
            parts[name] = arr
        for name, arr in parts.items():
            if _trusted(pose) is None and not bool(torch.isfinite(arr).all()):
                raise InputError(f"pose {name} contain NaN or inf")
        local = local_matrices(parts["translations"], parts["rotations"], parts["scales"])
        return self.frame @ forward_kinematics(self.parents, local)

    def evaluate(self, motion: MotionLike | PoseBatch, as_numpy: bool = False) -> list[MeshFrames]:
        """Positions and normals (T, V, 3) of every mesh, in character mesh order.

        Accepts a :class:`MotionLike` clip or a :class:`PoseBatch`; raises
        :class:`InputError` on malformed or non-finite input. The meshes are views into
        one packed buffer (see :meth:`evaluate_packed`).
        """
        return self.evaluate_packed(motion, as_numpy).meshes(self._mesh_names)

    def evaluate_packed(
        self, motion: MotionLike | PoseBatch, as_numpy: bool = False
    ) -> PackedFrames:
        """Every mesh in one pass: (T, V_all, 3) positions and unit normals.

        One blend of the skin matrices over the joints that move vertices, one morph
        matmul over the morph targets that are non-zero somewhere in the batch (applied
        only to the vertices morphs move), and normals skinned with the same matrices.
        Joint math runs on the CPU; only the skin matrices and morph weights of the batch
        go to the rig's device.
        """
        with intra_op_threads(self.threads):
            return self._evaluate_packed(motion, as_numpy)

    def _evaluate_packed(self, motion: MotionLike | PoseBatch, as_numpy: bool) -> PackedFrames:
        pose = motion if isinstance(motion, PoseBatch) else self.pose_from_motion(motion)
        world = self._world(pose)
        t = world.shape[0]
        pk = self.packed
        dev = self.device
        skin_mats = (world[:, self._joints_used] @ self._inverse_bind_used).to(dev)
        blended = blended_transforms(pk.weights_t, skin_mats)  # (3, 4, T, V)
        pos = apply_blended(blended, pk.base)  # (3, T, V)
        recompute = self.normal_mode == "recompute"
        nrm = None if recompute else apply_blended(blended, pk.normals, translate=False)
        weights = self._packed_morph_weights(pose, t)
        if weights is not None:
            active = torch.nonzero((weights != 0).any(dim=0)).reshape(-1)  # zero columns skipped
            w = weights.index_select(1, active).to(dev)
            active = active.to(dev)
            rows = pk.morph_rows
            local = blended_transforms(pk.row_weights_t, skin_mats)  # (3, 4, T, Vm)
            d = (w @ pk.deltas.index_select(0, active)).view(t, 3, -1).transpose(0, 1)
            pos.index_add_(2, rows, apply_blended(local, d, translate=False))
            if nrm is not None:
                nd = (w @ pk.normal_deltas.index_select(0, active)).view(t, 3, -1)
                nrm.index_add_(2, rows, apply_blended(local, nd.transpose(0, 1), translate=False))
        positions = pos.permute(1, 2, 0).contiguous()
        if nrm is None:
            normals = vertex_normals(positions, pk.faces, pk.weld)
        else:
            normals = normalize_components(nrm).permute(1, 2, 0).contiguous()
        if as_numpy:
            return PackedFrames(positions.cpu().numpy(), normals.cpu().numpy(), pk.offsets)
        return PackedFrames(positions, normals, pk.offsets)

    def _packed_morph_weights(self, pose: PoseBatch, t: int) -> torch.Tensor | None:
        """(T, M_all) weights of all morph columns, or None when no morph is non-zero."""
        pk = self.packed
        if pose.morph_weights is None or pk.num_morphs == 0 or pk.num_morph_rows == 0:
            return None
        trusted = _trusted(pose)
        if trusted is not None and trusted.shape == (t, pk.num_morphs):
            return trusted if bool((trusted != 0).any()) else None
        if len(pose.morph_weights) != len(self._mesh_names):
            raise InputError(
                f"pose has morph weights for {len(pose.morph_weights)} meshes, "
                f"the character has {len(self._mesh_names)}"
            )
        parts = []
        for i, (w, m) in enumerate(zip(pose.morph_weights, _spans(pk.morph_offsets), strict=True)):
            if w is None:
                parts.append(torch.zeros(t, m))
                continue
            w = torch.as_tensor(w, dtype=torch.float32, device=self.joint_device)
            if w.shape != (t, m):
                raise InputError(
                    f"morph weights of mesh {i} have shape {tuple(w.shape)}, expected ({t}, {m})"
                )
            parts.append(w)
        weights = torch.cat(parts, dim=1)
        if not bool(torch.isfinite(weights).all()):
            raise InputError("pose morph_weights contain NaN or inf")
        return weights if bool((weights != 0).any()) else None

    # -- glTF animations ------------------------------------------------------------------
    def sample_animation(self, clip: AnimationClip, times: np.ndarray) -> PoseBatch:
        """Sample a character animation clip at ``times`` (seconds) into a PoseBatch
        (see :func:`avatar.rig_anim.sample_animation`)."""
        from vhuman.avatar.rig_anim import sample_animation

        return sample_animation(self, clip, times)
