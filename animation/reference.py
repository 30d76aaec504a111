"""A reference humanoid (~1.7 m T-pose): forward kinematics, joint limits, leg IK, metrics.

Motion is authored in *normalized* humanoid rotations: every bone's rest orientation is the
world frame, so a bone's world rotation is the product of its ancestors' normalized
rotations and its own. This module gives that model a body so that motion can be measured
(foot sliding, joint limits, hand positions), solved (two-bone leg IK for planted feet) and
retargeted (BVH / glTF clips map onto it).

Axes: +Y up, the character faces +Z, its left is +X. Joint limits are intrinsic YZX Euler
ranges in degrees (see :mod:`animation.quat`), per axis ``(x, y, z)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.ik import two_bone_ik
from vhuman.animation.vocabulary import HUMANOID_BONES
from vhuman.models.types import InputError

log = logging.getLogger(__name__)

_PARENT: dict[str, str | None] = {
    "hips": None,
    "spine": "hips",
    "chest": "spine",
    "upperChest": "chest",
    "neck": "upperChest",
    "head": "neck",
    "leftEye": "head",
    "rightEye": "head",
    "jaw": "head",
    "leftShoulder": "upperChest",
    "leftUpperArm": "leftShoulder",
    "leftLowerArm": "leftUpperArm",
    "leftHand": "leftLowerArm",
    "rightShoulder": "upperChest",
    "rightUpperArm": "rightShoulder",
    "rightLowerArm": "rightUpperArm",
    "rightHand": "rightLowerArm",
    "leftUpperLeg": "hips",
    "leftLowerLeg": "leftUpperLeg",
    "leftFoot": "leftLowerLeg",
    "leftToes": "leftFoot",
    "rightUpperLeg": "hips",
    "rightLowerLeg": "rightUpperLeg",
    "rightFoot": "rightLowerLeg",
    "rightToes": "rightFoot",
}

# rest offset of each joint from its parent (left side; right side mirrors x)
_OFFSET_LEFT: dict[str, tuple[float, float, float]] = {
    "hips": (0.0, 0.95, 0.0),
    "spine": (0.0, 0.10, 0.0),
    "chest": (0.0, 0.12, 0.0),
    "upperChest": (0.0, 0.12, 0.0),
    "neck": (0.0, 0.13, 0.0),
    "head": (0.0, 0.10, 0.0),
    "leftEye": (0.032, 0.07, 0.08),
    "jaw": (0.0, 0.0, 0.03),
    "leftShoulder": (0.02, 0.09, 0.0),
    "leftUpperArm": (0.13, 0.0, 0.0),
    "leftLowerArm": (0.28, 0.0, 0.0),
    "leftHand": (0.25, 0.0, 0.0),
    "leftUpperLeg": (0.09, -0.05, 0.0),
    "leftLowerLeg": (0.0, -0.42, 0.0),
    "leftFoot": (0.0, -0.40, 0.0),
    "leftToes": (0.0, -0.06, 0.12),
}

# joint limits (x, y, z) ranges in degrees for the left side and the centre line
_LIMITS_LEFT: dict[str, tuple[tuple[float, float], ...]] = {
    "hips": ((-60, 60), (-180, 180), (-45, 45)),
    "spine": ((-25, 45), (-35, 35), (-25, 25)),
    "chest": ((-25, 45), (-35, 35), (-25, 25)),
    "upperChest": ((-25, 45), (-35, 35), (-25, 25)),
    "neck": ((-40, 50), (-60, 60), (-35, 35)),
    "head": ((-40, 45), (-70, 70), (-35, 35)),
    "leftEye": ((-25, 25), (-35, 35), (-5, 5)),
    "jaw": ((-5, 30), (-10, 10), (-10, 10)),
    "leftShoulder": ((-20, 20), (-25, 20), (-15, 35)),
    "leftUpperArm": ((-100, 100), (-135, 60), (-88, 140)),
    "leftLowerArm": ((-100, 100), (-150, 5), (-15, 15)),
    "leftHand": ((-40, 40), (-80, 80), (-45, 45)),
    "leftUpperLeg": ((-120, 40), (-45, 45), (-25, 60)),
    "leftLowerLeg": ((-2, 150), (-15, 15), (-15, 15)),
    "leftFoot": ((-50, 45), (-30, 30), (-30, 30)),
    "leftToes": ((-60, 30), (-10, 10), (-10, 10)),
}


def mirror_name(bone: str) -> str:
    """``leftHand`` <-> ``rightHand``; centre bones map to themselves."""
    if bone.startswith("left"):
        return "right" + bone[4:]
    if bone.startswith("right"):
        return "left" + bone[5:]
    return bone


def mirror_quat(q: np.ndarray) -> np.ndarray:
    """Mirror a normalized rotation across the character's midplane (x -> -x)."""
    return q * np.array([1.0, -1.0, -1.0, 1.0], dtype=np.float32)


