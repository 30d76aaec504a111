"""Retarget motion (BVH mocap, a rig's glTF animation) onto normalized humanoid rotations.

A source joint's motion is taken as its world-rotation *delta* from its own rest pose; a
per-bone correction aligns the source's rest bone direction with the reference T-pose, so
an A-posed rig or a BVH in centimetres retargets as well as a T-posed one. Joints without a
humanoid name are folded into their children. The output :class:`MotionClip` drives any
rig through the humanoid map.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.bvh import BvhMotion
from vhuman.animation.clip import MotionClip
from vhuman.animation.reference import REFERENCE, ReferenceSkeleton
from vhuman.models.types import InputError

log = logging.getLogger(__name__)

# common spellings (Mixamo, CMU, Biped, VRM/UniVRM, Unreal) -> humanoid bone
_ALIASES: dict[str, tuple[str, ...]] = {
    "hips": ("hips", "hip", "pelvis", "root", "bip01pelvis"),
    "spine": ("spine", "spine0", "abdomen", "lowerback", "spine01", "bip01spine"),
    "chest": ("chest", "spine1", "spine02", "upperback", "bip01spine1"),
    "upperChest": ("upperchest", "spine2", "spine03", "thorax", "bip01spine2"),
    "neck": ("neck", "neck1", "lowerneck", "bip01neck"),
    "head": ("head", "bip01head"),
    "leftEye": ("lefteye", "eyel", "eyeleft"),
    "rightEye": ("righteye", "eyer", "eyeright"),
    "jaw": ("jaw",),
    "leftShoulder": (
        "leftshoulder",
        "lshoulder",
        "lclavicle",
        "leftcollar",
        "lcollar",
        "shoulderl",
        "claviclel",
    ),
    "leftUpperArm": (
        "leftupperarm",
        "leftarm",
        "lupperarm",
        "lhumerus",
        "luparm",
        "upperarml",
        "arml",
    ),
    "leftLowerArm": (
        "leftlowerarm",
        "leftforearm",
        "llowerarm",
        "lforearm",
        "lradius",
        "lowerarml",
        "forearml",
    ),
    "leftHand": ("lefthand", "lhand", "lwrist", "handl"),
    "leftUpperLeg": (
        "leftupperleg",
        "leftupleg",
        "lthigh",
        "lfemur",
        "lupleg",
        "thighl",
        "upperlegl",
    ),
    "leftLowerLeg": (
        "leftlowerleg",
        "leftleg",
        "lshin",
        "ltibia",
        "lleg",
        "calfl",
        "lowerlegl",
        "lcalf",
    ),
    "leftFoot": ("leftfoot", "lfoot", "footl"),
    "leftToes": (
        "lefttoes",
        "lefttoebase",
        "ltoes",
        "ltoebase",
        "ltoe",
        "toel",
        "toesl",
        "lefttoe",
    ),
}


def _mirror_alias(a: str) -> str:
    if "left" in a:
        return a.replace("left", "right")
    if a.endswith("l") and (a.startswith("lower") or not a.startswith("l")):
        return a[:-1] + "r"
    if a.startswith("l"):
        return "r" + a[1:]
    return a


for _b in list(_ALIASES):
    if _b.startswith("left"):
        _ALIASES["right" + _b[4:]] = tuple(_mirror_alias(a) for a in _ALIASES[_b])
_LOOKUP = {alias: bone for bone, names in _ALIASES.items() for alias in names}
_PREFIX = re.compile(r"^(mixamorig\d*|bip\d*|j_bip_[clr]_|def|cc_base_|rig)[:_ ]?", re.I)


def guess_humanoid_map(names: Sequence[str]) -> dict[str, int]:
    """Humanoid bone -> joint index from joint names (first match wins)."""
    out: dict[str, int] = {}
    for i, raw in enumerate(names):
        key = _PREFIX.sub("", raw.strip())
        key = re.sub(r"[^a-z0-9]", "", key.lower())
        bone = _LOOKUP.get(key)
        if bone is None and raw.lower().startswith("j_bip_"):
            side = raw[6].lower()
            key2 = ("left" if side == "l" else "right" if side == "r" else "") + re.sub(
                r"[^a-z0-9]", "", raw[8:].lower()
            )
            bone = _LOOKUP.get(key2)
        if bone is not None and bone not in out:
            out[bone] = i
    return out


def _require_hips(mapping: Mapping[str, int], what: str, names: Sequence[str]) -> None:
    if "hips" not in mapping:
        shown = ", ".join(list(names)[:12])
        raise InputError(
            f"{what} has no humanoid map and no joint recognisable as hips (joints: {shown}...)"
        )


def retarget_world(
    world_delta: np.ndarray,
    hips_position: np.ndarray,
    rest_positions: np.ndarray,
    parents: np.ndarray,
    mapping: Mapping[str, int],
    fps: float,
    skeleton: ReferenceSkeleton = REFERENCE,
    align: bool = True,
) -> MotionClip:
    """Normalized clip from source world-rotation deltas (F, J, 4) and hips positions (F, 3).

    ``rest_positions`` (J, 3) are the source's rest joint positions (for bone directions
    and the size ratio), ``mapping`` humanoid bone -> source joint index. ``align``: turn
    each source bone's rest direction onto the reference T-pose's (False when the deltas
    are already taken from the source's measured T-pose, which the rig shows as is).
    """
    f = world_delta.shape[0]
    ref_rest = skeleton.rest_positions
    bones = skeleton.bones
    g: dict[str, np.ndarray] = {}
    for b in bones:  # parents come first
        k = skeleton.index(b)
        parent = bones[skeleton.parents[k]] if skeleton.parents[k] >= 0 else None
        if b not in mapping:
            g[b] = g[parent] if parent else Q.identity(f)
            continue
        j = mapping[b]
        child = next(
            (
                c
                for c in bones
                if skeleton.parents[skeleton.index(c)] == k
                and c in mapping
                and "Eye" not in c
                and c != "jaw"
            ),
            None,
        )
        corr = Q.identity(1)[0]
        if align and child is not None and b != "hips":
            src_dir = rest_positions[mapping[child]] - rest_positions[j]
            ref_dir = ref_rest[skeleton.index(child)] - ref_rest[k]
            if np.linalg.norm(src_dir) > 1e-6:
                corr = Q.between(ref_dir, src_dir)
        g[b] = Q.normalize(Q.mul(world_delta[:, j], corr[None]))
    clip = MotionClip.rest(f, fps, [], list(bones))
    for i, b in enumerate(bones):
        p = skeleton.parents[i]
        clip.rotations[:, i] = g[b] if p < 0 else Q.mul(Q.conj(g[bones[p]]), g[b])
    src_h = _height_of_hips(rest_positions, mapping)
    has_feet = any(b in mapping for b in ("leftFoot", "rightFoot"))
    ref_low = ref_rest[skeleton.index("leftFoot"), 1] if has_feet else ref_rest[:, 1].min()
    ref_h = ref_rest[skeleton.index("hips"), 1] - ref_low
    scale = ref_h / src_h if src_h > 1e-6 else 1.0
    clip.root_offset[:] = (hips_position - rest_positions[mapping["hips"]]) * scale
    return clip


def _height_of_hips(rest: np.ndarray, mapping: Mapping[str, int]) -> float:
    """Rest height of the hips above the ankles (or the lowest joint) in source units."""
    feet = [mapping[b] for b in ("leftFoot", "rightFoot") if b in mapping]
    lowest = min(rest[f, 1] for f in feet) if feet else float(rest[:, 1].min())
    return float(rest[mapping["hips"], 1] - lowest)


def resample(clip: MotionClip, fps: float) -> MotionClip:
    """The clip resampled to ``fps`` (slerp for rotations, linear otherwise)."""
    if abs(clip.fps - fps) < 1e-9 or clip.num_frames < 2:
        return MotionClip(
            fps,
            list(clip.morph_names),
            clip.morph,
            list(clip.bone_names),
            clip.rotations,
            clip.root_offset,
        )
    n = max(1, int(np.floor(clip.duration * fps - 1e-9)) + 1)
    return sample_clip(clip, np.arange(n) / fps, fps)


def sample_clip(clip: MotionClip, times: np.ndarray, fps: float) -> MotionClip:
    """Frames of ``clip`` at arbitrary ``times`` (s), interpolated; returned at ``fps``."""
    x = np.clip(np.asarray(times, np.float64) * clip.fps, 0, clip.num_frames - 1)
    i0 = np.floor(x).astype(int)
    i1 = np.minimum(i0 + 1, clip.num_frames - 1)
    w = x - i0
    rot = Q.slerp(
        clip.rotations[i0],
        clip.rotations[i1],
        np.broadcast_to(w[:, None], (w.size, clip.rotations.shape[1])),
    )
    morph = clip.morph[i0] * (1 - w[:, None]) + clip.morph[i1] * w[:, None]
    root = clip.root_offset[i0] * (1 - w[:, None]) + clip.root_offset[i1] * w[:, None]
    return MotionClip(fps, list(clip.morph_names), morph, list(clip.bone_names), rot, root)


def bvh_to_clip(
    motion: BvhMotion, *, fps: float = 30.0, mapping: Mapping[str, int] | None = None
) -> MotionClip:
    """Retarget a parsed BVH onto the humanoid; unknown joints fold into their children."""
    names = motion.names
    mapping = dict(mapping) if mapping is not None else guess_humanoid_map(names)
    _require_hips(mapping, f"BVH {motion.source}", names)
    unknown = [n for i, n in enumerate(names) if i not in mapping.values()]
    if unknown:
        log.info(
            "BVH %s: %d joints without a humanoid name folded in: %s",
            motion.source,
            len(unknown),
            ", ".join(unknown[:8]),
        )
    wr, wp = motion.world()
    parents = np.array([j.parent for j in motion.joints])
    clip = retarget_world(
        wr, wp[:, mapping["hips"]], motion.rest_positions(), parents, mapping, motion.fps
    )
    return resample(clip, fps)


def gltf_clip_to_motion(animation: Any, skeleton: Any, *, fps: float = 30.0,
                        frame: np.ndarray | None = None,
                        rest: tuple[np.ndarray, np.ndarray] | None = None) -> MotionClip:
    """Retarget a glTF animation (``AnimationClip``-like: ``.name``, ``.channels`` with
    ``joint, path, times, values, interpolation``) of a ``Skeleton`` onto the humanoid.

    ``frame`` (3, 3 or 4, 4): the rotation that turns the rig to face +Z with +Y up (a
    character's measured facing, ``avatar.rest_pose``); world motion is expressed in it.
    ``rest``: the rig's measured T-pose in that frame, world rotations (J, 4) and positions
    (J, 3) (``RestPose.world_rotation``, ``RestPose.world``): each joint's motion is taken
    from it instead of from the file's node rest, so bones the file saved turned away from
    their bind pose (a head turned 180 degrees) move as the clip shows them, not by the
    turn. Without it the node rest is the reference."""
    names = list(skeleton.names)
    mapping = dict(skeleton.humanoid) or guess_humanoid_map(names)
    _require_hips(mapping, f"rig for clip {getattr(animation, 'name', '?')!r}", names)
    duration = max((float(c.times[-1]) for c in animation.channels if len(c.times)), default=0.0)
    n = max(1, int(np.floor(duration * fps + 1e-9)) + 1)
    t = np.arange(n) / fps
    jn = len(names)
    trans = np.broadcast_to(np.asarray(skeleton.rest_translation, np.float64), (n, jn, 3)).copy()
    rot = np.broadcast_to(
        Q.normalize(np.asarray(skeleton.rest_rotation, np.float64)), (n, jn, 4)
    ).copy()
    for c in animation.channels:
        if not 0 <= c.joint < jn:
            raise InputError(f"clip {animation.name!r}: channel targets missing joint {c.joint}")
        if c.path == "rotation":
            rot[:, c.joint] = _sample_channel(c, t, 4, quat=True)
        elif c.path == "translation":
            trans[:, c.joint] = _sample_channel(c, t, 3)
    parents = np.asarray(skeleton.parents)
    # uniform scale of each joint's parent chain: a centimetre export's root scale
    scale = np.mean(np.abs(np.asarray(skeleton.rest_scale, np.float64)), axis=1)
    acc = np.ones(jn)
    wr = np.zeros_like(rot)
    wp = np.zeros_like(trans)
    rest_wr = np.zeros((jn, 4))
    rest_wp = np.zeros((jn, 3))
    rr = Q.normalize(np.asarray(skeleton.rest_rotation, np.float64))
    rt = np.asarray(skeleton.rest_translation, np.float64)
    for j in range(jn):
        p = parents[j]
        if p < 0:
            wr[:, j], wp[:, j], rest_wr[j], rest_wp[j] = rot[:, j], trans[:, j], rr[j], rt[j]
            acc[j] = scale[j]
        else:
            wr[:, j] = Q.mul(wr[:, p], rot[:, j])
            wp[:, j] = wp[:, p] + Q.rotate(wr[:, p], trans[:, j] * acc[p])
            rest_wr[j] = Q.mul(rest_wr[p], rr[j])
            rest_wp[j] = rest_wp[p] + Q.rotate(rest_wr[p], rt[j] * acc[p])
            acc[j] = acc[p] * scale[j]
    if frame is not None:  # the rig's world turned to the engine's axes
        turn = Q.from_matrix(np.asarray(frame, np.float64)[:3, :3])
        wr, rest_wr = Q.mul(turn, wr), Q.mul(turn, rest_wr)
        wp, rest_wp = Q.rotate(turn, wp), Q.rotate(turn, rest_wp)
    if rest is not None:
        rest_wr = Q.normalize(np.asarray(rest[0], np.float64))
        rest_wp = np.asarray(rest[1], np.float64)
        if rest_wr.shape != (jn, 4) or rest_wp.shape != (jn, 3):
            raise InputError(f"rest pose for clip {animation.name!r} does not match the rig")
    delta = Q.mul(wr, Q.conj(rest_wr)[None])
    return retarget_world(delta, wp[:, mapping["hips"]], rest_wp, parents, mapping, fps,
                          align=rest is None)


def _sample_channel(c: Any, t: np.ndarray, width: int, quat: bool = False) -> np.ndarray:
    times = np.asarray(c.times, np.float64)
    vals = np.asarray(c.values, np.float64).reshape(-1, width)
    if getattr(c, "interpolation", "LINEAR") == "CUBICSPLINE":
        vals = vals.reshape(-1, 3, width)[:, 1]  # (in-tangent, value, out-tangent)
    if vals.shape[0] != times.size or times.size == 0:
        raise InputError(
            f"animation channel for joint {c.joint} has {times.size} times and {vals.shape[0]} values"
        )
    k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, times.size - 1)
    k1 = np.minimum(k + 1, times.size - 1)
    span = np.maximum(times[k1] - times[k], 1e-9)
    w = np.clip((t - times[k]) / span, 0.0, 1.0)
    if getattr(c, "interpolation", "LINEAR") == "STEP":
        w = np.zeros_like(w)
    if quat:
        return Q.slerp(Q.normalize(vals[k]), Q.normalize(vals[k1]), w)
    return vals[k] + (vals[k1] - vals[k]) * w[:, None]
