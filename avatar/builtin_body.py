"""The built-in character's skeleton and body: torso, jacket, arms, hands, legs and shoes.

The skeleton stands in a T-pose with every rest rotation the identity (joint axes aligned
with the world), so normalized humanoid rotations equal local rotations on this rig.
Joint names are exactly the VRM humanoid bone names of ``vhuman.animation.vocabulary.HUMANOID_BONES``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vhuman.avatar.builtin_face import eye_center
from vhuman.avatar.builtin_geometry import Piece, bone_weights, loft
from vhuman.avatar.builtin_outfit import outfit_pieces

ROOT = "root"


def skeleton_joints() -> list[tuple[str, str | None, np.ndarray]]:
    """(name, parent, world rest position) for every joint, parents before children."""
    joints: list[tuple[str, str | None, list[float] | np.ndarray]] = [
        (ROOT, None, [0.0, 0.0, 0.0]),
        ("hips", ROOT, [0.0, 0.95, 0.0]),
        ("spine", "hips", [0.0, 1.04, 0.0]),
        ("chest", "spine", [0.0, 1.15, 0.0]),
        ("upperChest", "chest", [0.0, 1.26, 0.0]),
        ("neck", "upperChest", [0.0, 1.40, -0.005]),
        ("head", "neck", [0.0, 1.48, 0.0]),
        ("leftEye", "head", eye_center(1.0)),
        ("rightEye", "head", eye_center(-1.0)),
        ("jaw", "head", [0.0, 1.535, 0.0]),
    ]
    for side, s in (("left", 1.0), ("right", -1.0)):
        joints += [
            (f"{side}Shoulder", "upperChest", [s * 0.03, 1.345, 0.0]),
            (f"{side}UpperArm", f"{side}Shoulder", [s * 0.16, 1.345, 0.0]),
            (f"{side}LowerArm", f"{side}UpperArm", [s * 0.40, 1.345, 0.0]),
            (f"{side}Hand", f"{side}LowerArm", [s * 0.62, 1.345, 0.0]),
        ]
    for side, s in (("left", 1.0), ("right", -1.0)):
        joints += [
            (f"{side}UpperLeg", "hips", [s * 0.085, 0.90, 0.0]),
            (f"{side}LowerLeg", f"{side}UpperLeg", [s * 0.085, 0.50, 0.005]),
            (f"{side}Foot", f"{side}LowerLeg", [s * 0.085, 0.09, -0.01]),
            (f"{side}Toes", f"{side}Foot", [s * 0.085, 0.02, 0.10]),
        ]
    return [(n, p, np.asarray(x, np.float64)) for n, p, x in joints]


def bone_segments() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each joint as a segment from its position to its (main) child, for skin weights."""
    pos = {n: x for n, _, x in skeleton_joints()}
    child = {"hips": "spine", "spine": "chest", "chest": "upperChest", "upperChest": "neck",
             "neck": "head"}
    for side in ("left", "right"):
        child.update({f"{side}Shoulder": f"{side}UpperArm", f"{side}UpperArm": f"{side}LowerArm",
                      f"{side}LowerArm": f"{side}Hand", f"{side}UpperLeg": f"{side}LowerLeg",
                      f"{side}LowerLeg": f"{side}Foot", f"{side}Foot": f"{side}Toes"})
    seg = {n: (pos[n], pos[c]) for n, c in child.items()}
    seg["head"] = (pos["head"], pos["head"] + np.array([0.0, 0.25, 0.0]))
    for side, s in (("left", 1.0), ("right", -1.0)):
        hand = pos[f"{side}Hand"]
        seg[f"{side}Hand"] = (hand, hand + np.array([s * 0.12, 0.0, 0.0]))
        toes = pos[f"{side}Toes"]
        seg[f"{side}Toes"] = (toes, toes + np.array([0.0, 0.0, 0.06]))
    return seg


