from types import SimpleNamespace

import numpy as np
import pytest

from tests.animation.bvh_fixtures import JOINTS, column, make_bvh
from vhuman.animation import quat as Q
from vhuman.animation.bvh import load_bvh, parse_bvh
from vhuman.animation.clip import MotionClip
from vhuman.animation.dance.warp import estimate_clip_tempo, warp_to_beats
from vhuman.animation.reference import REFERENCE as R
from vhuman.animation.retarget import bvh_to_clip, gltf_clip_to_motion, guess_humanoid_map
from vhuman.animation.skeleton import Skeleton
from vhuman.models.types import InputError


def frames(n=10):
    f = np.zeros((n, 3 + 3 * len(JOINTS)))
    f[:, 1] = 95.0
    return f


def test_humanoid_names_are_guessed_from_common_rigs():
    names = [
        "mixamorig:Hips",
        "mixamorig:LeftForeArm",
        "Bip01 R Thigh",
        "J_Bip_L_UpperArm",
        "lfemur",
        "Tail",
    ]
    m = guess_humanoid_map(names)
    assert m == {
        "hips": 0,
        "leftLowerArm": 1,
        "rightUpperLeg": 2,
        "leftUpperArm": 3,
        "leftUpperLeg": 4,
    }


def test_bvh_arm_motion_retargets_onto_the_humanoid(tmp_path):
    f = frames()
    f[:, column("LeftArm", "Z")] = np.linspace(0, -70, 10)
    f[:, column("Tail", "Y")] = 40  # an unknown joint: folded in, harmless
    f[:, 0] = np.linspace(0, 20, 10)  # hips move 20 cm to the side
    path = tmp_path / "arm.bvh"
    path.write_text(make_bvh(f))
    clip = bvh_to_clip(load_bvh(path), fps=30)
    assert clip.num_frames == 10
    e = Q.to_euler(clip.rotations[-1, clip.bone_index("leftUpperArm")])
    assert e == pytest.approx([0, 0, -70], abs=1e-3)
    assert clip.root_offset[-1, 0] == pytest.approx(0.2, rel=0.05)  # centimetres -> metres
    pos, _ = R.clip_forward(clip)
    assert pos[-1, R.bones.index("leftHand"), 1] < 1.0


def test_an_a_posed_source_is_corrected_to_the_t_pose():
    joints = [list(j) for j in JOINTS]
    for j in joints:  # arms hang 45 degrees in the source's rest pose
        if j[0] in ("LeftForeArm", "LeftHand"):
            L = j[2][0]
            j[2] = (L * np.cos(np.pi / 4), -L * np.sin(np.pi / 4), 0)
    f = frames(2)
    clip = bvh_to_clip(parse_bvh(make_bvh(f, joints), "apose.bvh"), fps=30)
    e = Q.to_euler(clip.rotations[0, clip.bone_index("leftUpperArm")])
    assert e[2] == pytest.approx(-45, abs=0.5)  # the rest A-pose shows as arms 45 degrees down


def test_bvh_errors_name_the_file_and_line():
    with pytest.raises(InputError, match=r"bad.bvh:\d+"):
        parse_bvh("HIERARCHY\nROOT Hips\n{\n OFFSET 0 x 0\n}\nMOTION\n", "bad.bvh")
    text = make_bvh(frames(3))
    with pytest.raises(InputError, match="expected"):
        parse_bvh(text.rsplit("\n", 2)[0] + "\n1 2 3\n", "short.bvh")
    renamed = "\n".join(line.replace("Hips", "Pelvis_x") for line in text.splitlines())
    with pytest.raises(InputError, match="hips"):
        bvh_to_clip(parse_bvh(renamed, "weird.bvh"))
    with pytest.raises(InputError, match="not found"):
        load_bvh("/nonexistent/file.bvh")


def _skeleton(humanoid=True):
    names = [j[0] for j in JOINTS]
    parents = np.array([names.index(p) if p else -1 for _, p, _ in JOINTS])
    j = len(names)
    rest_rot = np.zeros((j, 4), np.float32)
    rest_rot[:, 3] = 1
    sk = Skeleton(
        names,
        parents,
        np.array([o for _, _, o in JOINTS], np.float32) / 100,
        rest_rot,
        np.ones((j, 3), np.float32),
        np.tile(np.eye(4, dtype=np.float32), (j, 1, 1)),
    )
    if humanoid:
        sk.humanoid = guess_humanoid_map(names)
    return sk


