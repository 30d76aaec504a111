"""VRM 0.x and 1.0: humanoid from metadata, expressions mapped, VRM 0 turned to face +Z."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.avatar.fixtures import vrm0_file, vrm1_file
from vhuman.avatar.loader import load_avatar


def test_vrm1_humanoid_and_expressions(tmp_path: Path) -> None:
    c = load_avatar(vrm1_file(tmp_path))
    assert c.format == "vrm1"
    hum = c.skeleton.humanoid
    assert c.skeleton.names[hum["hips"]] == "bone1"
    assert c.skeleton.names[hum["leftUpperArm"]] == "bone8"
    assert set(c.meta["humanoid_source"].values()) == {"vrm"}
    src = c.meta["shape_source"]
    for shape in ("viseme_aa", "viseme_E", "viseme_ih", "viseme_oh", "viseme_ou", "blink",
                  "happy"):
        assert src[shape] == "vrm", shape
    # aa is bound to morph 0 ("Fcl_MTH_A"), ee (E) to morph 3
    part = c.meshes[c.shapes["viseme_aa"].morphs[0][0]]
    assert part.morph_names[c.shapes["viseme_aa"].morphs[0][1]] == "Fcl_MTH_A"
    part = c.meshes[c.shapes["viseme_E"].morphs[0][0]]
    assert part.morph_names[c.shapes["viseme_E"].morphs[0][1]] == "Fcl_MTH_E"
    assert c.shapes["viseme_PP"].morphs == []  # closed lips = neutral
    assert c.meta["look_at"]["type"] == "bone"


def test_vrm0_faces_plus_z_and_maps_blendshape_groups(tmp_path: Path) -> None:
    c = load_avatar(vrm0_file(tmp_path))
    assert c.format == "vrm0"
    hum = c.skeleton.humanoid
    lo, hi = c.bounds()
    # the file's toes point to -Z; after loading they point to +Z like every avatar
    toes = [m.positions[m.joints[:, 0] == hum["leftToes"]].mean(0) for m in c.meshes
            if np.any(m.joints[:, 0] == hum["leftToes"])][0]
    foot = [m.positions[m.joints[:, 0] == hum["leftFoot"]].mean(0) for m in c.meshes
            if np.any(m.joints[:, 0] == hum["leftFoot"])][0]
    assert toes[2] > foot[2] + 0.05
    left_hand = [m.positions[m.joints[:, 0] == hum["leftHand"]].mean(0) for m in c.meshes
                 if np.any(m.joints[:, 0] == hum["leftHand"])][0]
    assert left_hand[0] > 0.3  # character's left is +X
    assert c.meta["shape_source"]["viseme_aa"] == "vrm"
    assert c.meta["shape_source"]["happy"] == "vrm"  # VRM 0 "joy"
    w = c.shapes["viseme_ou"].morphs[0][2]
    assert w == 1.0  # VRM 0 weights are 0..100
    assert c.meta["vrm"]["title"] == "vrm0 test"


def test_vrm0_turn_keeps_rest_skinning_exact(tmp_path: Path) -> None:
    from tests.avatar.test_gltf import _rest_world

    c = load_avatar(vrm0_file(tmp_path))
    world = _rest_world(c)
    assert c.meshes  # the loop below must check something
    for m in c.meshes:
        mats = world[m.joints] @ c.skeleton.inverse_bind[m.joints]
        p = np.einsum("vkij,vj->vki", mats[..., :3, :3], m.positions) + mats[..., :3, 3]
        assert np.allclose((p * m.weights[..., None]).sum(1), m.positions, atol=1e-5)
