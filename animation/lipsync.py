"""Lip-sync: phoneme timings -> per-frame viseme weights, with coarticulation.

Each phoneme becomes a :class:`VisemeSegment`; segments cross-fade into their neighbours
around their boundaries (a little ahead of the sound, as lips anticipate it), tongue-only
consonants borrow the lip shape of the nearest vowel, p/b/m and f/v hold a closure at their
midpoint for at least a frame and suppress everything else, vowels open with the audio
energy. The result is smoothed with a zero-phase filter so the mouth neither flickers nor
lags. Columns follow ``vhuman.animation.vocabulary.VISEMES``.

Frame ``i`` shows the mouth at ``(i + phase) / fps``, by default the *middle* of the time
the frame is on screen (``FRAME_PHASE = 0.5``): a frame is displayed from ``i / fps`` to
``(i + 1) / fps``, so sampling its start would make every mouth movement appear on
average half a frame (17 ms at 30 fps) after its sound. Measured on the built-in host
(mouth opening from rendered pixels vs audio energy, ``stage.live.sync``): +22 ms with
frame-start sampling, +5 ms sampled mid-frame.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vhuman.animation.phonemes import (
    CLOSURES,
    STRENGTH,
    VOWELS,
    fold_phonemes,
    ipa_to_visemes,
    is_bilabial,
    is_pause,
)
from vhuman.animation.vocabulary import VISEMES, Viseme
from vhuman.models.types import AudioChunk, InputError, PhonemeTiming

log = logging.getLogger(__name__)

NUM_VISEMES = len(VISEMES)
_VINDEX = {v: i for i, v in enumerate(VISEMES)}
FRAME_PHASE = 0.5
"""Where within its display interval a frame samples the mouth (0 = start, 0.5 = middle)."""
_WEAK = frozenset({Viseme.DD, Viseme.KK, Viseme.NN, Viseme.SS, Viseme.RR, Viseme.TH})


@dataclass(frozen=True)
class VisemeSegment:
    """One mouth target over ``[start, end)`` seconds (absolute time of the clip)."""

    start: float
    end: float
    viseme: Viseme
    strength: float = 1.0
    carry: Viseme | None = None  # neighbouring vowel shown through a weak consonant
    carry_weight: float = 0.0
    phoneme: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start


def segments_from_timings(
    timings: Sequence[PhonemeTiming], sample_rate: int, offset: float = 0.0
) -> list[VisemeSegment]:
    """Viseme segments of one chunk's phoneme timings (samples) starting at ``offset`` s."""
    if sample_rate <= 0:
        raise InputError(f"sample_rate must be positive, got {sample_rate}")
    raw: list[tuple[float, float, Viseme | None, str]] = []
    for p in fold_phonemes(timings):
        if p.duration < 0 or p.start < 0:
            raise InputError(f"phoneme {p.phoneme!r} has negative start/duration")
        t0 = offset + p.start / sample_rate
        dur = p.duration / sample_rate
        parts = ipa_to_visemes(p.phoneme)
        if not parts:  # transparent (h, glottal stop): resolved below
            raw.append((t0, t0 + dur, None, p.phoneme))
            continue
        acc = t0
        for vis, frac in parts:
            raw.append((acc, acc + dur * frac, vis, p.phoneme))
            acc += dur * frac
    vowels = [(i, r) for i, r in enumerate(raw) if r[2] in VOWELS]

    def nearest_vowel(i: int, t0: float, t1: float) -> Viseme | None:
        after = [r for j, r in vowels if j > i and r[0] - t1 < 0.25]
        if after:
            return after[0][2]
        before = [r for j, r in vowels if j < i and t0 - r[1] < 0.25]
        return before[-1][2] if before else None

    out: list[VisemeSegment] = []
    for i, (t0, t1, maybe_vis, ph) in enumerate(raw):
        if maybe_vis is None:
            near = nearest_vowel(i, t0, t1)
            out.append(VisemeSegment(t0, t1, near or Viseme.SIL, 0.45 if near else 1.0, phoneme=ph))
        elif maybe_vis in _WEAK:
            near = nearest_vowel(i, t0, t1)
            out.append(
                VisemeSegment(
                    t0, t1, maybe_vis, STRENGTH[maybe_vis], near, 0.35 if near else 0.0, ph
                )
            )
        else:
            out.append(VisemeSegment(t0, t1, maybe_vis, STRENGTH[maybe_vis], phoneme=ph))
    return out


