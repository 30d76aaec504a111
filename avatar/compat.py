"""How faithfully a motion shows on an avatar: limb directions and per-bone facing against
the built-in host.

The same normalized motion should point every avatar's upper arms, forearms, thighs and
shins the same way in the world, whatever its rest pose, joint axes, facing or units. The
measure is the angle between an avatar's limb world direction (joint to child joint) and
the built-in's at the same frame; ``bench motion`` reports its median and 95th percentile
over a dance and every gesture, and the corpus tests hold avatars to it.

Limb directions miss a head that looks backwards or a hand turned palm up, so every
humanoid bone is also compared by *facing*: the orientation its part of the mesh shows
(the skin matrix ``world · inverse_bind``, read in the axes the mesh was modelled in: the
forward and up the bind pose's bones give) against the built-in's. The trunk and head
(:data:`AXIAL`) compare whole orientations (a turn, a lean, a roll); arms, legs, hands and
feet compare where their front faces, as a bind pose may hold them in an A-pose that the
rest-pose measurement swings out (the limb directions cover the swing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vhuman.animation.clip import MotionClip
from vhuman.avatar.character import Character

LIMBS: tuple[tuple[str, str], ...] = tuple(
    (f"{side}{a}", f"{side}{b}")
    for side in ("left", "right")
    for a, b in (("UpperArm", "LowerArm"), ("LowerArm", "Hand"),
                 ("UpperLeg", "LowerLeg"), ("LowerLeg", "Foot"))
)
"""Limb segments compared: (bone, child bone)."""


@dataclass(frozen=True)
class Agreement:
    """Angles (degrees) between an avatar's limb directions and the reference's."""

    median: float
    p95: float
    worst_limb: str
    limbs: int
    frames: int

    def as_dict(self) -> dict[str, float | str | int]:
        return {"median_deg": round(self.median, 2), "p95_deg": round(self.p95, 2),
                "worst_limb": self.worst_limb, "limbs": self.limbs, "frames": self.frames}


def limb_directions(rig: object, clip: MotionClip, limbs: Sequence[tuple[str, str]] = LIMBS
                    ) -> dict[str, np.ndarray]:
    """Unit world directions (T, 3) of each limb the rig's humanoid map has, by bone name."""
    world = rig.joint_transforms(clip).numpy()  # type: ignore[attr-defined]
    humanoid = rig.character.skeleton.humanoid  # type: ignore[attr-defined]
    out = {}
    for a, b in limbs:
        if a in humanoid and b in humanoid:
            d = world[:, humanoid[b], :3, 3] - world[:, humanoid[a], :3, 3]
            out[a] = d / np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), 1e-12)
    return out


def limb_agreement(rig: object, reference_rig: object, clips: Sequence[MotionClip]) -> Agreement:
    """Agreement of ``rig`` with ``reference_rig`` over ``clips`` (all limbs both rigs have)."""
    angles: dict[str, list[np.ndarray]] = {}
    frames = 0
    for clip in clips:
        mine, ref = limb_directions(rig, clip), limb_directions(reference_rig, clip)
        frames += clip.num_frames
        for bone in mine.keys() & ref.keys():
            cos = np.clip(np.sum(mine[bone] * ref[bone], axis=-1), -1.0, 1.0)
            angles.setdefault(bone, []).append(np.degrees(np.arccos(cos)))
    if not angles:
        return Agreement(float("nan"), float("nan"), "", 0, frames)
    per = {b: np.concatenate(v) for b, v in angles.items()}
    every = np.concatenate(list(per.values()))
    worst = max(per, key=lambda b: float(np.percentile(per[b], 95)))
    return Agreement(float(np.median(every)), float(np.percentile(every, 95)), worst,
                     len(per), frames)


AXIAL: frozenset[str] = frozenset({"hips", "spine", "chest", "upperChest", "neck", "head"})
"""Bones compared by whole orientation; the others by their forward direction."""


def model_axes(character: Character) -> np.ndarray | None:
    """(3, 3) rows: the character's left, up and forward in its bind space (where its mesh
    was modelled), from the bind pose's bones; None when the bones cannot tell."""
    from vhuman.avatar.rest_pose import _bone_facing, _frame

    sk = character.skeleton
    bind = np.linalg.inv(np.asarray(sk.inverse_bind, np.float64))
    if character.format in ("vrm0", "vrm1"):  # the spec fixes it (VRM 0.x turned on load)
        return np.eye(3)
    facing = _bone_facing(bind[:, :3, 3], sk.humanoid)
    return None if facing is None else _frame(facing)[:3, :3]


def bone_facings(rig: object, clip: MotionClip) -> dict[str, np.ndarray]:
    """Orientation (T, 3, 3) that each humanoid bone's part of the mesh shows in the world,
    as columns left, up, forward of the model, by bone name (empty when the bind pose's
    facing is unknown)."""
    character = rig.character  # type: ignore[attr-defined]
    axes = model_axes(character)
    if axes is None:
        return {}
    world = rig.joint_transforms(clip).numpy().astype(np.float64)  # type: ignore[attr-defined]
    inv_bind = np.asarray(character.skeleton.inverse_bind, np.float64)
    out = {}
    for bone, j in character.skeleton.humanoid.items():
        lin = world[:, j, :3, :3] @ inv_bind[j, :3, :3]
        u, _, vt = np.linalg.svd(lin)  # rotation part (scale removed)
        out[bone] = (u @ vt) @ axes.T
    return out


