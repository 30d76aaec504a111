"""Motion for a sung song: lip-sync from the sung phonemes, face, and a dance on the
score's own beat grid.

The singer's chunk goes through the same :func:`animation.performance.perform` as speech
(its phoneme timings are the sung ones, so vowels hold the mouth open through long
notes and rests close it). The body dances to the score's beats, which are exact, not
tracked: a :class:`~animation.dance.music.MusicAnalysis` is built from them, with the
loudness of the mix (voice + backing) as energy and the song's phrases as sections.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from vhuman.animation.clip import MotionClip
from vhuman.animation.dance.music import MusicAnalysis
from vhuman.animation.expression import EmotionTimeline
from vhuman.models.types import AudioChunk, Emotion, InputError

log = logging.getLogger(__name__)

DANCE_STYLES = ("sway", "dance", "still")
"""``sway``: gentle moves (sway, bounce, arm waves) at low energy; ``dance``: the full
choreography following the music's energy; ``still``: idle life only."""
_SWAY_CAP = 0.42  # energy ceiling that keeps the choreographer on gentle moves
HOP = 512


def score_analysis(beats: np.ndarray, beats_per_bar: int, downbeat_phase: int,
                   audio: np.ndarray, sr: int, *, sections: Sequence[float] = (0.0,),
                   style: str = "sway", finale: bool = False) -> MusicAnalysis:
    """A MusicAnalysis on known beats, with ``audio``'s loudness as energy.

    ``style`` scales the energy so the choreographer picks moves to match (see
    :data:`DANCE_STYLES`); ``finale`` lifts the last section to full energy.
    """
    import librosa

    if style not in DANCE_STYLES:
        raise InputError(f"unknown dance style {style!r}; expected one of {', '.join(DANCE_STYLES)}")
    y = np.asarray(audio, np.float32).reshape(-1)
    duration = y.size / float(sr)
    if y.size < HOP * 2:
        raise InputError("song audio is too short to dance to")
    beats = np.asarray(beats, np.float64)
    if beats.size < 2:
        raise InputError("a beat grid needs at least two beats")
    onset = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP)
    times = librosa.times_like(onset, sr=sr, hop_length=HOP)
    rms = librosa.feature.rms(y=y, hop_length=HOP)[0][: onset.size]
    smooth = np.convolve(rms, np.ones(41) / 41, mode="same")
    energy = np.clip(smooth / max(float(np.percentile(smooth, 95)), 1e-9), 0.0, 1.0)
    if style == "sway":
        energy = 0.15 + (_SWAY_CAP - 0.15) * energy
    else:
        energy = 0.35 + 0.65 * energy
    secs = sorted({0.0, *[float(s) for s in sections if 0.0 <= s < duration]})
    if finale and len(secs) > 1:
        energy = np.where(times >= secs[-1], np.maximum(energy, 0.85), energy)
    tempo = 60.0 / float(np.median(np.diff(beats)))
    return MusicAnalysis(duration=duration, tempo=tempo, beats=beats,
                         downbeat_phase=int(downbeat_phase) % max(beats_per_bar, 1),
                         frame_times=times, onset=np.clip(onset / max(onset.max(), 1e-9), 0, 1),
                         energy=energy, sections=secs, beats_per_bar=beats_per_bar)


def section_starts(phrase_starts: Sequence[float], downbeats: np.ndarray,
                   min_bars: int = 4) -> list[float]:
    """Sections: downbeats nearest to phrase starts, at least ``min_bars`` bars apart."""
    out = [0.0]
    if downbeats.size < 2:
        return out
    bar = float(np.median(np.diff(downbeats)))
    for t in phrase_starts:
        d = float(downbeats[int(np.argmin(np.abs(downbeats - t)))])
        if d - out[-1] >= min_bars * bar - 1e-6:
            out.append(d)
    return out


