"""The sung pitch contour: the score's notes with a singer's portamento, overshoot,
vibrato and jitter, sampled on the analysis frame grid.

Everything is in cents around the score so the pitch stays where the score puts it:
glides between notes take ``glide`` seconds centred a little before the note onset
(singers arrive on the beat, they do not start leaving the old note on it); a small
overshoot decays after the glide; vibrato (5-6.5 Hz, tens of cents) fades in only after
``vibrato_delay`` seconds into a held note, so short notes stay straight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vhuman.models.sing.score import ScoreNote, midi_to_hz


@dataclass(frozen=True)
class SingingStyle:
    """Ornaments of the sung line (cents, Hz, seconds); see :func:`style_for_emotion`."""

    vibrato_rate: float = 5.6
    vibrato_depth: float = 30.0  # cents, half the peak-to-peak swing
    vibrato_delay: float = 0.28  # s into a held note before vibrato starts
    vibrato_fade: float = 0.3  # s to reach full depth
    glide: float = 0.07  # s of portamento between notes
    glide_lead: float = 0.7  # fraction of the glide before the onset
    overshoot: float = 0.12  # of the interval, capped at 25 cents
    jitter: float = 4.0  # cents of slow random drift
    formant_boost_db: float = 4.0  # singer's formant (~3 kHz) lift on voiced frames
    breathiness: float = 0.0  # 0..1 extra aperiodicity
    level_db: float = -18.0  # loudness of the sung line (RMS dBFS)


def style_for_emotion(emotion: str, intensity: float = 0.6) -> SingingStyle:
    """A singing style for an emotion: brighter, faster vibrato when happy or excited,
    slower, softer and breathier when sad or calm."""
    k = float(np.clip(intensity, 0.0, 1.0))
    e = str(getattr(emotion, "value", emotion)).lower()
    if e in ("happy", "excited", "surprised"):
        return SingingStyle(vibrato_rate=5.8 + 0.5 * k, vibrato_depth=30 + 12 * k,
                            formant_boost_db=4 + 3 * k, level_db=-17.0 + 2 * k,
                            glide=0.06)
    if e in ("sad",):
        return SingingStyle(vibrato_rate=5.2, vibrato_depth=25 + 10 * k, glide=0.09,
                            formant_boost_db=2.0, breathiness=0.25 * k, level_db=-20.0)
    if e in ("calm",):
        return SingingStyle(vibrato_rate=5.3, vibrato_depth=22.0, glide=0.08,
                            formant_boost_db=2.5, breathiness=0.15 * k, level_db=-19.0)
    if e in ("angry",):
        return SingingStyle(vibrato_rate=6.2, vibrato_depth=35.0, glide=0.05,
                            formant_boost_db=6.0, level_db=-16.0)
    return SingingStyle()


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def score_pitch(notes: Sequence[ScoreNote], times: np.ndarray) -> np.ndarray:
    """(F,) the score's MIDI pitch at ``times``; rests hold the nearest sung note
    (the next one before it starts, so onset consonants already aim at it)."""
    sung = [n for n in notes if n.midi is not None]
    out = np.full(times.shape, np.nan)
    if not sung:
        return out
    starts = np.array([n.start for n in sung])
    midi = np.array([n.midi for n in sung], np.float64)
    k = np.searchsorted(starts, times, side="right") - 1
    inside = k >= 0
    out[inside] = midi[k[inside]]
    ends = np.array([n.end for n in sung])
    after_end = inside & (times >= ends[np.clip(k, 0, None)])
    nxt = np.clip(k + 1, 0, len(sung) - 1)
    out[after_end] = midi[nxt[after_end]]
    out[~inside] = midi[0]
    return out


def melody_contour(notes: Sequence[ScoreNote], times: np.ndarray,
                   style: SingingStyle | None = None, seed: int = 0) -> np.ndarray:
    """(F,) sung F0 in Hz at ``times`` (s) for the vocal line ``notes``."""
    style = style or SingingStyle()
    rng = np.random.default_rng(seed)
    times = np.asarray(times, np.float64)
    sung = [n for n in notes if n.midi is not None]
    cents = np.zeros(times.shape)
    if not sung:
        return np.zeros(times.shape)
    base = float(sung[0].midi)  # type: ignore[arg-type]
    cents += (base - 0.0) * 100.0
    prev: ScoreNote | None = None
    for n in sung:
        assert n.midi is not None
        if prev is None:
            prev = n
            continue
        step = (n.midi - prev.midi) * 100.0  # type: ignore[operator]
        connected = n.start - prev.end < 1e-3  # legato: glide; after a rest: jump
        if connected:
            glide = min(style.glide, 0.4 * prev.duration, 0.4 * n.duration)
            t0 = n.start - style.glide_lead * glide
            cents += step * _smoothstep((times - t0) / max(glide, 1e-3))
            if abs(step) > 1e-6 and style.overshoot > 0:
                amp = np.sign(step) * min(abs(step) * style.overshoot, 25.0)
                dt = times - (t0 + glide)
                bump = np.where(dt > 0, amp * np.sin(np.pi * np.clip(dt / 0.12, 0, 1))
                                * np.exp(-dt / 0.06), 0.0)
                cents += np.where(times < n.end, bump, 0.0)
        else:
            cents += step * (times >= n.start - 0.06)  # re-attack: consonants aim at it
        prev = n
    # vibrato per held stretch: a run of connected notes of one syllable counts as one
    vib = np.zeros(times.shape)
    for n in sung:
        if n.duration <= style.vibrato_delay + 0.1:
            continue
        rate = style.vibrato_rate * (1.0 + 0.04 * rng.standard_normal())
        phase = rng.uniform(0, 2 * np.pi)
        local = times - n.start
        env = _smoothstep((local - style.vibrato_delay) / max(style.vibrato_fade, 1e-3))
        env *= 1.0 - _smoothstep((local - (n.duration - 0.05)) / 0.05)  # settle at the end
        inside = (local >= 0) & (local < n.duration)
        vib += np.where(inside, style.vibrato_depth * env
                        * np.sin(2 * np.pi * rate * local + phase), 0.0)
    jitter = np.zeros(times.shape)
    if style.jitter > 0 and times.size > 4:
        noise = rng.standard_normal(times.size)
        frame_s = float(np.median(np.diff(times))) if times.size > 1 else 0.005
        width = max(1, int(0.08 / max(frame_s, 1e-4)))
        kernel = np.hanning(2 * width + 1)
        smooth = np.convolve(noise, kernel / kernel.sum(), mode="same")
        jitter = style.jitter * smooth / max(float(np.std(smooth)), 1e-9)
    return midi_to_hz((cents + vib + jitter) / 100.0)  # type: ignore[return-value]
