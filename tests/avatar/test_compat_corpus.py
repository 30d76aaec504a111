"""The compatibility corpus: the shared sample avatars and generated variants of the
built-in (A-pose with twisted joint axes, facing -Z, x100, Z-up) load, face the camera,
map their bones, dance and gesture with the built-in's limb directions, and keep their
mouth shapes."""

from __future__ import annotations

import numpy as np
import pygltflib as gl
import pytest

from tests.avatar.fixtures import GltfBuilder, box
from vhuman.animation.clip import MotionClip
from vhuman.avatar.compat import dance_clip, gesture_clips, limb_agreement, shared_avatars_dir
from vhuman.avatar.loader import load_avatar
from vhuman.avatar.rest_pose import rest_pose
from vhuman.avatar.rig import Rig
from vhuman.avatar.variants import corpus_variants

SHARED = shared_avatars_dir()
needs_shared = pytest.mark.skipif(SHARED is None, reason="shared/data/avatars not present")


@pytest.fixture(scope="module")
def builtin():
    return load_avatar(None)


@pytest.fixture(scope="module")
def reference(builtin):
    return Rig(builtin, device="cpu")


@pytest.fixture(scope="module")
def variants(builtin):
    return corpus_variants(builtin)


@pytest.fixture(scope="module")
def rigs(variants):
    return {name: Rig(character, device="cpu") for name, character in variants.items()}


@pytest.fixture(scope="module")
def motion():
    return [dance_clip(6.0, fps=10.0)] + gesture_clips(fps=10.0)


EXPECTED_FACING = {
    "A-pose, twisted joint axes": ("+Z", "+Y"),
    "faces -Z": ("-Z", "+Y"),
    "scaled x100": ("+Z", "+Y"),
    "Z-up": ("-Y", "+Z"),
    "IK-target feet": ("+Z", "+Y"),
    "head turned 180": ("+Z", "+Y"),
    "spine rolled": ("+Z", "+Y"),
    "hands flipped": ("+Z", "+Y"),
    "hips rotated": ("+Z", "+Y"),
}


def test_variants_face_the_camera_and_move_like_the_builtin(variants, rigs, reference, motion):
    for name, character in variants.items():
        rig = rigs[name]
        facing = rig.rest_pose.facing
        fwd, up = EXPECTED_FACING[name]
        assert facing.label.startswith(f"faces {fwd}, up {up}"), (name, facing.label)
        assert len(character.skeleton.humanoid) == len(reference.character.skeleton.humanoid)
        agree = limb_agreement(rig, reference, motion)
        assert agree.limbs == 8
        assert agree.median <= 8.0 and agree.p95 <= 20.0, (name, agree)


def test_a_pose_rest_is_turned_into_the_t_pose(variants):
    rp = rest_pose(variants["A-pose, twisted joint axes"])
    assert rp.corrections["leftUpperArm"] == pytest.approx(45.0, abs=0.5)
    assert rp.corrections["rightUpperArm"] == pytest.approx(45.0, abs=0.5)
    hum = variants["A-pose, twisted joint axes"].skeleton.humanoid
    arm = rp.world[hum["leftLowerArm"], :3, 3] - rp.world[hum["leftUpperArm"], :3, 3]
    assert arm[0] > 0.99 * np.linalg.norm(arm)  # straight out along +X in the T-pose


def test_identity_motion_shows_every_variant_in_the_same_pose(variants, rigs, reference):
    rest = MotionClip.rest(1, 30.0, [], ["hips"])
    ref = reference.joint_transforms(rest).numpy()[0, :, :3, 3]
    ref_h = reference.character.skeleton.humanoid
    for name, character in variants.items():
        rig = rigs[name]
        world = rig.joint_transforms(rest).numpy()[0, :, :3, 3]
        hum = character.skeleton.humanoid
        scale = rig.motion_scale / reference.motion_scale
        for bone in ("head", "leftHand", "rightFoot"):
            got = (world[hum[bone]] - world[hum["hips"]]) / scale
            want = ref[ref_h[bone]] - ref[ref_h["hips"]]
            assert np.allclose(got, want, atol=0.02), (name, bone, got, want)


def test_variants_keep_their_mouth_shapes(variants, rigs, reference):
    clip = MotionClip.rest(2, 30.0, ["viseme_PP"], [])
    clip.morph[1, 0] = 1.0
    ref = reference.evaluate_packed(clip, as_numpy=True).positions
    ref_move = np.abs(ref[1] - ref[0]).max()
    assert ref_move > 1e-3
    for name, character in variants.items():
        assert "viseme_PP" in character.shapes, name
        rig = rigs[name]
        pos = rig.evaluate_packed(clip, as_numpy=True).positions
        move = np.abs(pos[1] - pos[0]).max() / (rig.motion_scale / reference.motion_scale)
        assert move == pytest.approx(ref_move, rel=0.05), name


@needs_shared
@pytest.mark.parametrize("name", ["Xbot.glb", "VRMC_materials_mtoon_UV_Animation_Test.vrm"])
def test_shared_rigs_move_like_the_builtin(name, reference, motion):
    character = load_avatar(SHARED / name)
    rig = Rig(character, device="cpu")
    assert not rig.rest_pose.facing.turned
    agree = limb_agreement(rig, reference, motion)
    assert agree.limbs == 8
    assert agree.median <= 8.0 and agree.p95 <= 20.0, agree