def _bones(names: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    seg = bone_segments()
    return {n: seg[n] for n in names}


def _rings(rows: Sequence[tuple[float, ...]], axis: int, fixed: tuple[float, float]
           ) -> tuple[np.ndarray, np.ndarray]:
    """Ring centres and radii from rows of (position along axis, r1, r2[, c1, c2])."""
    centers, radii = [], []
    for row in rows:
        c = [0.0, 0.0, 0.0]
        others = [i for i in range(3) if i != axis]
        c[axis] = row[0]
        c[others[0]], c[others[1]] = (row[3], row[4]) if len(row) > 3 else fixed
        centers.append(c)
        radii.append(row[1:3])
    return np.array(centers), np.array(radii)


HAND_SCALE = 1.18  # toon hands read better a little large


def _arm_pieces(side: str, s: float) -> list[Piece]:
    """Sleeve with a deltoid at the shoulder, a trim cuff, the shirt cuff and the hand."""
    arm_bones = _bones(["upperChest", f"{side}Shoulder", f"{side}UpperArm", f"{side}LowerArm",
                        f"{side}Hand"])
    rows = [(0.11, 0.044, 0.046), (0.175, 0.060, 0.063), (0.24, 0.056, 0.057),
            (0.30, 0.050, 0.051), (0.40, 0.045, 0.046), (0.50, 0.042, 0.042),
            (0.556, 0.043, 0.043)]
    c, r = _rings([(s * x, a, b) for x, a, b in rows], 0, (1.345, 0.0))
    sleeve = loft(f"{side}_sleeve", "jacket", c, r, "x", 28, cap_depth=0.2)
    c, r = _rings([(s * 0.526, 0.0465, 0.0465), (s * 0.560, 0.0475, 0.0475)], 0, (1.345, 0.0))
    trim = loft(f"{side}_cuff_trim", "lapel", c, r, "x", 28, 2, cap_depth=0.12)
    c, r = _rings([(s * 0.545, 0.038, 0.038), (s * 0.590, 0.0375, 0.0375)], 0, (1.344, 0.0))
    cuff = loft(f"{side}_shirt_cuff", "shirt", c, r, "x", 24, 2, cap_depth=0.15)
    pieces = [bone_weights(p, arm_bones) for p in (sleeve, trim, cuff)]
    hand: list[Piece] = []
    c, r = _rings([(s * x, a, b) for x, a, b in
                   [(0.57, 0.024, 0.022), (0.615, 0.026, 0.021), (0.64, 0.036, 0.017),
                    (0.675, 0.040, 0.016), (0.70, 0.038, 0.014)]], 0, (1.343, 0.0))
    hand.append(loft(f"{side}_palm", "skin", c, r, "x", 20))
    for z, length in ((0.026, 0.062), (0.009, 0.072), (-0.009, 0.068), (-0.026, 0.054)):
        xs = [0.695, 0.695 + length * 0.5, 0.695 + length]
        c, r = _rings([(s * x, 0.0085, 0.0085 * k)
                       for x, k in zip(xs, (1.0, 0.95, 0.85), strict=True)], 0, (1.343, z))
        hand.append(loft(f"{side}_finger", "skin", c, r, "x", 10, 3))
    a = np.array([s * 0.635, 1.338, 0.030])
    b = np.array([s * 0.685, 1.332, 0.062])
    hand.append(loft(f"{side}_thumb", "skin", np.linspace(a, b, 3), np.full((3, 2), 0.0095),
                     "x", 10, 3))
    wrist = np.array([s * 0.585, 1.343, 0.0])
    hand_bones = _bones([f"{side}LowerArm", f"{side}Hand"])
    for p in hand:
        p.positions = (wrist + HAND_SCALE * (p.positions - wrist)).astype(np.float32)
        pieces.append(bone_weights(p, hand_bones))
    return pieces


def _leg_pieces(side: str, s: float) -> list[Piece]:
    bones = _bones(["hips", f"{side}UpperLeg", f"{side}LowerLeg", f"{side}Foot"])
    rows = [(0.92, 0.068, 0.072), (0.80, 0.072, 0.075), (0.62, 0.061, 0.063),
            (0.50, 0.053, 0.055), (0.36, 0.050, 0.053), (0.18, 0.045, 0.047),
            (0.105, 0.048, 0.050)]
    c, r = _rings(rows, 1, (s * 0.085, 0.0))
    c[:, 0] = s * 0.085
    leg = bone_weights(loft(f"{side}_leg", "pants", c[::-1], r[::-1], "y", 26), bones)
    shoe_rows = [(-0.05, 0.040, 0.040, s * 0.085, 0.055), (0.0, 0.047, 0.048, s * 0.085, 0.05),
                 (0.06, 0.049, 0.040, s * 0.086, 0.04), (0.12, 0.045, 0.031, s * 0.087, 0.033),
                 (0.155, 0.036, 0.024, s * 0.087, 0.029)]
    c, r = _rings([(z, a, b, x, y) for z, a, b, x, y in shoe_rows], 2, (0.0, 0.0))
    shoe_bones = _bones([f"{side}LowerLeg", f"{side}Foot", f"{side}Toes"])
    shoe = bone_weights(loft(f"{side}_shoe", "shoes", c, r, "z", 24), shoe_bones)
    sole_c = c.copy()
    sole_c[:, 1] = 0.012
    sole = loft(f"{side}_sole", "sole", sole_c, r * np.array([1.04, 0.3]), "z", 24, 2)
    return [leg, shoe, bone_weights(sole, shoe_bones)]


def body_pieces() -> list[Piece]:
    """All body pieces with smooth skin weights (materials by name)."""
    torso_bones = _bones(["hips", "spine", "chest", "upperChest", "neck", "leftShoulder",
                          "rightShoulder", "leftUpperArm", "rightUpperArm"])
    neck_bones = _bones(["upperChest", "neck", "head"])
    pieces = outfit_pieces(torso_bones, neck_bones,
                           _bones(["hips", "spine", "leftUpperLeg", "rightUpperLeg"]))
    c, r = _rings([(1.37, 0.038, 0.037), (1.44, 0.036, 0.036), (1.53, 0.040, 0.038)], 1,
                  (0.0, -0.008))
    c[:, 0], c[:, 2] = 0.0, -0.008
    pieces.append(bone_weights(loft("neck", "skin", c, r, "y", 24), neck_bones))
    for side, s in (("left", 1.0), ("right", -1.0)):
        pieces += _arm_pieces(side, s) + _leg_pieces(side, s)
    return pieces
