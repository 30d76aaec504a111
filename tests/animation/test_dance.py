import numpy as np
import pytest

from vhuman.animation.dance.choreography import accent_times, choreograph, plan_dance, render_plan
from vhuman.animation.dance.demo_track import (
    breakdown_span,
    demo_beat_times,
    synth_demo_track,
    write_demo_track,
)
from vhuman.animation.dance.moves import ANKLE_Y, HOME_X, MOVES
from vhuman.animation.dance.music import MusicAnalysis, analyze_music, load_music
from vhuman.animation.performance import dance
from vhuman.animation.reference import REFERENCE as R
from vhuman.animation.reference import foot_slide
from vhuman.models.types import InputError

FPS = 30.0


@pytest.fixture(scope="module")
def track():
    y = synth_demo_track(12.0, 120.0, seed=0)
    return y, analyze_music(y)


def synthetic_analysis(seconds=300.0, bpm=120.0, seed=0):
    rng = np.random.default_rng(seed)
    times = np.arange(0, seconds, 0.05)
    energy = np.clip(np.repeat(rng.uniform(0, 1, int(seconds / 8) + 1), 160)[: times.size], 0, 1)
    return MusicAnalysis(
        seconds, bpm, np.arange(0, seconds, 60 / bpm), 0, times, energy, energy, [0.0]
    )


def test_demo_track_is_deterministic_with_an_exact_grid_and_a_breakdown(tmp_path):
    y = synth_demo_track(8.0, 120.0, sr=22050, seed=1)
    assert y.dtype == np.float32 and y.size == 8 * 22050 and np.abs(y).max() <= 1.0
    assert np.array_equal(y, synth_demo_track(8.0, 120.0, sr=22050, seed=1))
    b0, b1 = breakdown_span(8.0, 120.0)
    rms = lambda a, b: float(np.sqrt(np.mean(y[int(a * 22050) : int(b * 22050)] ** 2)))  # noqa: E731
    assert rms(b0, b1) < 0.5 * rms(0, b0)
    assert demo_beat_times(8.0, 120.0)[:3] == pytest.approx([0.0, 0.5, 1.0])
    path = write_demo_track(tmp_path / "demo.wav", 3.0)
    y2, sr = load_music(path)
    assert sr == 22050 and abs(y2.size / sr - 3.0) < 0.01
    with pytest.raises(InputError, match="bpm"):
        synth_demo_track(5.0, 500.0)


def test_music_analysis_finds_tempo_beats_bars_and_the_breakdown(track):
    _, a = track
    assert a.tempo == pytest.approx(120.0, rel=0.02)
    truth = demo_beat_times(12.0, 120.0)
    err = np.array([np.min(np.abs(truth - b)) for b in a.beats if b < 11.9])
    assert np.median(err) < 0.015 and len(a.beats) >= 22
    assert a.downbeat_phase == 0 and np.allclose(a.downbeats[:3], [0, 2, 4], atol=0.06)
    b0, b1 = breakdown_span(12.0, 120.0)
    assert any(abs(s - b0) < 0.1 for s in a.sections) and any(abs(s - b1) < 0.1 for s in a.sections)
    assert a.energy_at(np.array([b0 + 1.0]))[0] < a.energy_at(np.array([1.0]))[0]


def test_accents_land_on_beats_without_sliding_or_limit_violations(track):
    _, a = track
    truth = demo_beat_times(12.0, 120.0)
    for seed in (0, 1, 2):
        clip = choreograph(a, fps=FPS, seed=seed)
        acc = accent_times(clip)
        assert acc.size >= 18
        err = np.array([np.min(np.abs(truth - t)) for t in acc])
        assert np.median(err) <= 0.040
        assert R.limit_violations(clip.rotations, clip.bone_names) == {}
        pos, _ = R.clip_forward(clip)
        slide = foot_slide(pos, FPS)
        assert slide["mean_cm_s"] < 1.0 and slide["planted_fraction"] > 0.6


def test_move_library_moves_are_safe_start_home_and_accent_the_beat():
    assert len(MOVES) >= 12
    b = np.linspace(0.0, 8.0, 241)
    for name, move in MOVES.items():
        for e in (0.0, 0.5, 1.0):
            clip = render_plan_single(name, e)
            assert R.limit_violations(clip.rotations, clip.bone_names) == {}, (name, e)
        pose = move.fn(b, np.full(b.size, 0.7))
        assert np.allclose(pose.feet[0, :, 0], [HOME_X, -HOME_X], atol=1e-6), name
        assert np.allclose(pose.feet[0, :, 1], ANKLE_Y, atol=1e-6), name
        on_beat = pose.hips[::30, 1]  # b = 0, 1, 2, ... (30 samples per beat)
        off_beat = pose.hips[15::30, 1]
        if name not in ("jump", "spin"):
            assert np.mean(on_beat) < np.mean(off_beat) - 0.005, name  # down on the beat


