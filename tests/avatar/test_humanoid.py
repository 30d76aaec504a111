"""Humanoid bone maps from names (Mixamo, Unreal, Blender, VRoid) and from skeleton shape."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.avatar.fixtures import MIXAMO, mixamo_arkit_glb
from vhuman.animation.skeleton import Skeleton
from vhuman.animation.vocabulary import HUMANOID_BONES
from vhuman.avatar.humanoid import map_by_heuristics, map_by_name, map_humanoid
from vhuman.avatar.loader import load_avatar


def _skeleton(names: list[str], parents: list[int]) -> Skeleton:
    j = len(names)
    return Skeleton(names, np.array(parents), np.zeros((j, 3), np.float32),
                    np.tile(np.array([0, 0, 0, 1], np.float32), (j, 1)),
                    np.ones((j, 3), np.float32), np.tile(np.eye(4, dtype=np.float32), (j, 1, 1)))


def _world(joints: list[tuple[str, int, tuple[float, ...]]]) -> np.ndarray:
    out = np.zeros((len(joints), 3))
    for i, (_, p, t) in enumerate(joints):
        out[i] = np.array(t) + (out[p] if p >= 0 else 0)
    return out


EXPECTED = {b for b in HUMANOID_BONES if b not in ("leftEye", "rightEye", "jaw")}


def test_mixamo_names(tmp_path: Path) -> None:
    c = load_avatar(mixamo_arkit_glb(tmp_path))
    hum = c.skeleton.humanoid
    assert set(hum) == EXPECTED
    names = c.skeleton.names
    assert names[hum["leftUpperLeg"]] == "mixamorig:LeftUpLeg"
    assert names[hum["leftLowerArm"]] == "mixamorig:LeftForeArm"
    assert names[hum["chest"]] == "mixamorig:Spine1"
    assert names[hum["upperChest"]] == "mixamorig:Spine2"
    assert set(c.meta["humanoid_source"].values()) == {"name"}


def test_unreal_blender_and_vroid_conventions() -> None:
    unreal = ["root", "pelvis", "spine_01", "spine_02", "spine_03", "neck_01", "head",
              "clavicle_l", "upperarm_l", "lowerarm_l", "hand_l", "thigh_r", "calf_r", "foot_r",
              "ball_r"]
    parents = [-1, 0, 1, 2, 3, 4, 5, 4, 7, 8, 9, 1, 11, 12, 13]
    m = map_by_name(_skeleton(unreal, parents))
    assert m["hips"] == 1 and m["spine"] == 2 and m["chest"] == 3 and m["upperChest"] == 4
    assert m["leftShoulder"] == 7 and m["leftHand"] == 10 and m["rightToes"] == 14
    blender = ["DEF-spine", "DEF-spine.001", "DEF-spine.002", "DEF-upper_arm.L",
               "DEF-forearm.L", "DEF-hand.L", "DEF-thigh.R", "DEF-shin.R"]
    m = map_by_name(_skeleton(blender, [-1, 0, 1, 2, 3, 4, 0, 6]))
    assert m["hips"] == 0 and m["spine"] == 1 and m["chest"] == 2
    assert m["leftUpperArm"] == 3 and m["leftLowerArm"] == 4 and m["rightLowerLeg"] == 7
    vroid = ["J_Bip_C_Hips", "J_Bip_C_Spine", "J_Bip_L_UpperArm", "J_Adj_L_FaceEye",
             "J_Bip_L_Index1"]
    m = map_by_name(_skeleton(vroid, [-1, 0, 1, 1, 2]))
    assert m == {"hips": 0, "spine": 1, "leftUpperArm": 2, "leftEye": 3}  # no finger mix-up


def test_heuristics_find_a_rig_with_meaningless_names() -> None:
    names = [f"b{i}" for i in range(len(MIXAMO))]
    sk = _skeleton(names, [p for _, p, _ in MIXAMO])
    world = _world(MIXAMO)
    m = map_by_heuristics(sk, world)
    expect = {"hips": 1, "spine": 2, "chest": 3, "upperChest": 4, "neck": 5, "head": 6,
              "leftShoulder": 7, "leftHand": 10, "rightUpperArm": 12, "leftUpperLeg": 15,
              "leftToes": 18, "rightFoot": 21}
    assert {k: m.get(k) for k in expect} == expect
    full, source = map_humanoid(sk, world)
    assert full["hips"] == 1 and set(source.values()) == {"heuristic"}


def test_robot_style_names_only_map_skin_joints() -> None:
    """RobotExpressive-like rig: mesh containers (HandL, LegL) beside the joints, an
    Abdomen/Torso spine and IK-target feet parented to the root."""
    from vhuman.avatar.humanoid import skeleton_joints

    joints = [
        ("Root", -1, (0, 0, 0)), ("Hips", 0, (0, 1.0, 0)), ("Abdomen", 1, (0, 0.1, 0)),
        ("Torso_1", 2, (0, 0.15, 0)), ("Neck", 3, (0, 0.2, 0)), ("Head", 4, (0, 0.1, 0)),
        ("ShoulderL", 3, (0.1, 0.15, 0)), ("UpperArmL", 6, (0.1, 0, 0)),
        ("LowerArmL", 7, (0.25, 0, 0)), ("HandL", 8, (0.2, 0, 0)), ("PalmL", 8, (0.2, 0, 0)),
        ("ShoulderR", 3, (-0.1, 0.15, 0)), ("UpperArmR", 11, (-0.1, 0, 0)),
        ("LowerArmR", 12, (-0.25, 0, 0)), ("PalmR", 13, (-0.2, 0, 0)),
        ("UpperLegL", 1, (0.1, -0.05, 0)), ("LegL", 15, (0, -0.2, 0)),
        ("LowerLegL", 15, (0, -0.45, 0)),
        ("UpperLegR", 1, (-0.1, -0.05, 0)), ("LowerLegR", 18, (0, -0.45, 0)),
        ("FootL", 0, (0.1, 0.1, 0)), ("FootR", 0, (-0.1, 0.1, 0)),
    ]
    names = [n for n, _, _ in joints]
    parents = [p for _, p, _ in joints]
    sk = _skeleton(names, parents)
    meshes = {names.index(n) for n in ("HandL", "LegL")}
    skin = {j for j in range(1, len(names)) if j not in meshes}
    hum, routes = map_humanoid(sk, _world(joints), candidates=skeleton_joints(sk.parents, skin))
    got = {b: names[j] for b, j in hum.items()}
    assert got["spine"] == "Abdomen" and got["chest"] == "Torso_1"
    assert got["leftLowerLeg"] == "LowerLegL" and got["leftFoot"] == "FootL"
    assert got["leftHand"] == "PalmL" and got["rightHand"] == "PalmR"
    from vhuman.avatar.rig_detached import detached_bones

    assert set(detached_bones(hum, sk.parents)) == {"leftFoot", "rightFoot"}
