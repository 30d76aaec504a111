"""Signal helpers for the voice: loudness, brightness, and timing-exact pitch/tempo changes.

The emotional signal stage needs to raise or lower the pitch, widen or narrow its range and
change the tempo of synthesized speech *while keeping phoneme timings exact*. It uses one
engine for all three: WSOLA time-stretching by the local factor ``pitch × tempo`` followed by
variable-rate resampling by ``pitch``. Every input instant ``t`` lands at output time
``∫tempo``, so phoneme boundaries move by a known map (:func:`map_durations`), and a pure
pitch change leaves them untouched.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.ndimage import median_filter, uniform_filter1d
from scipy.signal import lfilter

from vhuman.models.types import FloatArray

logger = logging.getLogger(__name__)

_FRAME = 512  # WSOLA grain (23 ms at 22.05 kHz: 2+ periods of a low voice)
_HOP = _FRAME // 2
_SEEK = 160  # +- samples searched to keep grains in phase (one period of ~140 Hz)
_WINDOW = np.hanning(_FRAME + 1)[:-1].astype(np.float32)  # periodic: sums to 1 at 50 %


def db_to_gain(db: float) -> float:
    """Linear amplitude factor of a level change in decibels."""
    return float(10.0 ** (db / 20.0))


def rms_dbfs(samples: np.ndarray, floor_db: float = -120.0) -> float:
    """RMS level in dB relative to full scale (a full-scale sine is -3 dBFS)."""
    if samples.size == 0:
        return floor_db
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(floor_db, 20.0 * np.log10(rms + 1e-12))


def soft_limit(samples: FloatArray, ceiling: float = 0.98) -> FloatArray:
    """Keep peaks under ``ceiling`` with a smooth knee (no hard clipping) above 0.7·ceiling."""
    knee = 0.7 * ceiling
    out = samples.astype(np.float32, copy=True)
    over = np.abs(out) > knee
    if np.any(over):
        excess = np.abs(out[over]) - knee
        room = ceiling - knee
        out[over] = np.sign(out[over]) * (knee + room * np.tanh(excess / room))
    return out


def tilt_brightness(samples: FloatArray, sample_rate: int, db: float) -> FloatArray:
    """Brighten (db > 0) or darken (db < 0) by mixing in the part above ~1.5 kHz.

    A one-pole split keeps the operation causal, cheap and length-preserving.
    """
    if abs(db) < 1e-3 or samples.size == 0:
        return samples
    alpha = float(np.exp(-2.0 * np.pi * 1500.0 / sample_rate))
    low = lfilter([1.0 - alpha], [1.0, -alpha], samples).astype(np.float32)
    high = samples - low
    return (low + db_to_gain(db) * high).astype(np.float32)


def f0_contour(samples: FloatArray, sample_rate: int, hop: int = 256
               ) -> tuple[np.ndarray, np.ndarray]:
    """Fundamental frequency per hop (YIN) and a voicing mask (energy + periodicity)."""
    import librosa  # heavy import, only needed when pitch range changes

    frame = 1024 if sample_rate <= 24000 else 2048
    if samples.size < frame:
        return np.zeros(0), np.zeros(0, dtype=bool)
    f0 = librosa.yin(samples, fmin=60.0, fmax=500.0, sr=sample_rate, frame_length=frame,
                     hop_length=hop, center=True)
    rms = librosa.feature.rms(y=samples, frame_length=frame, hop_length=hop)[0]
    zcr = librosa.feature.zero_crossing_rate(samples, frame_length=frame, hop_length=hop)[0]
    n = min(len(f0), len(rms), len(zcr))
    f0, rms, zcr = f0[:n], rms[:n], zcr[:n]
    loud = rms > (rms.max() * 10 ** (-30 / 20) if n else 0.0)
    voiced = loud & (zcr < 0.15) & (f0 > 61.0) & (f0 < 499.0)
    return f0, voiced


def range_shift_semitones(samples: FloatArray, sample_rate: int, range_factor: float,
                          hop: int = 256) -> np.ndarray:
    """Per-hop pitch change (semitones) that scales F0 excursions around the median.

    ``range_factor`` 1.5 makes the melody 50 % wider, 0.7 flatter. Unvoiced frames take
    the shift of their voiced neighbours so the change is smooth.
    """
    f0, voiced = f0_contour(samples, sample_rate, hop)
    if f0.size == 0 or voiced.sum() < 3 or abs(range_factor - 1.0) < 1e-3:
        return np.zeros(max(1, f0.size))
    semis = 12.0 * np.log2(np.maximum(f0, 1.0) / np.median(f0[voiced]))
    semis = median_filter(semis, size=5, mode="nearest")  # drop octave slips
    semis = np.clip(semis, -8.0, 8.0)
    shift = semis * (range_factor - 1.0)
    idx = np.arange(f0.size)
    shift = np.interp(idx, idx[voiced], shift[voiced])
    return uniform_filter1d(shift, size=7, mode="nearest")  # ~80 ms: no abrupt glides


def _per_sample(values: np.ndarray | float, length: int, hop: int) -> np.ndarray:
    if np.isscalar(values) or np.ndim(values) == 0:
        return np.full(length, float(values))  # type: ignore[arg-type]
    values = np.asarray(values, dtype=np.float64)
    if values.size == length:
        return values
    centers = np.arange(values.size) * hop
    return np.interp(np.arange(length), centers, values)


def _wsola(x: np.ndarray, y_to_x: np.ndarray, out_len: int) -> np.ndarray:
    """Time-stretch: output grain at ``m·HOP`` is read near input ``y_to_x[m]``, in phase."""
    pad = _FRAME + _SEEK
    xp = np.concatenate([np.zeros(pad), x, np.zeros(pad + _FRAME)])
    out = np.zeros(out_len + _FRAME, dtype=np.float64)
    prev = None
    for m, nominal in enumerate(y_to_x):
        start = int(round(nominal)) + pad
        if prev is None:
            best = start
        else:
            template = xp[prev + _HOP : prev + _HOP + _FRAME]
            lo = max(0, start - _SEEK)
            region = xp[lo : start + _SEEK + _FRAME]
            if region.size < _FRAME or not np.any(template):
                best = start
            else:
                corr = np.correlate(region, template, mode="valid")
                best = lo + int(np.argmax(corr))
        p = m * _HOP
        out[p : p + _FRAME] += xp[best : best + _FRAME] * _WINDOW
        prev = best
    return out[:out_len]


def pitch_tempo(samples: FloatArray, sample_rate: int, semitones: np.ndarray | float = 0.0,
                tempo: np.ndarray | float = 1.0, hop: int = 256) -> tuple[FloatArray, np.ndarray]:
    """Shift pitch by ``semitones`` and scale duration by ``1/tempo`` (both may vary per hop).

    Returns the new samples and ``out_time``: for each input sample, its output position
    (use :func:`map_durations` to move phoneme timings). ``tempo`` > 1 is faster.
    """
    x = np.asarray(samples, dtype=np.float64)
    n = x.size
    if n == 0:
        return samples.astype(np.float32), np.zeros(0)
    ratio = 2.0 ** (_per_sample(semitones, n, hop) / 12.0)
    duration = 1.0 / np.clip(_per_sample(tempo, n, hop), 0.25, 4.0)
    if np.allclose(ratio, 1.0) and np.allclose(duration, 1.0):
        return samples.astype(np.float32), np.arange(n, dtype=np.float64)
    out_time = np.concatenate([[0.0], np.cumsum(duration)])  # input t -> output time
    stretch_time = np.concatenate([[0.0], np.cumsum(ratio * duration)])  # -> stretched y
    y_len = int(np.ceil(stretch_time[-1]))
    frames = np.arange(0, y_len + _HOP, _HOP, dtype=np.float64)
    y_to_x = np.interp(frames, stretch_time, np.arange(n + 1, dtype=np.float64))
    y = _wsola(x, y_to_x, y_len + _HOP)
    out_len = int(round(out_time[-1]))
    src = np.interp(np.arange(out_len, dtype=np.float64), out_time, np.arange(n + 1.0))
    read = np.interp(src, np.arange(n + 1.0), stretch_time)
    out = np.interp(read, np.arange(y.size, dtype=np.float64), y)
    return out.astype(np.float32), out_time[:-1] if out_time.size > n else out_time


def map_durations(durations: list[int], out_time: np.ndarray, out_len: int) -> list[int]:
    """Move consecutive segment durations through a time map; the result sums to ``out_len``."""
    if not durations:
        return []
    bounds = np.cumsum([0, *durations])
    n = out_time.size
    mapped = np.interp(bounds, np.arange(n), out_time, right=out_time[-1] if n else 0.0)
    if n and bounds[-1] >= n:
        mapped[-1] = out_len
    edges = np.clip(np.round(mapped).astype(np.int64), 0, out_len)
    edges[0], edges[-1] = 0, out_len
    edges = np.maximum.accumulate(edges)
    return [int(d) for d in np.diff(edges)]


def scale_durations(durations: list[int], total: int) -> list[int]:
    """Proportionally rescale integer durations so they sum exactly to ``total``."""
    if not durations:
        return []
    bounds = np.cumsum([0, *durations], dtype=np.float64)
    scale = total / bounds[-1] if bounds[-1] > 0 else 0.0
    edges = np.round(bounds * scale).astype(np.int64)
    edges[-1] = total
    return [int(d) for d in np.diff(edges)]
