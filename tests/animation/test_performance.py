import numpy as np
import pytest

from tests.animation.speech_fixtures import chunk, random_speech
from vhuman.animation import perform
from vhuman.animation.clip import MotionClip
from vhuman.animation.reference import REFERENCE as R
from vhuman.animation.reference import foot_slide
from vhuman.models.types import Emotion, InputError


def test_perform_layers_speech_emotion_idle_and_gestures():
    chunks = [chunk(random_speech(8, seed=1), seed=1), chunk(random_speech(8, seed=2), seed=2)]
    total = sum(c.duration for c in chunks)
    clip = perform(
        chunks,
        fps=30,
        emotion=[(0.0, Emotion.HAPPY, 0.8), (total / 2, "sad", 0.7)],
        gestures=[(0.8, "nod")],
        duration=total + 1.0,
        seed=5,
    )
    assert clip.num_frames == int(np.ceil((total + 1.0) * 30 - 1e-9))
    assert clip.weights("viseme_sil")[-10:].min() > 0.9  # quiet after the speech
    assert clip.weights("smile")[5] > 0.4 and clip.weights("sad")[-1] > 0.4
    assert clip.weights("blink").max() > 0.9
    assert R.limit_violations(clip.rotations, clip.bone_names) == {}
    pos, _ = R.clip_forward(clip)
    assert foot_slide(pos, 30)["mean_cm_s"] < 0.3
    hands = pos[:, R.bones.index("leftHand"), 1]
    assert hands.max() < 1.0  # arms rest by the sides
    again = perform(
        chunks,
        fps=30,
        emotion=[(0.0, Emotion.HAPPY, 0.8), (total / 2, "sad", 0.7)],
        gestures=[(0.8, "nod")],
        duration=total + 1.0,
        seed=5,
    )
    assert np.array_equal(again.morph, clip.morph) and np.array_equal(
        again.rotations, clip.rotations
    )


def test_perform_rejects_bad_input_clearly(caplog):
    with pytest.raises(InputError, match="duration"):
        perform([])
    with pytest.raises(InputError, match="intensity"):
        perform([], duration=1.0, intensity=3.0)
    with caplog.at_level("WARNING"):  # an unknown gesture is left out, the rest performed
        assert perform([], duration=1.0, gestures=[(0.1, "moonwalk")]).num_frames == 30
    assert "'moonwalk' is neither a library gesture nor a clip" in caplog.text
    with pytest.raises(InputError, match="emotion"):
        perform([], duration=1.0, emotion="grumpy")
    idle_only = perform([], duration=2.0)
    assert idle_only.num_frames == 60 and idle_only.weights("viseme_PP").max() == 0


def test_sentence_by_sentence_clips_are_continuous_with_start_time():
    from vhuman.animation import quat as Q

    a = chunk(random_speech(5, seed=3), seed=3)
    b = chunk(random_speech(5, seed=4), seed=4)
    first = perform([a], seed=9, duration=3.0)
    second = perform([b], seed=9, start_time=3.0, emotion=[(0, "neutral", 0.6), (0, "happy", 0.8)])
    head = first.bone_index("head")
    jump = Q.angle(Q.mul(Q.conj(first.rotations[-1, head]), second.rotations[0, head]))
    step = Q.angle(Q.mul(Q.conj(first.rotations[-2, head]), first.rotations[-1, head]))
    assert jump < 3 * step + np.radians(0.3)  # no pop at the seam
    assert second.weights("smile")[0] < 0.1 and second.weights("smile")[30] > 0.5  # eases in
    assert second.weights("blink")[:8].max() > 0.5  # and blinks on the change


def test_an_avatar_clip_plays_as_a_gesture():
    from vhuman.animation import quat as Q
    from vhuman.animation.reference import REFERENCE

    class Clips:  # one clip, "ThumbsUp": the right forearm raised, 1 s at 10 fps
        def has(self, name: str) -> bool:
            return name == "ThumbsUp"

        def motion(self, name: str) -> MotionClip:
            clip = MotionClip.rest(10, 10.0, [], list(REFERENCE.bones))
            k = clip.bone_names.index("rightLowerArm")
            clip.rotations[:, k] = Q.from_euler(np.array([0.0, 0.0, 80.0]))
            return clip

    plain = perform([], duration=2.0, fps=10.0)
    waved = perform([], duration=2.0, fps=10.0, gestures=[(0.5, "ThumbsUp")], clips=Clips())
    k = plain.bone_names.index("rightLowerArm")
    moved = [float(Q.angle(Q.mul(Q.conj(plain.rotations[f, k]), waved.rotations[f, k])))
             for f in range(20)]
    assert max(moved[:5]) < 1e-6  # nothing before the tag
    assert max(moved[8:14]) > np.radians(45)  # the clip shows while it plays