@dataclass
class ReferenceSkeleton:
    """Humanoid bones (``HUMANOID_BONES`` order), parents, rest offsets (m) and limits."""

    bones: list[str]
    parents: np.ndarray
    offsets: np.ndarray  # (B, 3) rest offset from parent; hips: rest position
    limits: np.ndarray  # (B, 3, 2) Euler (x, y, z) min/max degrees

    def index(self, bone: str) -> int:
        try:
            return self.bones.index(bone)
        except ValueError:
            raise InputError(f"reference skeleton has no bone {bone!r}") from None

    @property
    def rest_positions(self) -> np.ndarray:
        """(B, 3) world positions of the joints in the T-pose."""
        pos = np.zeros((len(self.bones), 3))
        for i, p in enumerate(self.parents):
            pos[i] = self.offsets[i] + (pos[p] if p >= 0 else 0.0)
        return pos

    @property
    def leg_lengths(self) -> tuple[float, float]:
        """(thigh, shin) lengths in metres."""
        return (
            float(np.linalg.norm(self.offsets[self.index("leftLowerLeg")])),
            float(np.linalg.norm(self.offsets[self.index("leftFoot")])),
        )

    # -- kinematics ------------------------------------------------------------------
    def forward(
        self, rotations: np.ndarray, root_offset: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """World positions (T, B, 3) and world rotations (T, B, 4) of normalized rotations.

        ``rotations`` is (T, B, 4) in :attr:`bones` order; ``root_offset`` (T, 3) moves the hips.
        """
        rot = np.asarray(rotations, np.float64)
        t = rot.shape[0]
        pos = np.zeros((t, len(self.bones), 3))
        wrot = np.zeros((t, len(self.bones), 4))
        for i, p in enumerate(self.parents):
            if p < 0:
                wrot[:, i] = rot[:, i]
                pos[:, i] = self.offsets[i] + (0.0 if root_offset is None else root_offset)
            else:
                wrot[:, i] = Q.mul(wrot[:, p], rot[:, i])
                pos[:, i] = pos[:, p] + Q.rotate(
                    wrot[:, p], np.broadcast_to(self.offsets[i], (t, 3))
                )
        return pos, wrot

    def clip_forward(self, clip: object) -> tuple[np.ndarray, np.ndarray]:
        """FK of a :class:`~animation.clip.MotionClip` (bones matched by name)."""
        rot = Q.identity(clip.num_frames, len(self.bones))  # type: ignore[attr-defined]
        for j, name in enumerate(clip.bone_names):  # type: ignore[attr-defined]
            if name in self.bones:
                rot[:, self.bones.index(name)] = clip.rotations[:, j]  # type: ignore[attr-defined]
        return self.forward(rot, clip.root_offset)  # type: ignore[attr-defined]

    # -- limits ----------------------------------------------------------------------
    def limit_violations(
        self, rotations: np.ndarray, bone_names: list[str], tolerance_deg: float = 1.0
    ) -> dict[str, float]:
        """Worst excess (degrees) beyond the limits per violating bone; empty when within."""
        out: dict[str, float] = {}
        for j, name in enumerate(bone_names):
            if name not in self.bones:
                continue
            lim = self.limits[self.bones.index(name)]
            e = Q.to_euler(rotations[:, j])
            if name == "hips":
                e = e[:, [0, 2]]
                lim = lim[[0, 2]]
            excess = np.maximum(lim[:, 0] - e, e - lim[:, 1]).max()
            if excess > tolerance_deg:
                out[name] = float(excess)
        return out

    def clamp(self, rotations: np.ndarray, bone_names: list[str]) -> np.ndarray:
        """Rotations clamped into the joint limits (Euler clamp), same shape."""
        out = np.array(rotations, np.float32, copy=True)
        for j, name in enumerate(bone_names):
            if name not in self.bones or name == "hips":
                continue
            lim = self.limits[self.bones.index(name)]
            e = Q.to_euler(out[:, j])
            clipped = np.clip(e, lim[:, 0], lim[:, 1])
            if np.any(np.abs(clipped - e) > 1e-4):
                out[:, j] = Q.from_euler(clipped)
        return out

    # -- leg IK ----------------------------------------------------------------------
    def leg_ik(
        self,
        side: str,
        hips_pos: np.ndarray,
        hips_rot: np.ndarray,
        ankle_target: np.ndarray,
        foot_yaw: np.ndarray | None = None,
        foot_pitch: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Two-bone IK: normalized (upperLeg, lowerLeg, foot) rotations putting the ankle on target.

        ``hips_pos`` (T, 3) world hips joint, ``hips_rot`` (T, 4) its world rotation,
        ``ankle_target`` (T, 3) world ankle position; the knee bends towards the facing
        direction and the foot stays level, turned by ``foot_yaw`` (rad, about +Y) and
        tilted by ``foot_pitch`` (rad, about the foot's +X; positive = toes down).
        """
        t = hips_pos.shape[0]
        hip = hips_pos + Q.rotate(
            hips_rot, np.broadcast_to(self.offsets[self.index(f"{side}UpperLeg")], (t, 3))
        )
        if foot_yaw is None:
            foot_yaw = np.zeros(t)
        yaw_q = Q.axis_angle((0, 1, 0), foot_yaw)
        fwd = Q.rotate(yaw_q, np.broadcast_to([0.0, 0.0, 1.0], (t, 3)))
        upper, lower, shin_w, _ = two_bone_ik(
            hip, hips_rot, ankle_target, fwd, self.leg_lengths, (0.0, -1.0, 0.0), (0.0, 0.0, -1.0)
        )
        foot_w = yaw_q if foot_pitch is None else Q.mul(yaw_q, Q.axis_angle((1, 0, 0), foot_pitch))
        foot = Q.mul(Q.conj(shin_w), foot_w)
        return upper, lower, foot.astype(np.float32)

    def arm_ik(
        self,
        side: str,
        chest_pos: np.ndarray,
        chest_rot: np.ndarray,
        hand_target: np.ndarray,
        elbow_pole: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Normalized (upperArm, lowerArm) rotations reaching ``hand_target`` (T, 3) world.

        ``chest_pos``/``chest_rot`` (T, 3)/(T, 4): world pose of ``upperChest`` (the
        shoulder bone is kept at rest); ``elbow_pole`` (T, 3) where the elbow points.
        """
        t = chest_pos.shape[0]
        sh = (
            self.offsets[self.index(f"{side}Shoulder")]
            + self.offsets[self.index(f"{side}UpperArm")]
        )
        root = chest_pos + Q.rotate(chest_rot, np.broadcast_to(sh, (t, 3)))
        lengths = (
            float(np.linalg.norm(self.offsets[self.index(f"{side}LowerArm")])),
            float(np.linalg.norm(self.offsets[self.index(f"{side}Hand")])),
        )
        axis = (1.0, 0.0, 0.0) if side == "left" else (-1.0, 0.0, 0.0)
        upper, lower, _, _ = two_bone_ik(
            root, chest_rot, hand_target, elbow_pole, lengths, axis, (0.0, 0.0, 1.0)
        )
        return upper, lower


def build_reference(height: float = 1.7) -> ReferenceSkeleton:
    """The reference humanoid scaled to ``height`` metres (default ~1.7 m)."""
    bones = list(HUMANOID_BONES)
    scale = height / 1.7
    parents = np.array([bones.index(_PARENT[b]) if _PARENT[b] else -1 for b in bones])  # type: ignore[arg-type]
    offsets = np.zeros((len(bones), 3))
    limits = np.zeros((len(bones), 3, 2))
    for i, b in enumerate(bones):
        src = b if b in _OFFSET_LEFT else mirror_name(b)
        off = np.array(_OFFSET_LEFT[src], float)
        lim = np.array(_LIMITS_LEFT[src], float)
        if src != b:  # right side: mirror x offset; y and z Euler ranges flip sign
            off[0] = -off[0]
            lim[1] = -lim[1][::-1]
            lim[2] = -lim[2][::-1]
        offsets[i] = off * scale
        limits[i] = lim
    return ReferenceSkeleton(bones=bones, parents=parents, offsets=offsets, limits=limits)


REFERENCE = build_reference()
"""The default reference humanoid."""


def foot_slide(
    positions: np.ndarray,
    fps: float,
    skeleton: ReferenceSkeleton = REFERENCE,
    height_tol: float = 0.012,
) -> dict[str, float]:
    """Foot sliding while planted: mean/95th-percentile horizontal speed in cm/s.

    A foot counts as planted on frames where its ankle is within ``height_tol`` of the
    rest ankle height (on the floor) on both ends of the frame step.
    """
    rest_h = skeleton.rest_positions
    speeds = []
    planted_frames = 0
    for side in ("left", "right"):
        i = skeleton.index(f"{side}Foot")
        y = positions[:, i, 1]
        planted = y <= rest_h[i, 1] + height_tol
        both = planted[1:] & planted[:-1]
        v = np.linalg.norm(np.diff(positions[:, i, [0, 2]], axis=0), axis=-1) * fps * 100.0
        speeds.append(v[both])
        planted_frames += int(both.sum())
    allv = np.concatenate(speeds) if speeds else np.zeros(0)
    if allv.size == 0:
        return {"mean_cm_s": 0.0, "p95_cm_s": 0.0, "planted_fraction": 0.0}
    return {
        "mean_cm_s": float(allv.mean()),
        "p95_cm_s": float(np.percentile(allv, 95)),
        "planted_fraction": planted_frames / max(2 * (positions.shape[0] - 1), 1),
    }
