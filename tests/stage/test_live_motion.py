"""Live motion comes from the animation package: seamless idle windows, real dance."""

from __future__ import annotations

import numpy as np

from vhuman.animation.dance.demo_track import synth_demo_track
from vhuman.stage.live.motion import LiveMotion


def test_idle_windows_join_seamlessly_and_blinks_are_not_a_fixed_loop() -> None:
    motion = LiveMotion(30, seed=5)
    windows = [motion.idle(k * 60, 60) for k in range(10)]  # 20 s in 2 s windows
    steps = np.abs(np.diff(windows[0].rotations, axis=0)).max()
    for a, b in zip(windows, windows[1:], strict=False):
        assert np.abs(a.rotations[-1] - b.rotations[0]).max() <= steps + 1e-4
    blink = np.concatenate([w.morph[:, w.morph_names.index("blink")] for w in windows])
    starts = np.flatnonzero((blink[1:] > 0.5) & (blink[:-1] <= 0.5))
    assert len(starts) >= 4  # blinks happen (about every 2-6 s)...
    gaps = np.diff(starts)
    assert gaps.std() > 3  # ...at irregular intervals, not a robotic loop


def test_dance_follows_music_and_idle_style_stands_still() -> None:
    motion = LiveMotion(30)
    music = synth_demo_track(seconds=6.0, sr=22050)
    danced = motion.dance(music, 22050)
    standing = motion.dance(music, 22050, style="idle")
    assert danced.num_frames == standing.num_frames == 180
    hips = danced.bone_names.index("hips")
    assert np.ptp(danced.root_offset[:, 1]) > 0.01  # bouncing on the beat
    assert np.ptp(standing.root_offset[:, 1]) < np.ptp(danced.root_offset[:, 1]) / 3
    assert np.isfinite(danced.rotations[:, hips]).all()


def test_dance_without_music_still_moves() -> None:
    clip = LiveMotion(30).dance(np.zeros(22050 * 3, np.float32), 22050)
    assert clip.num_frames == 90
    assert np.ptp(clip.root_offset[:, 1]) > 0.005


def test_dance_and_gestures_can_be_the_avatars_own_clips(tmp_path) -> None:
    import pytest

    from tests.avatar.fixtures import mixamo_arkit_glb
    from vhuman.animation import quat
    from vhuman.avatar.clips import AvatarClips
    from vhuman.models.types import InputError
    from vhuman.stage.live.gestures import GestureOverlay

    clips = AvatarClips(mixamo_arkit_glb(tmp_path), fps=30.0)
    motion = LiveMotion(30.0, clips=clips)
    music = synth_demo_track(seconds=4.0, sr=22050)
    own = motion.dance(music, 22050, style="clip:turn")
    ref = clips.motion("turn")
    hips = own.bone_names.index("hips")
    turn = quat.angle(own.rotations[:, hips])
    assert own.num_frames == 120 and turn.max() > 0.5 * quat.angle(ref.rotations[:, 0]).max()
    with pytest.raises(InputError, match="no clip"):
        motion.dance(music, 22050, style="clip:moonwalk")
    overlay = GestureOverlay(30.0, clips=clips)
    assert overlay.validate("Turn") == "Turn" and overlay.validate("wave") == "wave"
    overlay.start("Turn", 0)
    assert overlay.active == ["Turn"]
    with pytest.raises(InputError):
        overlay.validate("moonwalk")


def test_live_gestures_carry_their_hand_pose() -> None:
    from vhuman.animation.clip import MORPH_NAMES, MotionClip
    from vhuman.animation.vocabulary import HUMANOID_BONES
    from vhuman.stage.live.gestures import GestureOverlay

    overlay = GestureOverlay(30.0)
    overlay.start("point_at_screen", 0)
    pose = MotionClip.rest(1, 30.0, list(MORPH_NAMES), list(HUMANOID_BONES))
    assert overlay.apply(pose, 20)  # well past the fade-in
    assert pose.morph[0, list(MORPH_NAMES).index("rightHandPoint")] > 0.9
    assert pose.morph[0, list(MORPH_NAMES).index("leftHandPoint")] == 0.0