def energy_envelope(
    samples: np.ndarray, sample_rate: int, fps: float, num_frames: int, phase: float = FRAME_PHASE
) -> np.ndarray:
    """(T,) speech loudness per video frame in 0..1 (RMS over 1.5 frames, centred on each
    frame's sample time ``(i + phase) / fps``)."""
    x = np.asarray(samples, np.float64).reshape(-1)
    if x.size == 0 or num_frames == 0:
        return np.zeros(num_frames, np.float32)
    half = max(1, int(0.75 * sample_rate / fps))
    csum = np.concatenate([[0.0], np.cumsum(x * x)])
    centres = ((np.arange(num_frames) + phase) / fps * sample_rate).astype(np.int64)
    lo = np.clip(centres - half, 0, x.size)
    hi = np.clip(centres + half, 0, x.size)
    rms = np.sqrt(np.maximum(csum[hi] - csum[lo], 0.0) / np.maximum(hi - lo, 1))
    voiced = rms[rms > 1e-4]
    ref = np.percentile(voiced, 95) if voiced.size else 1.0
    return np.clip(rms / max(ref, 1e-4), 0.0, 1.0).astype(np.float32)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def viseme_track(
    segments: Sequence[VisemeSegment],
    *,
    fps: float,
    num_frames: int,
    energy: np.ndarray | None = None,
    lead: float = 0.012,
    blend: float = 0.04,
    phase: float = FRAME_PHASE,
) -> np.ndarray:
    """(T, 15) viseme weights at frame times ``(i + phase) / fps`` from ``segments``.

    ``lead`` (s) moves every transition earlier (anticipation); ``blend`` (s) is the
    largest half-width of a cross-fade; ``energy`` (T,) in 0..1 scales vowel openness.
    """
    t = (np.arange(num_frames, dtype=np.float64) + phase) / fps
    w = np.zeros((num_frames, NUM_VISEMES), np.float64)
    closure = np.zeros(num_frames, np.float64)
    coverage = np.zeros(num_frames, np.float64)  # how much some segment owns each frame
    segs = sorted(segments, key=lambda s: s.start)
    jaw = np.ones(num_frames) if energy is None else 0.6 + 0.4 * np.asarray(energy, np.float64)
    for k, s in enumerate(segs):
        if s.duration <= 0:
            continue
        prev_d = segs[k - 1].duration if k > 0 else blend * 2
        next_d = segs[k + 1].duration if k + 1 < len(segs) else blend * 2
        h_in = max(min(blend, 0.5 * prev_d, 0.5 * s.duration), 1e-3)
        h_out = max(min(blend, 0.5 * next_d, 0.5 * s.duration), 1e-3)
        a, b = s.start - lead, s.end - lead
        i0 = max(0, int(np.floor((a - h_in) * fps - phase)))
        i1 = min(num_frames, int(np.ceil((b + h_out) * fps - phase)) + 1)
        if i1 <= i0:
            continue
        tt = t[i0:i1]
        env = _smoothstep((tt - (a - h_in)) / (2 * h_in)) * (
            1.0 - _smoothstep((tt - (b - h_out)) / (2 * h_out))
        )
        if s.viseme in CLOSURES:  # hold the closure at the midpoint for at least a frame
            mid = 0.5 * (s.start + s.end)
            hold = max(0.6 / fps, 0.35 * s.duration)
            env = np.maximum(env, (np.abs(tt - mid) <= hold).astype(np.float64))
            closure[i0:i1] = np.maximum(closure[i0:i1], env)
        coverage[i0:i1] += env
        gain = s.strength * (jaw[i0:i1] if s.viseme in VOWELS else 1.0)
        w[i0:i1, _VINDEX[s.viseme]] += env * gain
        if s.carry is not None and s.carry_weight > 0:
            w[i0:i1, _VINDEX[s.carry]] += env * s.carry_weight * jaw[i0:i1]
    # closures win: suppress everything else while the lips are shut
    cols = [_VINDEX[v] for v in CLOSURES]
    own = w[:, cols].copy()
    w *= (1.0 - 0.9 * closure)[:, None]
    w[:, cols] = own
    raw = w.copy()
    if num_frames >= 3:  # zero-phase smoothing: no lag, no flicker
        w[1:-1] = 0.15 * raw[:-2] + 0.7 * raw[1:-1] + 0.15 * raw[2:]
        held = closure >= 0.99
        w[held] = raw[held]
    # silence shows in pauses and wherever no phoneme covers the frame, never mid-word
    sil = _VINDEX[Viseme.SIL]
    w[:, sil] = np.clip(w[:, sil] + 1.0 - np.clip(coverage, 0.0, 1.0), 0.0, 1.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total > 1.0, w / np.maximum(total, 1e-9), w)
    return np.clip(w, 0.0, 1.0).astype(np.float32)


