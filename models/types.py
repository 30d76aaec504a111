"""Small shared types: emotions, speaking styles, phoneme timings, audio chunks, errors.

Every package imports these from here (``vhuman.models.types``) so that the voice, the
motion and the renderer agree on them; the face and body vocabulary (visemes, expression
shapes, humanoid bones) is :mod:`vhuman.animation.vocabulary`. Plain dataclasses and enums, no heavy imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
"""A float32 numpy array; shapes are given in docstrings."""


class VhumanError(Exception):
    """Base of every error the engine raises on purpose (bad input, missing model...)."""


class InputError(VhumanError, ValueError):
    """The caller gave something unusable: the message names the field, file or line."""


class Emotion(str, Enum):
    """The emotions the character can show and voice (one state for voice, face, body)."""

    NEUTRAL = "neutral"
    HAPPY = "happy"
    EXCITED = "excited"
    SAD = "sad"
    ANGRY = "angry"
    SURPRISED = "surprised"
    CALM = "calm"

    @classmethod
    def parse(cls, value: str | Emotion) -> Emotion:
        """Parse a name case-insensitively; raises :class:`InputError` listing valid names."""
        if isinstance(value, Emotion):
            return value
        key = str(value).strip().lower()
        for member in cls:
            if member.value == key:
                return member
        valid = ", ".join(m.value for m in cls)
        raise InputError(f"unknown emotion {value!r}; expected one of: {valid}")


@dataclass(frozen=True)
class SpeakingStyle:
    """How a sentence should sound: emotion (+ intensity 0..1) and relative prosody.

    ``rate``, ``pitch`` and ``volume`` are multipliers around 1.0 applied on top of what the
    emotion implies (``rate=1.2`` speaks 20 % faster).
    """

    emotion: Emotion = Emotion.NEUTRAL
    intensity: float = 0.6
    rate: float = 1.0
    pitch: float = 1.0
    volume: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.intensity <= 1.0:
            raise InputError(f"intensity must be within 0..1, got {self.intensity}")
        for name in ("rate", "pitch", "volume"):
            value = getattr(self, name)
            if not 0.25 <= value <= 4.0:
                raise InputError(f"{name} must be within 0.25..4.0, got {value}")


@dataclass(frozen=True)
class PhonemeTiming:
    """One phoneme (IPA) of a voiced chunk, in samples relative to the chunk start."""

    phoneme: str
    start: int
    duration: int

    @property
    def end(self) -> int:
        return self.start + self.duration


@dataclass
class AudioChunk:
    """A piece of synthesized speech: mono float32 samples in [-1, 1] and its phonemes.

    ``phonemes`` cover the chunk: their durations sum to ``len(samples)`` when the backend
    gives alignments (may be empty for audio without timings). ``text`` is the sentence.
    """

    samples: FloatArray
    sample_rate: int
    phonemes: list[PhonemeTiming] = field(default_factory=list)
    text: str = ""
    style: SpeakingStyle = field(default_factory=SpeakingStyle)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / float(self.sample_rate)
