"""Measuring sung audio against its score: pitch, vowel timing, recognised words.

All measures look at the *output audio* with independent tools (pYIN from librosa for
F0, short-time energy for vowel onsets, PocketSphinx for words), never at the singer's
own plan, so they catch what a listener would hear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vhuman.models.sing.score import ScoreNote, hz_to_midi

HOP = 256


@dataclass(frozen=True)
class PitchReport:
    """Sung F0 against the score over the notes' voiced frames."""

    voiced_frames: int
    within_50_cents: float  # share of voiced frames within +-50 cents of the score
    within_50_cents_steady: float  # the same, leaving out 60 ms after each note change
    median_note_error_cents: float  # median over notes of |median cents error in the note|
    p90_note_error_cents: float
    notes: int


def track_f0(samples: np.ndarray, sr: int, fmin: float = 65.0, fmax: float = 700.0
             ) -> tuple[np.ndarray, np.ndarray]:
    """(times, F0 Hz with NaN where unvoiced) by pYIN."""
    import librosa

    y = np.asarray(samples, np.float32)
    f0, voiced, _ = librosa.pyin(y, fmin=fmin, fmax=fmax, sr=sr, frame_length=1024,
                                 hop_length=HOP)
    f0 = np.where(voiced, f0, np.nan)
    return librosa.times_like(f0, sr=sr, hop_length=HOP), f0


def pitch_report(notes: Sequence[ScoreNote], offset: float, times: np.ndarray,
                 f0: np.ndarray, settle: float = 0.06) -> PitchReport:
    """Compare tracked ``f0`` (NaN unvoiced) with the sung ``notes`` (shifted by ``offset``)."""
    errors, steady, per_note = [], [], []
    prev_end = None
    for n in notes:
        if n.midi is None:
            prev_end = None
            continue
        a, b = n.start + offset, n.end + offset
        sel = (times >= a) & (times < b) & np.isfinite(f0)
        cents = 100.0 * (np.asarray(hz_to_midi(f0[sel])) - n.midi)
        errors.append(cents)
        legato = prev_end is not None and abs(prev_end - n.start) < 1e-3
        keep = times[sel] >= a + (settle if legato else 0.0)
        steady.append(cents[keep])
        if cents.size:
            per_note.append(abs(float(np.median(cents))))
        prev_end = n.end
    allc = np.concatenate(errors) if errors else np.zeros(0)
    st = np.concatenate(steady) if steady else np.zeros(0)
    return PitchReport(
        voiced_frames=int(allc.size),
        within_50_cents=float(np.mean(np.abs(allc) <= 50)) if allc.size else 0.0,
        within_50_cents_steady=float(np.mean(np.abs(st) <= 50)) if st.size else 0.0,
        median_note_error_cents=float(np.median(per_note)) if per_note else float("nan"),
        p90_note_error_cents=float(np.percentile(per_note, 90)) if per_note else float("nan"),
        notes=len(per_note),
    )


def vowel_onsets(samples: np.ndarray, sr: int, note_onsets: Sequence[float],
                 window: float = 0.15) -> list[float | None]:
    """Per note onset: when the vowel starts near it (s), found in the audio alone.

    The reference is the held vowel's loudness (10 ms RMS, median over onset + 40..140
    ms). Before the onset the consonant makes a dip (the quietest point within
    ``window`` s before it, up to 20 ms after); the vowel starts at the first frame after
    that dip reaching 60 % of the reference. None where there is no dip below 60 % (a
    consonant the voice runs through) or no vowel loud enough to measure.
    """
    y = np.asarray(samples, np.float64)
    win = max(1, int(0.01 * sr))
    step = max(1, int(0.0025 * sr))
    csum = np.concatenate([[0.0], np.cumsum(y * y)])

    def rms(starts: np.ndarray) -> np.ndarray:
        return np.sqrt((csum[starts + win] - csum[starts]) / win)

    out: list[float | None] = []
    for t in note_onsets:
        ref_starts = np.arange(int((t + 0.04) * sr), int((t + 0.14) * sr), step)
        if ref_starts.size == 0 or ref_starts[-1] + win >= y.size or t - window < 0:
            out.append(None)
            continue
        ref = float(np.median(rms(ref_starts)))
        starts = np.arange(int((t - window) * sr), int((t + 0.1) * sr), step)
        level = rms(starts)
        dip_zone = starts <= int((t + 0.02) * sr)
        dip = int(np.argmin(np.where(dip_zone, level, np.inf)))
        if ref < 1e-3 or level[dip] >= 0.6 * ref:
            out.append(None)
            continue
        hit = np.nonzero(level[dip:] >= 0.6 * ref)[0]
        out.append(float((starts[dip + hit[0]] + win / 2) / sr) if hit.size else None)
    return out


_WORD = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference length."""
    ref, hyp = words(reference), words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)


def recognise(samples: np.ndarray, sr: int) -> str:
    """Words recognised by PocketSphinx's packaged US-English model (offline)."""
    import librosa
    from pocketsphinx import Decoder

    y = librosa.resample(np.asarray(samples, np.float32), orig_sr=sr, target_sr=16000)
    pcm = (np.clip(y, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    decoder = Decoder(samprate=16000, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def align_words(samples: np.ndarray, sr: int, text: str) -> list[tuple[str, float, float]]:
    """Force-align ``text`` to the audio with PocketSphinx: (word, start s, end s) per
    word it placed (silences left out)."""
    import librosa
    from pocketsphinx import Decoder

    y = librosa.resample(np.asarray(samples, np.float32), orig_sr=sr, target_sr=16000)
    pcm = (np.clip(y, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    decoder = Decoder(samprate=16000, loglevel="FATAL")
    decoder.set_align_text(" ".join(words(text)))
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    out: list[tuple[str, float, float]] = []
    for seg in decoder.seg() or []:
        word = re.sub(r"\(\d+\)$", "", seg.word)
        if word.startswith("<") or word.startswith("["):
            continue
        out.append((word, seg.start_frame / 100.0, (seg.end_frame + 1) / 100.0))
    return out