def sing_motion(vocal: AudioChunk, *, beats: np.ndarray, beats_per_bar: int = 4,
                downbeat_phase: int = 0, mix: np.ndarray | None = None,
                phrase_starts: Sequence[float] = (), fps: float = 30.0,
                emotion: Emotion | str | EmotionTimeline = Emotion.HAPPY,
                intensity: float = 0.6, style: str = "sway", finale: bool = False,
                seed: int = 0) -> MotionClip:
    """The whole performance of a sung song: lip-sync, expression, idle and dance.

    ``mix`` (same rate as ``vocal``, may be longer: an outro) drives the dance energy and
    the clip's length; without it the voice alone does.
    """
    from vhuman.animation.dance.choreography import choreograph
    from vhuman.animation.performance import perform

    audio = np.asarray(vocal.samples if mix is None else mix, np.float32)
    duration = max(audio.size, len(vocal.samples)) / float(vocal.sample_rate)
    body = None
    if style != "still":
        downbeats = np.asarray(beats)[int(downbeat_phase) % max(beats_per_bar, 1)::beats_per_bar]
        sections = section_starts(phrase_starts, downbeats)
        analysis = score_analysis(beats, beats_per_bar, downbeat_phase, audio,
                                  vocal.sample_rate, sections=sections, style=style,
                                  finale=finale)
        body = choreograph(analysis, fps=fps, seed=seed)
    gestures = []
    if finale and duration > 2.0:
        gestures.append((max(0.0, duration - 1.2), "wave"))
    return perform([vocal], fps=fps, emotion=emotion, intensity=intensity, seed=seed,
                   duration=duration, dance=body, gestures=gestures)


def mouth_vowel_agreement(track: np.ndarray, vowel_spans: Sequence[tuple[float, float]],
                          fps: float, *, threshold: float = 0.5, search: int = 4) -> dict:
    """How well the mouth-open track matches the sung vowels, in frames.

    ``track`` (T, 15) viseme weights (frame ``i`` at ``(i + FRAME_PHASE) / fps``);
    ``vowel_spans`` (start, end) seconds of each sung vowel. The mouth counts as open
    where the vowel visemes sum to ``threshold`` or more. For each vowel, the open run
    that covers its middle frame is found, and its first and last frames are compared
    with the vowel's first and last frames. Boundaries where the mouth does not close
    between two vowels (a weak consonant between them) have no edge to measure and are
    counted apart as ``carried``.
    """
    from vhuman.animation.lipsync import FRAME_PHASE
    from vhuman.animation.phonemes import VOWELS
    from vhuman.animation.vocabulary import VISEMES

    cols = [VISEMES.index(v) for v in VOWELS]
    is_open = track[:, cols].sum(axis=1) >= threshold
    n = is_open.size
    errors: list[int] = []
    carried = 0
    for a, b in vowel_spans:
        first = int(np.ceil(a * fps - FRAME_PHASE - 1e-9))
        last = int(np.ceil(b * fps - FRAME_PHASE - 1e-9)) - 1
        if last - first < 2 or first < 0 or last >= n:
            continue
        mid = (first + last) // 2
        if not is_open[mid]:
            errors += [search + 1, search + 1]  # the vowel never opened the mouth
            continue
        lo = mid
        while lo > 0 and is_open[lo - 1] and lo > first - search:
            lo -= 1
        hi = mid
        while hi < n - 1 and is_open[hi + 1] and hi < last + search:
            hi += 1
        for edge, expected in ((lo, first), (hi, last)):
            if abs(edge - expected) >= search:
                carried += 1
            else:
                errors.append(abs(edge - expected))
    e = np.asarray(errors, np.float64)
    return {
        "vowels": len(vowel_spans),
        "edges_measured": int(e.size),
        "edges_carried": carried,
        "within_one_frame": float(np.mean(e <= 1)) if e.size else 0.0,
        "mean_frames": float(e.mean()) if e.size else float("nan"),
        "p90_frames": float(np.percentile(e, 90)) if e.size else float("nan"),
    }
