"""Emotion → prosody: what each emotion does to tempo, pitch, pitch range, energy, timbre.

Values are for intensity 1.0 and scale linearly from neutral with ``SpeakingStyle.intensity``;
the style's ``rate``, ``pitch`` and ``volume`` multipliers apply on top. Directions follow
what listeners expect (and what ``bench/bench_tts.py`` measures): excited and happy speak
higher, with a wider melody and more energy; sad is slower, lower, flatter and quieter;
angry is louder and brighter; calm is a little slower, lower and softer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from vhuman.models.types import Emotion, SpeakingStyle


@dataclass(frozen=True)
class Prosody:
    """Target prosody of one utterance, relative to the voice's neutral delivery."""

    tempo: float = 1.0  # speaking-rate multiplier (> 1 faster)
    pitch_semitones: float = 0.0  # mean F0 shift
    pitch_range: float = 1.0  # F0 excursion multiplier around the median
    energy_db: float = 0.0  # loudness change
    brightness_db: float = 0.0  # level change of the band above ~1.5 kHz
    expressiveness: float = 1.0  # neural-voice variability (Piper/VITS noise scales)

    def without(self, names: frozenset[str]) -> Prosody:
        """A copy with ``names`` reset to neutral (those a backend already did natively)."""
        neutral = Prosody()
        return Prosody(**{
            f.name: getattr(neutral if f.name in names else self, f.name) for f in fields(self)
        })


EMOTION_PROSODY: dict[Emotion, Prosody] = {
    Emotion.NEUTRAL: Prosody(),
    Emotion.HAPPY: Prosody(1.06, 2.5, 1.35, 2.0, 2.0, 1.15),
    Emotion.EXCITED: Prosody(1.15, 4.0, 1.6, 4.0, 3.0, 1.25),
    Emotion.SAD: Prosody(0.8, -2.5, 0.6, -6.0, -4.0, 0.8),
    Emotion.ANGRY: Prosody(1.08, 1.0, 1.25, 6.0, 4.0, 1.1),
    Emotion.SURPRISED: Prosody(1.0, 3.5, 1.7, 2.5, 1.5, 1.2),
    Emotion.CALM: Prosody(0.9, -1.0, 0.8, -3.0, -2.0, 0.9),
}


def _lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


def prosody_for(style: SpeakingStyle) -> Prosody:
    """The prosody a style asks for: emotion scaled by intensity, then the style multipliers."""
    target = EMOTION_PROSODY[style.emotion]
    t = style.intensity
    return Prosody(
        tempo=_lerp(1.0, target.tempo, t) * style.rate,
        pitch_semitones=_lerp(0.0, target.pitch_semitones, t) + 12.0 * math.log2(style.pitch),
        pitch_range=_lerp(1.0, target.pitch_range, t),
        energy_db=_lerp(0.0, target.energy_db, t) + 20.0 * math.log10(style.volume),
        brightness_db=_lerp(0.0, target.brightness_db, t),
        expressiveness=_lerp(1.0, target.expressiveness, t),
    )
