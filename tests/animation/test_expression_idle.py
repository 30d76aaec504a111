import numpy as np
import pytest

from vhuman.animation import quat as Q
from vhuman.animation.expression import (
    FACE_SHAPES,
    emotion_change_times,
    emotion_weights,
    energy_track,
    expression_clip,
    normalize_timeline,
)
from vhuman.animation.idle import blink_times, idle_clip
from vhuman.animation.reference import REFERENCE as R
from vhuman.animation.reference import foot_slide
from vhuman.models.types import Emotion, InputError


def test_emotions_shape_the_face_and_posture():
    happy = expression_clip(Emotion.HAPPY, 10)
    assert happy.weights("smile")[0] > 0.5 and happy.weights("sad")[0] == 0
    angry = expression_clip("angry", 10)
    assert angry.weights("browDown")[0] > 0.5 and angry.weights("smile")[0] == 0
    sad = expression_clip("sad", 10)
    pos, _ = R.clip_forward(sad)
    rest_eye = R.rest_positions[R.bones.index("leftEye")]
    assert pos[0, R.bones.index("leftEye"), 1] < rest_eye[1] - 0.02  # head hangs
    assert "blink" not in FACE_SHAPES and "jawOpen" not in FACE_SHAPES


def test_emotion_changes_ease_in_and_out_and_blink():
    timeline = [(0.0, "happy", 1.0), (2.0, Emotion.SAD, 0.5)]
    clip = expression_clip(timeline, 120, 30.0, ease=0.5)
    smile, sad = clip.weights("smile"), clip.weights("sad")
    assert smile[55] == pytest.approx(0.85) and sad[55] == 0
    assert 0 < smile[64] < 0.85 and 0 < sad[64] < 0.85 * 0.5  # cross-fading
    assert smile[80] == 0 and sad[80] == pytest.approx(0.85 * 0.5)
    assert np.all(np.abs(np.diff(smile)) < 0.15)  # no jumps
    assert emotion_change_times(timeline) == [2.0]
    w = emotion_weights(timeline, 120, 30.0)
    assert w.shape == (120, 7)
    e = energy_track([(0.0, "excited", 1.0), (2.0, "calm", 1.0)], 120, 30.0)
    assert e[10] > 0.9 and e[100] < 0.4
    with pytest.raises(InputError, match="intensity"):
        normalize_timeline([(0.0, "happy", 1.5)])
    with pytest.raises(InputError, match="emotion"):
        normalize_timeline([(0.0, "grumpy", 0.5)])


def test_blinks_come_at_natural_irregular_intervals():
    rng = np.random.default_rng(0)
    times = np.array(blink_times(120.0, rng))
    gaps = np.diff(times)
    assert 18 <= times.size <= 50  # 10-25 blinks a minute
    assert gaps.min() > 0.2 and np.std(gaps) > 0.5  # irregular, never a metronome
    clip = idle_clip(300, 30.0, seed=1, extra_blinks=[5.0])
    blink = clip.weights("blink")
    assert blink.max() == pytest.approx(1.0, abs=0.05)
    assert blink[int(5.0 * 30) + 3] > 0.8  # blinks on the emotion change
    assert (blink > 0.5).mean() < 0.1  # the eyes are mostly open


def test_idle_is_alive_but_not_looping_and_keeps_feet_planted():
    clip = idle_clip(900, 30.0, seed=2, energy=0.6)
    head = Q.to_euler(clip.rotations[:, clip.bone_index("head")])
    assert np.ptp(head[:, 1]) > 1.0 and np.abs(head).max() < 15  # moves, subtly
    y = head[:, 1] - head[:, 1].mean()
    ac = np.correlate(y, y, "full")[y.size - 1 :] / (y @ y)
    assert ac[60:600].max() < 0.9  # no visible loop
    eyes = Q.to_euler(clip.rotations[:, clip.bone_index("leftEye")])
    neck = Q.to_euler(clip.rotations[:, clip.bone_index("neck")])
    world_yaw = eyes[:, 1] + head[:, 1] + neck[:, 1]  # where the eyes point in the world
    assert np.median(np.abs(world_yaw)) < 4  # gaze mostly at the camera, whatever the head does
    assert np.abs(np.diff(eyes[:, 1])).max() > 1.0  # with quick saccades
    assert np.ptp(clip.root_offset[:, 0]) > 0.005  # weight shifts
    pos, _ = R.clip_forward(clip)
    assert foot_slide(pos, 30.0)["mean_cm_s"] < 0.2
    again = idle_clip(900, 30.0, seed=2, energy=0.6)
    assert np.array_equal(again.rotations, clip.rotations)
    assert not np.array_equal(idle_clip(900, 30.0, seed=3).rotations, clip.rotations)


def test_consecutive_idle_clips_join_without_a_pop():
    whole = idle_clip(300, 30.0, seed=4)
    tail = idle_clip(150, 30.0, seed=4, start_time=5.0)
    assert np.allclose(whole.rotations[150:], tail.rotations, atol=1e-6)
    assert np.allclose(whole.morph[150:], tail.morph) and np.allclose(
        whole.root_offset[150:], tail.root_offset
    )
    with pytest.raises(InputError, match="start_time"):
        idle_clip(10, start_time=-1.0)