def render_plan_single(name, energy):
    from vhuman.animation.dance.choreography import PlannedMove

    a = synthetic_analysis(8.0)
    a.energy[:] = energy
    return render_plan([PlannedMove(0.0, 16.0, name, False, energy)], a, fps=FPS)


def test_plans_switch_on_phrases_follow_energy_and_never_repeat_thrice():
    a = synthetic_analysis(300.0, seed=4)
    plan = plan_dance(a, seed=7)
    assert all(p.start % 8 == 0 for p in plan)  # two-bar phrases from the downbeat
    names = [p.move for p in plan]
    assert not any(names[i] == names[i + 1] == names[i + 2] for i in range(len(names) - 2))
    assert len(set(names)) >= 10
    for p in plan:
        lo, hi = MOVES[p.move].energy
        assert lo <= p.energy <= hi
    assert [p.move for p in plan_dance(a, seed=7)] == names
    assert [p.move for p in plan_dance(a, seed=8)] != names


def test_bad_music_gets_clear_errors_or_sensible_fallbacks(tmp_path):
    with pytest.raises(InputError, match="silent"):
        analyze_music(np.zeros(22050 * 3, np.float32))
    with pytest.raises(InputError, match="not found"):
        load_music(tmp_path / "missing.wav")
    bad = tmp_path / "corrupt.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk" * 10)
    with pytest.raises(InputError, match="corrupt.wav"):
        load_music(bad)
    with pytest.raises(InputError, match="sr"):
        load_music(np.zeros(100, np.float32))
    short = analyze_music(synth_demo_track(1.0, 120.0))  # too short to track: a steady grid
    assert short.tempo == pytest.approx(120.0) and short.beats.size >= 2
    assert choreograph(short, fps=FPS).num_frames == 30
    long_path = write_demo_track(tmp_path / "long.wav", 12.0)
    y, sr = load_music(long_path, max_seconds=4.0)  # a long file is cut, not choked on
    assert abs(y.size / sr - 4.0) < 0.01


def test_dance_front_door_gives_a_full_performance(tmp_path):
    path = write_demo_track(tmp_path / "d.wav", 8.0)
    clip = dance(path, fps=FPS, seed=3)
    assert clip.num_frames == 240
    assert clip.weights("blink").max() > 0.9 and clip.weights("happy").max() > 0.2
    assert np.ptp(clip.root_offset[:, 1]) > 0.02
    y = synth_demo_track(8.0)
    again = dance(y, 22050, fps=FPS, seed=3)
    assert np.allclose(again.rotations, clip.rotations, atol=1e-3)


def test_an_imported_clip_dances_on_the_music_beats(track):
    from vhuman.animation.clip import MotionClip

    y, a = track
    fps, bpm = 30.0, 90.0
    n = int(8 * 60 / bpm * fps)
    t = np.arange(n) / fps
    src = MotionClip.rest(n, fps)
    src.root_offset[:, 1] = -0.05 * (1 + np.cos(2 * np.pi * t * bpm / 60)) / 2  # down on its beats
    clip = dance(y, 22050, fps=fps, clip=src, clip_bpm=bpm)
    acc = accent_times(clip)
    truth = demo_beat_times(12.0, 120.0)
    assert acc.size >= 18 and np.median([np.min(np.abs(truth - x)) for x in acc]) <= 0.040
    assert clip.weights("blink").max() > 0.9


def test_blending_into_and_out_of_a_spin_keeps_the_knees_forward():
    from vhuman.animation.dance.choreography import PlannedMove

    a = synthetic_analysis(16.0)
    a.energy[:] = 0.8
    plan = [
        PlannedMove(0.0, 8.0, "bounce", False, 0.8),
        PlannedMove(8.0, 16.0, "spin", False, 0.8),
        PlannedMove(16.0, 24.0, "kick", True, 0.8),
        PlannedMove(24.0, 32.0, "spin", True, 0.8),
    ]
    clip = render_plan(plan, a, fps=FPS)
    assert R.limit_violations(clip.rotations, clip.bone_names) == {}
    pos, _ = R.clip_forward(clip)
    knee_ahead = pos[:, R.bones.index("leftLowerLeg"), 2] - pos[:, R.bones.index("leftFoot"), 2]
    outside_spins = np.r_[0:120, 225:240, 345:360]
    assert knee_ahead[outside_spins].min() > -0.01
