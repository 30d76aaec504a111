"""A synthesized demo track (kick/snare/hat, bass, chords, a breakdown) so dance works offline.

Deterministic for a seed. The beat grid is exact: beat ``k`` starts at ``k * 60 / bpm``
seconds, which makes the track a ground truth for beat-alignment measurements.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vhuman.models.types import InputError

_PROGRESSION = ((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62))  # Am F C G (MIDI)


def _hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12.0)


def demo_beat_times(seconds: float = 20.0, bpm: float = 120.0) -> np.ndarray:
    """The true beat onsets (s) of :func:`synth_demo_track`."""
    return np.arange(0.0, seconds - 1e-9, 60.0 / bpm)


def breakdown_span(seconds: float = 20.0, bpm: float = 120.0) -> tuple[float, float]:
    """(start, end) seconds of the breakdown: the middle two bars after the first half."""
    bar = 4 * 60.0 / bpm
    bars = int(seconds / bar)
    start_bar = max(1, bars // 2)
    return start_bar * bar, min(seconds, (start_bar + 2) * bar)


def synth_demo_track(
    seconds: float = 20.0, bpm: float = 120.0, sr: int = 22050, seed: int = 0
) -> np.ndarray:
    """Mono float32 audio: drums on the grid, bass on the roots, chord stabs, a breakdown.

    In the breakdown the drums and bass drop out and only soft pads play.
    """
    if not 1.0 <= seconds <= 3600.0:
        raise InputError(f"seconds must be within 1..3600, got {seconds}")
    if not 40.0 <= bpm <= 240.0:
        raise InputError(f"bpm must be within 40..240, got {bpm}")
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    out = np.zeros(n, np.float64)
    beat = 60.0 / bpm
    bd0, bd1 = breakdown_span(seconds, bpm)

    def add(sig: np.ndarray, t0: float, gain: float) -> None:
        i = int(round(t0 * sr))
        if i >= n:
            return
        m = min(sig.size, n - i)
        out[i : i + m] += gain * sig[:m]

    tk = np.arange(int(0.35 * sr)) / sr
    kick = np.sin(2 * np.pi * np.cumsum(50 + 90 * np.exp(-tk * 30)) / sr) * np.exp(-tk * 9)
    ts = np.arange(int(0.2 * sr)) / sr
    snare_noise = rng.standard_normal(ts.size)
    snare = (0.7 * snare_noise + 0.5 * np.sin(2 * np.pi * 190 * ts)) * np.exp(-ts * 22)
    th = np.arange(int(0.05 * sr)) / sr
    hat_noise = np.diff(rng.standard_normal(th.size + 1))
    hat = hat_noise * np.exp(-th * 90)
    for k, t0 in enumerate(demo_beat_times(seconds, bpm)):
        in_break = bd0 <= t0 < bd1
        bar_pos = k % 4
        chord = _PROGRESSION[(k // 4) % len(_PROGRESSION)]
        if not in_break:
            add(kick, t0, 1.0 if bar_pos == 0 else 0.8)
            if bar_pos in (1, 3):
                add(snare, t0, 0.45)
            add(hat, t0 + beat / 2, 0.18)
            tb = np.arange(int(beat * 0.9 * sr)) / sr
            root = _hz(chord[0] - 24)
            bass = np.sign(np.sin(2 * np.pi * root * tb)) * 0.5 + np.sin(2 * np.pi * root * tb)
            add(bass * np.exp(-tb * 3), t0, 0.12)
        if bar_pos == 0:  # chord on each bar: stabs in the groove, long pads in the breakdown
            length = 4 * beat if in_break else 0.6 * beat
            tc = np.arange(int(length * sr)) / sr
            env = np.minimum(tc / 0.01, 1.0) * np.exp(-tc * (0.8 if in_break else 6.0))
            tone = sum(np.sin(2 * np.pi * _hz(m) * tc) for m in chord) / 3.0
            add(tone * env, t0, 0.12 if in_break else 0.25)
    peak = np.max(np.abs(out))
    return (0.89 * out / max(peak, 1e-9)).astype(np.float32)


def write_demo_track(
    path: str | Path, seconds: float = 20.0, bpm: float = 120.0, sr: int = 22050, seed: int = 0
) -> Path:
    """Write :func:`synth_demo_track` as a 16-bit WAV and return the path."""
    import soundfile as sf

    p = Path(path)
    sf.write(str(p), synth_demo_track(seconds, bpm, sr, seed), sr, subtype="PCM_16")
    return p
