"""Rig evaluation: motion clips and pose batches to skinned, morphed vertices and normals."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from tests.avatar.rig_fixtures import MOUTH_Y, make_box_character
from vhuman.animation.clip import MotionClip
from vhuman.avatar.character import AnimationChannel, AnimationClip
from vhuman.avatar.rig import PoseBatch, Rig
from vhuman.models.types import InputError


def _clip(
    frames: int = 2, bones=("hips", "chest", "head"), morphs=("viseme_aa", "jawOpen", "smile")
):
    return MotionClip.rest(frames, morph_names=list(morphs), bone_names=list(bones))


def _quat(axis: str, degrees: float) -> np.ndarray:
    return Rotation.from_euler(axis, degrees, degrees=True).as_quat().astype(np.float32)


@pytest.fixture(scope="module")
def character():
    return make_box_character()


@pytest.fixture(scope="module")
def rig(character):
    return Rig(character, device="cpu")


def test_rest_clip_gives_bind_pose(rig, character) -> None:
    out = rig.evaluate(_clip(3), as_numpy=True)
    assert [m.name for m in out] == ["Body", "Visor"]
    for frames, mesh in zip(out, character.meshes, strict=True):
        assert frames.positions.shape == (3, mesh.num_vertices, 3)
        np.testing.assert_allclose(frames.positions[2], mesh.positions, atol=1e-5)
        np.testing.assert_allclose(frames.normals[0], mesh.normals, atol=1e-5)


def test_outputs_are_device_tensors_by_default(rig) -> None:
    out = rig.evaluate(_clip(1))
    assert isinstance(out[0].positions, torch.Tensor) and out[0].positions.device.type == "cpu"
    assert rig.device.type == "cpu"


def test_normalized_chest_rotation_bends_the_box_in_world_axes(rig, character) -> None:
    # chest has a 90° twisted rest orientation; +90° about world Z must still tip the
    # upper body towards -X (the character's right), pivoting at the chest joint (y=1)
    clip = _clip(1)
    clip.rotations[0, 1] = _quat("z", 90)
    body = rig.evaluate(clip, as_numpy=True)[0]
    base = character.meshes[0].positions
    chest_only = (base[:, 1] > 1.25) & (base[:, 1] < 1.55)
    rel = base[chest_only] - np.float32([0, 1, 0])
    want = Rotation.from_euler("z", 90, degrees=True).apply(rel) + [0, 1, 0]
    np.testing.assert_allclose(body.positions[0][chest_only], want, atol=1e-4)
    legs = base[:, 1] < 0.75
    np.testing.assert_allclose(body.positions[0][legs], base[legs], atol=1e-5)
    side = chest_only & (character.meshes[0].normals[:, 0] > 0.5)  # +X side faces up now
    np.testing.assert_allclose(
        body.normals[0][side], np.tile([0, 1, 0], (side.sum(), 1)), atol=1e-4
    )
    assert body.positions[0][:, 0].min() < -0.9  # the head end swung out to the side


def test_root_offset_moves_the_whole_character(rig, character) -> None:
    clip = _clip(2)
    clip.root_offset[1] = (0.3, -0.1, 0.2)
    out = rig.evaluate(clip, as_numpy=True)
    for frames, mesh in zip(out, character.meshes, strict=True):
        np.testing.assert_allclose(
            frames.positions[1] - mesh.positions,
            np.tile([0.3, -0.1, 0.2], (mesh.num_vertices, 1)),
            atol=1e-5,
        )


def test_viseme_morph_moves_only_the_mouth_linearly(rig, character) -> None:
    clip = _clip(3)
    clip.morph[1, 0] = 1.0
    clip.morph[2, 0] = 0.5
    pos = rig.evaluate(clip, as_numpy=True)[0].positions
    delta = character.meshes[0].morph_positions[0]
    moved = np.abs(pos[1] - pos[0]).max(axis=1) > 1e-6
    assert moved.any()
    np.testing.assert_array_equal(moved, np.abs(delta).max(axis=1) > 0)
    np.testing.assert_allclose(pos[2] - pos[0], 0.5 * delta, atol=1e-5)
    mouth_y = pos[0][moved][:, 1]
    assert mouth_y.min() >= MOUTH_Y[0] - 1e-4 and mouth_y.max() <= MOUTH_Y[1] + 1e-4


def test_morph_changes_normals_in_the_dent(rig, character) -> None:
    clip = _clip(2)
    clip.morph[1, 0] = 1.0
    n = rig.evaluate(clip, as_numpy=True)[0].normals
    changed = np.abs(n[1] - n[0]).max(axis=1) > 0.05
    assert changed.sum() > 4
    assert np.allclose(np.linalg.norm(n[1], axis=1), 1.0, atol=1e-4)


def test_jaw_shape_rotates_head_without_jaw_bone(rig, character) -> None:
    clip = _clip(2)
    clip.morph[1, 1] = 1.0  # jawOpen: 0.4 rad on the head (no jaw bone)
    pos = rig.evaluate(clip, as_numpy=True)[0].positions
    base = character.meshes[0].positions
    top_front = np.argmax(base[:, 1] + base[:, 2])  # top front corner of the head
    rel = base[top_front] - [0, 1.6, 0]
    want = Rotation.from_euler("x", 0.4).apply(rel) + [0, 1.6, 0]
    np.testing.assert_allclose(pos[1][top_front], want, atol=1e-4)


def test_jaw_shape_drops_the_chin_with_a_jaw_bone() -> None:
    character = make_box_character(with_jaw=True)
    rig = Rig(character, device="cpu")
    clip = _clip(2)
    clip.morph[1, 1] = 1.0
    pos = rig.evaluate(clip, as_numpy=True)[0].positions
    chin = character.meshes[0].joints[:, 0] == 4
    assert chin.any()
    assert (pos[1][chin][:, 1] - pos[0][chin][:, 1]).mean() < -0.01  # chin goes down
    top = character.meshes[0].positions[:, 1] > 1.95
    np.testing.assert_allclose(pos[1][top], pos[0][top], atol=1e-6)  # skull stays


def test_unknown_bones_and_shapes_are_ignored(rig, character, caplog) -> None:
    clip = _clip(1, bones=("leftUpperArm", "chest"), morphs=("blink", "viseme_aa"))
    clip.rotations[0, 0] = _quat("x", 45)
    with caplog.at_level("INFO", logger="vhuman.avatar.rig"):
        out = rig.evaluate(clip, as_numpy=True)
    np.testing.assert_allclose(out[0].positions[0], character.meshes[0].positions, atol=1e-5)
    assert "leftUpperArm" in caplog.text and "blink" in caplog.text


def test_raw_morph_name_of_the_file_also_works(rig, character) -> None:
    clip = _clip(1, morphs=("mouthOpen",))
    clip.morph[0, 0] = 1.0
    pos = rig.evaluate(clip, as_numpy=True)[0].positions[0]
    np.testing.assert_allclose(
        pos - character.meshes[0].positions, character.meshes[0].morph_positions[0], atol=1e-5
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("morph", np.float32([[np.nan]])), ("root_offset", np.float32([[0, np.inf, 0]]))],
)
def test_nan_input_raises_input_error_naming_the_field(rig, field, value) -> None:
    motion = SimpleNamespace(
        fps=30.0,
        morph_names=["viseme_aa"],
        morph=np.zeros((1, 1), np.float32),
        bone_names=["chest"],
        rotations=np.float32([[[0, 0, 0, 1]]]),
        root_offset=np.zeros((1, 3), np.float32),
    )
    setattr(motion, field, value)
    with pytest.raises(InputError, match=field):
        rig.evaluate(motion)


def test_bad_shapes_raise_input_error(rig) -> None:
    motion = SimpleNamespace(
        fps=30.0, morph_names=["a", "b"], morph=np.zeros((2, 3), np.float32), bone_names=[],
        rotations=np.zeros((2, 0, 4), np.float32), root_offset=np.zeros((2, 3), np.float32),
    )  # fmt: skip
    with pytest.raises(InputError, match="morph"):
        rig.evaluate(motion)
    with pytest.raises(InputError, match="rotations"):
        rig.evaluate(PoseBatch(rotations=np.zeros((1, 2, 4), np.float32)))


def test_pose_batch_and_animation_sampling(rig, character) -> None:
    j = character.skeleton.num_joints
    rest = character.skeleton.rest_rotation
    turned = (Rotation.from_quat(rest[2]) * Rotation.from_euler("x", 90, degrees=True)).as_quat()
    clip = AnimationClip(
        name="nod",
        channels=[
            AnimationChannel(
                joint=2,
                path="rotation",
                times=np.float32([0, 1]),
                values=np.float32([rest[2], turned]),
            )
        ],
    )
    pose = rig.sample_animation(clip, np.array([0.0, 0.5, 1.0, 2.0]))
    assert pose.num_frames == 4 and tuple(pose.rotations.shape) == (4, j, 4)
    world = rig.joint_transforms(pose).numpy()
    head_y = world[:, 3, 1, 3]  # head joint 0.6 above the chest pivot
    np.testing.assert_allclose(
        head_y, [1.6, 1.0 + 0.6 * math.cos(math.pi / 4), 1.0, 1.0], atol=1e-4
    )
    out = rig.evaluate(pose, as_numpy=True)
    assert out[0].positions.shape == (4, character.meshes[0].num_vertices, 3)
    np.testing.assert_allclose(out[0].positions[0], character.meshes[0].positions, atol=1e-5)


def test_recompute_normals_mode_matches_flat_faces_inside(character) -> None:
    rig = Rig(character, device="cpu", normals="recompute")
    n = rig.evaluate(_clip(1), as_numpy=True)[0].normals[0]
    base = character.meshes[0]
    inner = (
        (base.normals[:, 2] > 0.5)
        & (np.abs(base.positions[:, 0]) < 0.2)
        & (base.positions[:, 1] > 0.1)
        & (base.positions[:, 1] < 1.9)
    )
    np.testing.assert_allclose(n[inner], base.normals[inner], atol=1e-4)


def test_invalid_normals_mode_is_rejected(character) -> None:
    with pytest.raises(InputError, match="normals"):
        Rig(character, normals="smooth")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu(character) -> None:
    clip = _clip(4)
    clip.rotations[:, 1] = _quat("z", 30)
    clip.morph[:, 0] = 0.7
    cpu = Rig(character, device="cpu").evaluate(clip, as_numpy=True)
    gpu = Rig(character, device="cuda").evaluate(clip)
    assert gpu[0].positions.device.type == "cuda"
    np.testing.assert_allclose(gpu[0].numpy().positions, cpu[0].positions, atol=1e-4)


# --- packed (one pass for all meshes) vs mesh-by-mesh reference --------------------------


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """The built-in character (19 meshes, face morphs on several meshes, 28 joints)."""
    from vhuman.avatar.builtin import build_builtin_glb
    from vhuman.avatar.loader import load_avatar

    return load_avatar(build_builtin_glb(tmp_path_factory.mktemp("host") / "host.glb"))


def _busy_clip(frames: int, seed: int = 5) -> MotionClip:
    """Random bone rotations, root motion and shape weights (some shapes stay at zero)."""
    rng = np.random.default_rng(seed)
    clip = MotionClip.rest(frames)
    moved = [clip.bone_index(b) for b in ("spine", "chest", "neck", "head", "leftUpperArm",
                                          "rightLowerArm", "leftHand", "rightUpperLeg")]  # fmt: skip
    clip.rotations[:, moved] = Rotation.random(frames * len(moved), random_state=seed).as_quat(
    ).reshape(frames, len(moved), 4) * 0.4 + np.float32([0, 0, 0, 1])  # fmt: skip
    clip.root_offset[:] = rng.normal(scale=0.1, size=(frames, 3))
    for name in ("viseme_aa", "viseme_PP", "viseme_E", "blink", "happy", "jawOpen"):
        clip.morph[:, clip.morph_index(name)] = rng.uniform(0, 1, frames)
    return clip


def test_packed_evaluation_equals_per_mesh_evaluation(host) -> None:
    from vhuman.avatar.rig_reference import PerMeshRig

    clip = _busy_clip(6)
    packed = Rig(host, device="cpu").evaluate(clip, as_numpy=True)
    ref = PerMeshRig(host, device="cpu").evaluate(clip, as_numpy=True)
    assert [m.name for m in packed] == [m.name for m in host.meshes]
    moved_mouth = False
    for got, want, mesh in zip(packed, ref, host.meshes, strict=True):
        assert got.positions.shape == want.positions.shape == (6, mesh.num_vertices, 3)
        np.testing.assert_allclose(got.positions, want.positions, atol=2e-5, err_msg=mesh.name)
        np.testing.assert_allclose(got.normals, want.normals, atol=2e-4, err_msg=mesh.name)
        if mesh.morph_names:
            moved_mouth |= bool(np.abs(got.positions[0] - got.positions[1]).max() > 1e-3)
    assert moved_mouth  # the comparison covered frames whose face morphs differ


def test_packed_matches_reference_for_pose_batches_and_recomputed_normals(character) -> None:
    from vhuman.avatar.rig_reference import PerMeshRig

    rot = np.tile(character.skeleton.rest_rotation, (3, 1, 1))
    rot[1, 2] = _quat("x", 35)
    rot[2, 3] = _quat("z", -50)
    weights = [np.float32([[0, 0], [1.0, 0.3], [0.0, 0.5]]), None]
    pose = PoseBatch(rotations=rot, morph_weights=weights)
    for mode in ("skin", "recompute"):
        got = Rig(character, device="cpu", normals=mode).evaluate(pose, as_numpy=True)
        want = PerMeshRig(character, device="cpu", normals=mode).evaluate(pose, as_numpy=True)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a.positions, b.positions, atol=1e-5)
            np.testing.assert_allclose(a.normals, b.normals, atol=1e-4)
    with pytest.raises(InputError, match="morph weights of mesh 0"):
        Rig(character, device="cpu").evaluate(
            PoseBatch(rotations=rot, morph_weights=[np.zeros((3, 5), np.float32), None])
        )


def test_packing_compacts_joints_and_morph_rows(host) -> None:
    rig = Rig(host, device="cpu")
    pk = rig.packed
    assert pk.num_vertices == host.num_vertices
    assert pk.offsets[-1] == sum(m.num_vertices for m in host.meshes)
    assert pk.num_morphs == sum(len(m.morph_names) for m in host.meshes)
    # only joints that carry weight, only vertices some morph moves
    assert 0 < pk.joints.numel() < host.skeleton.num_joints
    moved = sum(
        int((np.abs(m.morph_positions).max(axis=(0, 2)) > 0).sum())
        for m in host.meshes
        if m.morph_positions is not None
    )
    assert moved <= pk.num_morph_rows < 0.25 * pk.num_vertices
    views = rig.evaluate(_clip(2))
    assert views[3].positions.data_ptr() == views[0].positions.data_ptr() + 4 * 3 * pk.offsets[3]


def test_pose_from_motion_can_be_edited_before_evaluation(rig, character) -> None:
    clip = _clip(1)
    clip.morph[0, 0] = 1.0  # viseme_aa dents the mouth
    pose = rig.pose_from_motion(clip)
    dented = rig.evaluate(pose, as_numpy=True)[0].positions[0]
    assert np.abs(dented - character.meshes[0].positions).max() > 0.05
    pose.morph_weights = [np.zeros((1, 2), np.float32), None]  # replaced: no morph now
    np.testing.assert_allclose(
        rig.evaluate(pose, as_numpy=True)[0].positions[0], character.meshes[0].positions, atol=1e-5
    )
    bad = rig.pose_from_motion(clip)
    rotations = np.array(bad.rotations)
    rotations[0, 2, 0] = np.nan
    bad.rotations = rotations
    with pytest.raises(InputError, match="rotations"):
        rig.evaluate(bad)


def test_threads_cap_is_scoped_to_evaluation(character) -> None:
    import torch

    before = torch.get_num_threads()
    rig = Rig(character, device="cpu", threads=1)
    rig.evaluate(_clip(2))
    assert torch.get_num_threads() == before  # the cap does not leak out of evaluate
    with pytest.raises(InputError, match="threads"):
        Rig(character, threads=0)
