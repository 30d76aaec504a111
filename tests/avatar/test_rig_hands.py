"""Hand poses for gestures on avatars with finger joints: point, thumbs up, fist, open."""

from __future__ import annotations

import numpy as np
import pytest

from vhuman.animation import perform
from vhuman.animation.clip import MotionClip
from vhuman.animation.gestures import gesture_clip, mirror_clip
from vhuman.avatar.compat import shared_avatars_dir
from vhuman.avatar.loader import load_avatar
from vhuman.avatar.rig import Rig

SHARED = shared_avatars_dir()


def test_gestures_carry_hand_poses():
    point = gesture_clip("point_at_screen", 10.0)
    assert point.morph_names == ["rightHandPoint"] and point.morph.min() == 1.0
    assert mirror_clip(point).morph_names == ["leftHandPoint"]
    clip = perform([], duration=3.0, fps=10.0, gestures=[(1.0, "thumbs_up")])
    k = clip.morph_names.index("rightHandThumbsUp")
    assert clip.morph[0, k] == 0.0 and clip.morph[12, k] > 0.9  # eased in by the stroke


def test_a_hand_without_fingers_keeps_its_rest_shape():
    rig = Rig(load_avatar(None), device="cpu")
    assert rig.hands.chains == {}
    clip = MotionClip.rest(2, 30.0, ["rightHandFist"], [])
    clip.morph[1] = 1.0
    world = rig.joint_transforms(clip).numpy()
    assert np.allclose(world[0], world[1])


@pytest.mark.skipif(SHARED is None, reason="shared/data/avatars not present")
def test_finger_poses_on_a_mixamo_hand():
    character = load_avatar(SHARED / "Xbot.glb")
    rig = Rig(character, device="cpu")
    assert set(rig.hands.chains) == {"left", "right"}
    names = ["rightHandPoint", "rightHandFist", "rightHandThumbsUp", "rightHandOpen"]
    clip = MotionClip.rest(5, 30.0, names, [])
    for k in range(4):
        clip.morph[k + 1, k] = 1.0
    world = rig.joint_transforms(clip).numpy()
    hand = character.skeleton.humanoid["rightHand"]
    chains = rig.hands.chains["right"]

    def reach(frame: int, finger: str) -> float:  # fingertip joint to wrist
        tip = chains[finger][-1]
        return float(np.linalg.norm(world[frame, tip, :3, 3] - world[frame, hand, :3, 3]))

    rest = {f: reach(0, f) for f in chains}
    point, fist, thumbs, open_ = (({f: reach(k, f) for f in chains}) for k in range(1, 5))
    assert point["index"] == pytest.approx(rest["index"], rel=1e-3)  # the pointing finger
    for f in ("middle", "ring", "little"):
        assert point[f] < 0.8 * rest[f] and fist[f] < 0.8 * rest[f] and thumbs[f] < 0.8 * rest[f]
    assert fist["index"] < 0.8 * rest["index"]
    assert thumbs["thumb"] == pytest.approx(rest["thumb"], rel=1e-3)
    assert open_ == pytest.approx(rest)
    tip = chains["middle"][-1]  # curled towards the palm, which faces down in the T-pose
    assert world[2, tip, 1, 3] < world[0, tip, 1, 3] - 0.02