def test_gltf_animation_of_another_rig_plays_on_the_humanoid():
    sk = _skeleton()
    head = sk.names.index("Head")
    q = Q.axis_angle((1, 0, 0), np.radians(np.array([0.0, 20.0])))
    anim = SimpleNamespace(
        name="Dance",
        channels=[
            SimpleNamespace(
                joint=head,
                path="rotation",
                times=np.array([0.0, 1.0]),
                values=q,
                interpolation="LINEAR",
            ),
            SimpleNamespace(
                joint=0,
                path="translation",
                times=np.array([0.0, 1.0]),
                values=np.array([[0, 0.95, 0], [0, 0.9, 0]]),
                interpolation="LINEAR",
            ),
        ],
    )
    clip = gltf_clip_to_motion(anim, sk, fps=30)
    assert clip.num_frames == 31
    e = Q.to_euler(clip.rotations[[0, 15, 30], clip.bone_index("head")])[:, 0]
    assert e == pytest.approx([0, 10, 20], abs=1e-3)
    assert clip.root_offset[-1, 1] == pytest.approx(-0.05, abs=2e-3)
    no_map = _skeleton(humanoid=False)
    no_map.names = [f"bone{i}" for i in range(len(no_map.names))]
    with pytest.raises(InputError, match="humanoid"):
        gltf_clip_to_motion(anim, no_map)


def test_an_imported_clip_is_time_warped_onto_the_music_beats():
    fps, bpm = 30.0, 100.0
    n = int(8 * 60 / bpm * fps)
    t = np.arange(n) / fps
    clip = MotionClip.rest(n, fps)
    clip.root_offset[:, 1] = -0.05 * (1 + np.cos(2 * np.pi * t * bpm / 60)) / 2  # down on its beats
    assert estimate_clip_tempo(clip) == pytest.approx(bpm, rel=0.05)
    target = np.cumsum(np.r_[0.3, np.linspace(0.5, 0.45, 15)])  # music speeding up a bit
    warped = warp_to_beats(clip, target, 8.0, source_bpm=bpm)
    y = warped.root_offset[:, 1]
    lows = [
        i for i in range(1, y.size - 1) if y[i] < y[i - 1] and y[i] <= y[i + 1] and y[i] < -0.04
    ]
    err = [np.min(np.abs(target - i / fps)) for i in lows]
    assert len(lows) >= 12 and np.median(err) <= 1.0 / fps
    with pytest.raises(InputError, match="beats"):
        warp_to_beats(clip, np.array([1.0]), 2.0, source_bpm=bpm)


def test_a_rig_with_twisted_rest_frames_round_trips_through_gltf_import():
    """Normalized -> local (architecture formula) on a rig whose joints have arbitrary rest
    rotations, then back through the glTF importer, gives the normalized motion again."""
    from vhuman.animation.gestures import gesture_clip

    rng = np.random.default_rng(0)
    names = list(R.bones)
    parents = R.parents
    rest_pos = R.rest_positions
    rest_local = Q.normalize(rng.normal(size=(len(names), 4)))  # every joint twisted
    rest_world = np.zeros_like(rest_local)
    trans = np.zeros((len(names), 3))
    for j, p in enumerate(parents):
        if p < 0:
            rest_world[j], trans[j] = rest_local[j], rest_pos[j]
        else:
            rest_world[j] = Q.mul(rest_world[p], rest_local[j])
            trans[j] = Q.rotate(Q.conj(rest_world[p]), rest_pos[j] - rest_pos[p])
    sk = Skeleton(
        names,
        parents,
        trans.astype(np.float32),
        rest_local.astype(np.float32),
        np.ones((len(names), 3), np.float32),
        np.tile(np.eye(4, dtype=np.float32), (len(names), 1, 1)),
        {n: i for i, n in enumerate(names)},
    )
    wave = gesture_clip("wave").reorder([], names)
    t = np.arange(wave.num_frames) / wave.fps
    channels = []
    for j, p in enumerate(parents):
        w_parent = rest_world[p] if p >= 0 else Q.identity(1)[0]
        local = Q.mul(
            Q.mul(Q.mul(Q.conj(w_parent)[None], wave.rotations[:, j]), w_parent[None]),
            rest_local[j][None],
        )
        channels.append(
            SimpleNamespace(joint=j, path="rotation", times=t, values=local, interpolation="LINEAR")
        )
    back = gltf_clip_to_motion(SimpleNamespace(name="wave", channels=channels), sk, fps=wave.fps)
    assert back.num_frames == wave.num_frames
    dots = np.abs(np.sum(back.rotations * wave.rotations, axis=-1))
    assert dots.min() > 0.9999