def lipsync(
    chunks: Sequence[AudioChunk],
    *,
    fps: float = 30.0,
    num_frames: int | None = None,
    phase: float = FRAME_PHASE,
) -> np.ndarray:
    """(T, 15) viseme weights for consecutive audio chunks (chunk k starts where k-1 ended),
    frame ``i`` at ``(i + phase) / fps`` (see the module doc).

    Chunks with phoneme timings are timed from them; chunks without fall back to the
    audio-only estimator (:mod:`animation.audio_visemes`).
    """
    from vhuman.animation.audio_visemes import audio_viseme_track

    total = sum(c.duration for c in chunks)
    if num_frames is None:
        num_frames = int(np.ceil(total * fps - 1e-9))
    segments: list[VisemeSegment] = []
    fallback: list[tuple[float, AudioChunk]] = []
    audio_parts = []
    offset = 0.0
    sr = chunks[0].sample_rate if chunks else 22050
    for k, c in enumerate(chunks):
        if c.sample_rate != sr:
            raise InputError(f"chunk {k} has sample_rate {c.sample_rate}, expected {sr}")
        if not np.all(np.isfinite(np.asarray(c.samples, np.float32))):
            raise InputError(f"chunk {k} ({c.text[:30]!r}) audio contains NaN or inf")
        if c.phonemes:
            segments += segments_from_timings(c.phonemes, c.sample_rate, offset)
        elif len(c.samples):
            fallback.append((offset, c))
        audio_parts.append(np.asarray(c.samples, np.float32).reshape(-1))
        offset += c.duration
    audio = np.concatenate(audio_parts) if audio_parts else np.zeros(0, np.float32)
    energy = energy_envelope(audio, sr, fps, num_frames, phase)
    track = viseme_track(segments, fps=fps, num_frames=num_frames, energy=energy, phase=phase)
    for start, c in fallback:
        i0 = max(0, int(np.ceil(start * fps - phase - 1e-9)))
        n = min(int(np.ceil(c.duration * fps)), num_frames - i0)
        if n > 0:
            sub = audio_viseme_track(
                c.samples,
                c.sample_rate,
                fps=fps,
                num_frames=n,
                time_offset=(i0 + phase) / fps - start,
            )
            track[i0 : i0 + n] = sub
    return track


# -- evaluation ---------------------------------------------------------------------------


def onset_errors(
    track: np.ndarray,
    segments: Sequence[VisemeSegment],
    fps: float,
    phase: float = FRAME_PHASE,
) -> np.ndarray:
    """Per viseme change: |sample time of the first frame the new viseme dominates − its
    phoneme onset| (frames; frame ``i`` samples ``(i + phase) / fps``).

    Segments shorter than a frame are skipped (they need not own a frame); a viseme that
    never dominates within its segment counts with the segment's length in frames.
    """
    errs = []
    prev: Viseme | None = None
    last_end: dict[Viseme, float] = {}
    for s in sorted(segments, key=lambda s: s.start):
        earlier_end = last_end.get(s.viseme, -1.0)
        last_end[s.viseme] = s.end
        if (
            s.viseme == prev
            or s.duration * fps < 1.0
            or s.viseme == Viseme.SIL
            or is_pause(s.phoneme)
        ):
            prev = s.viseme
            continue
        prev = s.viseme
        col = _VINDEX[s.viseme]
        # search from 2 frames early, but not inside an earlier segment of the same viseme
        f0 = max(
            0,
            int(np.floor(s.start * fps - phase)) - 2,
            int(np.ceil(earlier_end * fps - phase)),
        )
        f1 = min(track.shape[0], int(np.ceil(s.end * fps - phase)) + 1)
        dom = np.nonzero(np.argmax(track[f0:f1], axis=1) == col)[0]
        if dom.size:
            errs.append(abs((f0 + dom[0] + phase) - s.start * fps))
        else:
            errs.append(s.duration * fps)
    return np.asarray(errs, np.float64)


def bilabial_closed(
    track: np.ndarray,
    timings: Sequence[PhonemeTiming],
    sample_rate: int,
    fps: float,
    offset: float = 0.0,
    phase: float = FRAME_PHASE,
) -> list[bool]:
    """For each p/b/m: is the mouth closed at its midpoint frame (the frame whose sample
    time ``(i + phase) / fps`` is nearest)?

    Closed = ``PP`` is the dominant viseme and the open vowels (aa, E, ih, oh, ou) total
    less than 0.3 at the frame nearest the phoneme's midpoint.
    """
    pp = _VINDEX[Viseme.PP]
    open_cols = [_VINDEX[v] for v in VOWELS]
    out = []
    for p in fold_phonemes(timings):
        if not is_bilabial(p.phoneme):
            continue
        mid = offset + (p.start + 0.5 * p.duration) / sample_rate
        f = min(max(int(round(mid * fps - phase)), 0), track.shape[0] - 1)
        row = track[f]
        out.append(bool(np.argmax(row) == pp and row[open_cols].sum() < 0.3))
    return out
