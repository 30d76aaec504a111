"""The signal stage: pitch/tempo changes that keep phoneme timings exact."""

from __future__ import annotations

import numpy as np
import pytest

from vhuman.models.audio import (
    map_durations,
    pitch_tempo,
    rms_dbfs,
    scale_durations,
    soft_limit,
    tilt_brightness,
)
from vhuman.models.tts.analysis import voiced_f0

SR = 22050


def _voice_like(f0: float = 120.0, seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    """A harmonic tone with a little noise: enough for pitch tracking."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8))
    return (0.3 * wave + 0.005 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.mark.parametrize("semitones", [-3.0, 4.0])
def test_pitch_shift_moves_f0_and_keeps_length(semitones: float) -> None:
    x = _voice_like()
    y, out_time = pitch_tempo(x, SR, semitones)
    assert y.size == x.size
    measured = 12 * np.log2(np.median(voiced_f0(y, SR)) / np.median(voiced_f0(x, SR)))
    assert measured == pytest.approx(semitones, abs=0.5)
    assert map_durations([5000, 7050, 10000], out_time, y.size) == [5000, 7050, 10000]


def test_tempo_changes_length_and_timings_follow() -> None:
    x = _voice_like()
    y, out_time = pitch_tempo(x, SR, 0.0, tempo=0.8)
    assert y.size == round(x.size / 0.8)
    durations = map_durations([2050, 10000, 10000], out_time, y.size)
    assert sum(durations) == y.size
    assert durations[1] == pytest.approx(10000 / 0.8, abs=2)
    assert np.median(voiced_f0(y, SR)) == pytest.approx(120.0, rel=0.03)  # pitch unchanged


def test_time_varying_shift_keeps_sum() -> None:
    x = _voice_like(seconds=0.7)
    contour = np.linspace(-2, 3, 40)
    y, out_time = pitch_tempo(x, SR, contour, tempo=np.linspace(0.9, 1.2, 40))
    durations = map_durations([1000] * 15 + [x.size - 15000], out_time, y.size)
    assert sum(durations) == y.size and all(d >= 0 for d in durations)


def test_scale_durations_is_exact() -> None:
    assert sum(scale_durations([3, 5, 7, 11], 1001)) == 1001
    assert scale_durations([], 10) == []


def test_soft_limit_and_brightness() -> None:
    loud = _voice_like() * 4
    limited = soft_limit(loud)
    assert np.max(np.abs(limited)) <= 0.98
    x = _voice_like()
    bright, dark = tilt_brightness(x, SR, 6.0), tilt_brightness(x, SR, -6.0)
    assert bright.size == x.size
    assert rms_dbfs(bright) > rms_dbfs(x) > rms_dbfs(dark)