@needs_shared
def test_skeleton_less_figure_is_turned_to_the_camera():
    character = load_avatar(SHARED / "CesiumMan.glb")
    rp = rest_pose(character)
    assert rp.facing.method == "mesh" and rp.facing.turned
    rig = Rig(character, device="cpu")
    pos = rig.evaluate_packed(MotionClip.rest(1, 30.0, [], []), as_numpy=True).positions[0]
    h = pos[:, 1]
    lo, span = h.min(), np.ptp(h)
    feet = pos[h < lo + 0.06 * span]
    shins = pos[(h > lo + 0.1 * span) & (h < lo + 0.45 * span)]
    assert np.median(feet[:, 2]) > np.median(shins[:, 2])  # toes point at the camera (+Z)
    assert np.ptp(pos[:, 0]) > np.ptp(pos[:, 2])  # arm span across the picture


def test_ik_target_feet_stay_on_the_legs(variants, rigs, reference, motion):
    character = variants["IK-target feet"]
    rig = rigs["IK-target feet"]
    assert set(rig.detached) == {"leftFoot", "rightFoot"}
    hum, ref_h = character.skeleton.humanoid, reference.character.skeleton.humanoid
    world = rig.joint_transforms(motion[0]).numpy()
    ref = reference.joint_transforms(motion[0]).numpy()
    for bone in ("leftFoot", "rightToes"):
        gap = np.linalg.norm(world[:, hum[bone], :3, 3] - ref[:, ref_h[bone], :3, 3], axis=-1)
        assert gap.max() < 0.01, bone  # the feet (and toes below them) follow the shins


@needs_shared
def test_forearm_twist_is_undone_so_palms_face_down():
    from vhuman.avatar.variants import rerest

    xbot = load_avatar(SHARED / "Xbot.glb")
    twisted = rerest(xbot, {"leftLowerArm": ((1.0, 0.0, 0.0), 80.0)})  # palm turned forward
    rp, ref = rest_pose(twisted), rest_pose(xbot)
    assert rp.corrections["leftLowerArm twist"] == pytest.approx(-80.0, abs=3.0)
    assert "rightLowerArm twist" not in rp.corrections
    hand = xbot.skeleton.humanoid["leftHand"]
    assert np.allclose(rp.world[hand, :3, :3], ref.world[hand, :3, :3], atol=0.05)


def _blocks_glb(path, blocks, z_up: bool = False):
    """A skeleton-less figure of boxes ``(center, size)`` as one unskinned mesh; ``z_up``
    saves it as a Z-up export does (the file's +Z up, its front along -Y)."""
    pos, tris = [], []
    for center, size in blocks:
        p, t = box(np.zeros(3), 1.0)
        tris.append(t + 8 * len(pos))
        pos.append(np.asarray(center) + p * np.asarray(size))
    points = np.concatenate(pos)
    if z_up:
        points = points[:, [0, 2, 1]] * np.array([1.0, -1.0, 1.0])
    b = GltfBuilder()
    mesh = b.mesh("Body", points, np.concatenate(tris), b.material("fur", (0.9, 0.5, 0.1, 1)))
    b.doc.nodes.append(gl.Node(name="Figure", mesh=mesh))
    return b.write(path)


# a four-legged animal 1.5 long (head at +Z), 0.8 tall, 0.3 wide: longer than tall
QUADRUPED = [((0, 0.55, 0), (0.3, 0.3, 1.2)), ((0, 0.7, 0.75), (0.2, 0.25, 0.3))] + [
    ((x, 0.2, z), (0.08, 0.4, 0.08)) for x in (-0.1, 0.1) for z in (-0.5, 0.5)]
# a person 1.8 tall with arms out, legs of stacked blocks and feet pointing at +Z
PERSON = [((0, 1.2, 0), (0.4, 0.6, 0.25)), ((0, 1.65, 0), (0.2, 0.25, 0.22)),
          ((0, 1.45, 0), (1.6, 0.08, 0.08))] + [
    ((x, y, 0), (0.12, 0.18, 0.12)) for x in (-0.12, 0.12) for y in (0.21, 0.39, 0.57, 0.75)
] + [((x, 0.05, 0.08), (0.1, 0.1, 0.26)) for x in (-0.12, 0.12)]


def test_four_legged_figure_stays_on_its_feet(tmp_path):
    # longer than tall, but not thinnest along +Y: glTF's up is kept, nothing is turned
    # (the Fox sample was stood on its tail, facing "+X, up +Z (assumed)")
    fox = load_avatar(_blocks_glb(tmp_path / "fox.glb", QUADRUPED))
    facing = rest_pose(fox).facing
    assert facing.up == (0.0, 1.0, 0.0) and facing.forward == (0.0, 0.0, 1.0)
    assert facing.method == "assumed" and not facing.turned
    # the same test still stands a Z-up export of a person up and turns it to the camera
    person = load_avatar(_blocks_glb(tmp_path / "person.glb", PERSON, z_up=True))
    facing = rest_pose(person).facing
    assert facing.method == "mesh" and facing.up == (0.0, 0.0, 1.0)
    assert facing.forward == (0.0, -1.0, 0.0)
