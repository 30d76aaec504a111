"""Lip-sync for audio without phoneme timings (a user's WAV): energy + spectral vowels.

Per video frame: loudness opens the mouth; hissy frames (high zero-crossing rate and
spectral centroid) show ``SS``; voiced frames estimate the first two formants by LPC and
pick the nearest vowel shapes (aa, E, ih, oh, ou) softly; quiet voiced frames with little
high-frequency energy (nasals, m) close towards ``nn``/``PP``. Smoothed without lag.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.linalg import solve_toeplitz
from scipy.signal import resample_poly

from vhuman.animation.vocabulary import VISEMES, Viseme
from vhuman.models.types import InputError

log = logging.getLogger(__name__)

_VINDEX = {v: i for i, v in enumerate(VISEMES)}
# (F1, F2) Hz of the vowel shapes, adult average
VOWEL_FORMANTS: dict[Viseme, tuple[float, float]] = {
    Viseme.AA: (750.0, 1250.0),
    Viseme.E: (550.0, 1800.0),
    Viseme.IH: (330.0, 2250.0),
    Viseme.OH: (520.0, 900.0),
    Viseme.OU: (330.0, 800.0),
}
_ANALYSIS_SR = 11025


def formants(frame: np.ndarray, sr: int, order: int = 12) -> tuple[float, float] | None:
    """First two formant frequencies (Hz) of a windowed frame by LPC, or None if unvoiced."""
    x = np.asarray(frame, np.float64)
    if x.size < order * 3 or np.max(np.abs(x)) < 1e-5:
        return None
    x = np.append(x[0], x[1:] - 0.63 * x[:-1]) * np.hamming(x.size)
    r = np.correlate(x, x, mode="full")[x.size - 1 : x.size + order]
    if r[0] <= 0:
        return None
    r[0] *= 1.0 + 1e-6
    try:
        a = solve_toeplitz(r[:order], -r[1 : order + 1])
    except (np.linalg.LinAlgError, ValueError):
        return None
    roots = np.roots(np.concatenate([[1.0], a]))
    roots = roots[np.imag(roots) > 0.01]
    freqs = np.angle(roots) * sr / (2 * np.pi)
    bws = -sr / np.pi * np.log(np.maximum(np.abs(roots), 1e-9))
    keep = (freqs > 200) & (freqs < 4000) & (bws < 500)
    f = np.sort(freqs[keep])
    if f.size < 2:
        return None
    return float(f[0]), float(f[1])


def vowel_weights(f1: float, f2: float, sharpness: float = 0.18) -> dict[Viseme, float]:
    """Soft assignment of a formant pair to the vowel shapes (weights sum to 1)."""
    d = {
        v: (np.log(f1 / p1) ** 2 + np.log(f2 / p2) ** 2) / (2 * sharpness**2)
        for v, (p1, p2) in VOWEL_FORMANTS.items()
    }
    m = min(d.values())
    e = {v: float(np.exp(-(x - m))) for v, x in d.items()}
    s = sum(e.values())
    return {v: x / s for v, x in e.items()}


def audio_viseme_track(
    samples: np.ndarray,
    sample_rate: int,
    *,
    fps: float = 30.0,
    num_frames: int | None = None,
    time_offset: float = 0.0,
) -> np.ndarray:
    """(T, 15) viseme weights estimated from audio alone, frames at ``time_offset + i/fps``."""
    x = np.asarray(samples, np.float32).reshape(-1)
    if sample_rate <= 0:
        raise InputError(f"sample_rate must be positive, got {sample_rate}")
    if not np.all(np.isfinite(x)):
        raise InputError("audio samples contain NaN or inf")
    if num_frames is None:
        num_frames = int(np.ceil(x.size / sample_rate * fps - 1e-9))
    out = np.zeros((num_frames, len(VISEMES)), np.float32)
    out[:, _VINDEX[Viseme.SIL]] = 1.0
    if x.size == 0 or num_frames == 0:
        return out
    g = np.gcd(int(sample_rate), _ANALYSIS_SR)
    y = (
        resample_poly(x, _ANALYSIS_SR // g, int(sample_rate) // g)
        if sample_rate != _ANALYSIS_SR
        else x
    )
    sr = _ANALYSIS_SR
    half = int(0.015 * sr)
    centres = ((time_offset + np.arange(num_frames) / fps) * sr).astype(np.int64)
    rms = np.zeros(num_frames)
    zcr = np.zeros(num_frames)
    cent = np.zeros(num_frames)
    frames: list[np.ndarray] = []
    for i, c in enumerate(centres):
        seg = y[max(0, c - half) : max(0, c + half)]
        frames.append(seg)
        if seg.size < 8:
            continue
        rms[i] = np.sqrt(np.mean(seg.astype(np.float64) ** 2))
        zcr[i] = np.mean(np.abs(np.diff(np.signbit(seg).astype(np.int8))))
        spec = np.abs(np.fft.rfft(seg * np.hanning(seg.size)))
        fr = np.fft.rfftfreq(seg.size, 1.0 / sr)
        cent[i] = float((spec * fr).sum() / max(spec.sum(), 1e-12))
    voiced_rms = rms[rms > 1e-4]
    ref = np.percentile(voiced_rms, 95) if voiced_rms.size else 1.0
    loud = np.clip(rms / max(ref, 1e-4), 0.0, 1.0)
    # voice gate just above the noise floor (clean TTS has digital silence, a user's WAV
    # may hiss): quiet consonants still move the mouth, background noise does not
    floor = float(np.percentile(loud, 10))
    gate = max(0.02, 2.0 * floor + 0.01)
    w = np.zeros((num_frames, len(VISEMES)))
    for i in range(num_frames):
        if loud[i] < gate:
            continue
        if zcr[i] > 0.3 and cent[i] > 2500:
            w[i, _VINDEX[Viseme.SS]] = 0.5 + 0.3 * loud[i]
            continue
        fm = formants(frames[i], sr)
        openness = 0.35 + 0.65 * loud[i]
        if fm is None or cent[i] < 350:
            w[i, _VINDEX[Viseme.NN]] = 0.6 * loud[i] + 0.2
            continue
        for v, p in vowel_weights(*fm).items():
            w[i, _VINDEX[v]] = p * openness
    if num_frames >= 3:
        w[1:-1] = 0.2 * w[:-2] + 0.6 * w[1:-1] + 0.2 * w[2:]
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total > 1.0, w / np.maximum(total, 1e-9), w)
    # the rest shape shows when the voice is quiet, not as a remainder while speaking
    sil = np.clip(1.0 - (loud - 0.5 * gate) / (3.0 * gate), 0.0, 1.0)
    if num_frames >= 3:
        sil[1:-1] = 0.2 * sil[:-2] + 0.6 * sil[1:-1] + 0.2 * sil[2:]
    w[:, _VINDEX[Viseme.SIL]] = np.minimum(sil, np.clip(1.0 - w.sum(axis=1), 0.0, 1.0))
    return w.astype(np.float32)
