import numpy as np
import pytest

from tests.animation.speech_fixtures import SR, chunk
from vhuman.animation import quat as Q
from vhuman.animation.cues import tag_times, word_onsets
from vhuman.animation.gestures import GESTURES, gesture_clip, gesture_names, get_gesture
from vhuman.animation.performance import base_pose_clip, perform
from vhuman.animation.reference import REFERENCE as R
from vhuman.models.types import InputError

B = R.bones


def _fk(clip):
    full = base_pose_clip(clip.num_frames).concat()  # arms down underneath, like perform()
    full = full.reorder(full.morph_names, B)
    for j, name in enumerate(clip.bone_names):
        full.rotations[:, B.index(name)] = clip.rotations[:, j]
    pos, _ = R.forward(full.rotations, full.root_offset)
    return pos


def test_library_has_the_named_gestures_within_joint_limits():
    wanted = {
        "wave",
        "nod",
        "head_shake",
        "bow",
        "cheer",
        "clap",
        "point_at_screen",
        "thumbs_up",
        "heart_hands",
    }
    assert wanted <= set(gesture_names()) and set(gesture_names()) == set(GESTURES)
    for name in gesture_names():
        for energy in (0.0, 1.0):
            clip = gesture_clip(name, energy=energy)
            assert R.limit_violations(clip.rotations, clip.bone_names) == {}, name
    assert (
        get_gesture("fist-pump").name == "cheer" and get_gesture("Point").name == "point_at_screen"
    )
    with pytest.raises(InputError, match="wave"):
        get_gesture("moonwalk")


def test_gestures_do_what_their_names_say():
    pos = _fk(gesture_clip("wave"))
    hand, shoulder = pos[:, B.index("rightHand")], pos[:, B.index("rightUpperArm")]
    assert hand[20:50, 1].min() > shoulder[0, 1] + 0.1  # hand up beside the head
    assert np.ptp(hand[20:50, 0]) > 0.06  # waving side to side
    pos = _fk(gesture_clip("clap"))
    gap = np.linalg.norm(pos[:, B.index("leftHand")] - pos[:, B.index("rightHand")], axis=1)
    assert gap.min() < 0.08 and gap.max() > 0.25  # the hands meet and part
    pos = _fk(gesture_clip("point_at_screen"))
    assert pos[:, B.index("rightHand"), 2].max() > 0.45  # reaching towards the camera
    pos = _fk(gesture_clip("heart_hands"))
    assert pos[-1, B.index("leftHand"), 1] > pos[-1, B.index("head"), 1]  # over the head
    pos = _fk(gesture_clip("cheer"))
    assert pos[:, B.index("rightHand"), 1].max() > 1.75
    nod = Q.to_euler(gesture_clip("nod").rotations[:, 1])  # head
    assert nod[:, 0].max() > 8
    shake = Q.to_euler(gesture_clip("head_shake").rotations[:, 1])
    assert shake[:, 1].max() > 10 and shake[:, 1].min() < -10
    pos = _fk(gesture_clip("bow"))
    assert pos[:, B.index("head"), 2].max() > 0.15
    mirrored = gesture_clip("wave", mirror=True)
    assert "leftUpperArm" in mirrored.bone_names and "rightUpperArm" not in mirrored.bone_names


def test_tags_are_timed_to_their_word_and_gestures_land_there():
    text = "Hi there friends"
    c = chunk(
        [
            (" ", 0.2),
            ("h", 0.08),
            ("aɪ", 0.2),
            (" ", 0.1),
            ("ð", 0.08),
            ("ɛ", 0.15),
            ("ɹ", 0.1),
            (" ", 0.1),
            ("f", 0.08),
            ("ɹ", 0.08),
            ("ɛ", 0.15),
            ("n", 0.07),
            ("d", 0.05),
            ("z", 0.1),
            (" ", 0.3),
        ],
        text=text,
    )
    onsets = word_onsets(c.phonemes, SR)
    assert onsets == pytest.approx([0.2, 0.58, 1.01], abs=1e-3)
    assert tag_times([(9, "wave"), (0, "nod")], text, c, offset=2.0) == [
        pytest.approx((2.0 + 1.01, "wave"), abs=1e-3),
        pytest.approx((2.2, "nod"), abs=1e-3),
    ]
    assert tag_times([(3, "wave")], text, duration=1.6)[0][0] == pytest.approx(0.3)
    with pytest.raises(InputError, match="offset"):
        tag_times([(99, "wave")], text, c)
    clip = perform([c], gestures=[(1.01, "wave")], seed=0)
    pos, _ = R.clip_forward(clip)
    hand_y = pos[:, B.index("rightHand"), 1]
    stroke = int(1.01 * 30)
    assert hand_y[stroke] > 1.45 and hand_y[0] < 1.0  # up at the word, down before
    assert np.abs(np.diff(hand_y)).max() < 0.12  # blended in, no pop