@dataclass(frozen=True)
class FacingAgreement:
    """Angles (degrees) between each bone's facing on an avatar and on the reference."""

    median: float
    p95: float
    worst_bone: str
    worst_p95: float
    bones: int
    frames: int

    def as_dict(self) -> dict[str, float | str | int]:
        return {"facing_median_deg": round(self.median, 2), "facing_p95_deg": round(self.p95, 2),
                "worst_bone": self.worst_bone, "worst_bone_p95_deg": round(self.worst_p95, 1),
                "bones": self.bones}


def facing_agreement(rig: object, reference_rig: object, clips: Sequence[MotionClip],
                     skip: Sequence[str] = ("leftEye", "rightEye", "jaw")
                     ) -> FacingAgreement:
    """Per-bone facing of ``rig`` against ``reference_rig`` over ``clips`` (every humanoid
    bone both have, but the eyes and jaw, which the face drives)."""
    angles: dict[str, list[np.ndarray]] = {}
    frames = 0
    for clip in clips:
        mine, ref = bone_facings(rig, clip), bone_facings(reference_rig, clip)
        frames += clip.num_frames
        for bone in (mine.keys() & ref.keys()) - set(skip):
            if bone in AXIAL:
                d = np.einsum("tji,tjk->tik", mine[bone], ref[bone])
                cos = np.clip((np.trace(d, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0)
            else:
                cos = np.clip(np.sum(mine[bone][:, :, 2] * ref[bone][:, :, 2], axis=-1), -1, 1)
            angles.setdefault(bone, []).append(np.degrees(np.arccos(cos)))
    if not angles:
        return FacingAgreement(float("nan"), float("nan"), "", float("nan"), 0, frames)
    per = {b: np.concatenate(v) for b, v in angles.items()}
    every = np.concatenate(list(per.values()))
    worst = max(per, key=lambda b: float(np.percentile(per[b], 95)))
    return FacingAgreement(float(np.median(every)), float(np.percentile(every, 95)), worst,
                           float(np.percentile(per[worst], 95)), len(per), frames)


def gesture_clips(fps: float = 30.0) -> list[MotionClip]:
    """Every library gesture over the relaxed standing pose, one clip each."""
    from vhuman.animation.gestures import gesture_clip, gesture_names
    from vhuman.animation.layers import PRIORITY, Layer, LayerStack
    from vhuman.animation.performance import base_pose_clip

    out = []
    for name in gesture_names():
        g = gesture_clip(name, fps)
        stack = LayerStack(g.num_frames, fps)
        stack.add(Layer("base", base_pose_clip(g.num_frames, fps), PRIORITY["base"]))
        stack.add(Layer("gesture", g, PRIORITY["gesture"]))
        out.append(stack.evaluate())
    return out


def dance_clip(seconds: float = 30.0, fps: float = 30.0, seed: int = 0) -> MotionClip:
    """A dance to the synthesized demo track (choreographed moves)."""
    from vhuman.animation.dance.demo_track import synth_demo_track
    from vhuman.animation.performance import dance

    sr = 22050
    return dance(synth_demo_track(seconds, sr=sr, seed=seed), sr, fps=fps, seed=seed)


def corpus_characters(shared_avatars: str | Path | None) -> dict[str, Character]:
    """The compatibility corpus: shared sample avatars (when the folder is there) plus the
    built-in's generated variants (:func:`avatar.variants.corpus_variants`)."""
    from vhuman.avatar.loader import load_avatar
    from vhuman.avatar.variants import corpus_variants

    out: dict[str, Character] = {}
    if shared_avatars and Path(shared_avatars).is_dir():
        for p in sorted(Path(shared_avatars).iterdir()):
            if p.suffix.lower() in (".glb", ".gltf", ".vrm"):
                out[p.name] = load_avatar(p)
    for name, ch in corpus_variants(load_avatar(None)).items():
        out[f"built-in, {name}"] = ch
    return out


def shared_data_dir() -> Path | None:
    """The public sample data (``shared/data`` beside the repository, or
    ``$VHUMAN_SHARED_DATA``), or None when it is not on this machine."""
    import os

    roots = []
    if os.environ.get("VHUMAN_SHARED_DATA"):
        roots.append(Path(os.environ["VHUMAN_SHARED_DATA"]))
    here = Path(__file__).resolve()
    roots += [p / "shared" / "data" for p in here.parents[1:4]]
    roots.append(Path("/work/shared/data"))
    return next((root for root in roots if root.is_dir()), None)


def shared_avatars_dir() -> Path | None:
    """``avatars/`` of :func:`shared_data_dir`, or None when it is not on this machine."""
    root = shared_data_dir()
    return root / "avatars" if root is not None and (root / "avatars").is_dir() else None
