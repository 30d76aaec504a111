"""Audio/video sync measured from the output: mouth opening vs. audio energy.

The mouth-open signal (one value per video frame, e.g. measured from the pixels of the
mouth region) and the audio RMS envelope are resampled to 1 kHz, normalised, and
cross-correlated; the lag of the peak is the offset. Positive: the video is late.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.types import InputError

RATE = 1000.0  # Hz of the common grid: 1 ms resolution


def audio_envelope(samples: np.ndarray, sample_rate: int, window_s: float = 0.03) -> np.ndarray:
    """RMS envelope of ``samples`` on the 1 kHz grid (centred windows)."""
    samples = np.asarray(samples, np.float64).reshape(-1)
    hop = sample_rate / RATE
    n = int(len(samples) / hop)
    half = int(window_s * sample_rate / 2)
    power = np.concatenate([[0.0], np.cumsum(samples * samples)])
    centres = (np.arange(n) * hop + hop / 2).astype(np.int64)
    lo = np.clip(centres - half, 0, len(samples))
    hi = np.clip(centres + half, 0, len(samples))
    return np.sqrt((power[hi] - power[lo]) / np.maximum(hi - lo, 1))


def video_signal(per_frame: np.ndarray, fps: float, duration_s: float) -> np.ndarray:
    """A per-frame signal held for each frame's display time, on the 1 kHz grid."""
    t = np.arange(int(duration_s * RATE)) / RATE
    idx = np.clip((t * fps).astype(np.int64), 0, len(per_frame) - 1)
    return np.asarray(per_frame, np.float64)[idx]


def av_offset(mouth: np.ndarray, fps: float, audio: np.ndarray, sample_rate: int,
              max_lag_s: float = 0.25) -> tuple[float, float]:
    """(offset seconds, peak correlation 0..1) of the mouth signal against audio energy."""
    if len(mouth) < 10 or len(audio) < sample_rate // 4:
        raise InputError("av_offset needs at least 10 frames and 0.25 s of audio")
    env = audio_envelope(audio, sample_rate)
    vid = video_signal(mouth, fps, len(env) / RATE)
    n = min(len(env), len(vid))
    a, v = env[:n] - env[:n].mean(), vid[:n] - vid[:n].mean()
    if a.std() < 1e-9 or v.std() < 1e-9:
        raise InputError("av_offset: audio or mouth signal is constant (nothing said?)")
    a, v = a / a.std(), v / v.std()
    max_lag = int(max_lag_s * RATE)
    lags = np.arange(-max_lag, max_lag + 1)
    corr = np.array([np.dot(a[max(0, -k):n - max(0, k)], v[max(0, k):n - max(0, -k)])
                     / (n - abs(int(k))) for k in lags.tolist()])
    best = int(np.argmax(corr))
    return float(lags[best] / RATE), float(corr[best])


def mouth_track_from_file(path: str, mouth_openness: Callable[[np.ndarray], float]
                          ) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Decode a recording: per-frame ``mouth_openness(image)``, fps, audio, sample rate."""
    import av

    values: list[float] = []
    chunks: list[np.ndarray] = []
    sr, fps = 0, 0.0
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        fps = float(vs.average_rate or vs.guessed_rate or 0)
        for frame in c.decode(*c.streams):
            if isinstance(frame, av.VideoFrame):
                values.append(mouth_openness(frame.to_ndarray(format="rgb24")))
            else:
                chunks.append(frame.to_ndarray().mean(axis=0))
                sr = frame.sample_rate
    return np.array(values), fps, np.concatenate(chunks).astype(np.float32), sr
