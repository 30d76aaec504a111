"""Measure how a voice sounds: median F0, F0 range, speaking rate and loudness.

Used by the benchmark (per-emotion table) and by the tests that check the directions a
listener expects. F0 from librosa's pYIN (voiced frames only); speaking rate from the
chunk's own phoneme alignment (phonemes per second of non-silent time).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from vhuman.models.audio import rms_dbfs
from vhuman.models.tts.phonemes import SILENCE
from vhuman.models.types import AudioChunk


@dataclass(frozen=True)
class VoiceFeatures:
    """Prosodic measurements of some speech."""

    median_f0_hz: float
    f0_range_semitones: float  # p90 - p10 of voiced F0
    rate_phonemes_per_s: float
    rms_dbfs: float  # over non-silent phonemes

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 3) for k, v in asdict(self).items()}


def voiced_f0(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """F0 (Hz) of the voiced frames, by pYIN (60–500 Hz)."""
    import librosa

    frame = 1024 if sample_rate <= 24000 else 2048
    f0, voiced, _ = librosa.pyin(samples.astype(np.float32), fmin=60.0, fmax=500.0,
                                 sr=sample_rate, frame_length=frame)
    return f0[voiced & np.isfinite(f0)]


def measure(chunks: list[AudioChunk]) -> VoiceFeatures:
    """Features of a list of chunks of one voice (pauses are ignored)."""
    f0s, speech, phonemes, speech_seconds = [], [], 0, 0.0
    for chunk in chunks:
        if chunk.samples.size == 0 or not chunk.text:
            continue
        f0s.append(voiced_f0(chunk.samples, chunk.sample_rate))
        for p in chunk.phonemes:
            if p.phoneme != SILENCE:
                phonemes += 1
                speech_seconds += p.duration / chunk.sample_rate
                speech.append(chunk.samples[p.start : p.end])
    f0 = np.concatenate(f0s) if f0s else np.zeros(0)
    if f0.size < 3:
        median, spread = 0.0, 0.0
    else:
        semis = 12.0 * np.log2(f0)
        median = float(np.median(f0))
        spread = float(np.percentile(semis, 90) - np.percentile(semis, 10))
    level = rms_dbfs(np.concatenate(speech)) if speech else -120.0
    rate = phonemes / speech_seconds if speech_seconds > 0 else 0.0
    return VoiceFeatures(median, spread, rate, level)
