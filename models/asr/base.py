"""The two speech-in contracts: a voice activity detector and a recogniser.

Audio is mono float32 in [-1, 1] at :data:`SAMPLE_RATE` (16 kHz, what both models take).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

SAMPLE_RATE = 16_000
"""The sample rate every speech-in model here works at."""


@dataclass(frozen=True)
class Transcription:
    """What a recogniser heard in one stretch of audio.

    ``confidence`` is in 0..1 (the mean token probability, lowered when the model thinks
    there was no speech); ``language`` an ISO 639-1 code with ``language_probability``.
    ``status`` is ``ok``, ``empty`` (nothing recognisable), ``unsupported_language`` (a
    language outside the recogniser's allowed list) or ``error`` (with ``detail``).
    """

    text: str
    language: str = ""
    confidence: float = 0.0
    language_probability: float = 0.0
    status: str = "ok"
    detail: str = ""
    seconds: float = 0.0  # length of the audio it heard
    words: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@runtime_checkable
class VoiceActivityDetector(Protocol):
    """Streaming speech probability, one fixed-size frame at a time (stateful)."""

    sample_rate: int
    frame_samples: int

    def reset(self) -> None:
        """Forget the stream so far (a new speaker, a new file)."""
        ...

    def probability(self, frame: np.ndarray) -> float:
        """Speech probability 0..1 of ``frame`` (exactly ``frame_samples`` samples)."""
        ...


@runtime_checkable
class Recognizer(Protocol):
    """Speech to text for one turn (or the part of it heard so far). Blocking."""

    name: str
    sample_rate: int

    def transcribe(self, audio: np.ndarray, *, language: str | None = None,
                   prompt: str | None = None) -> Transcription:
        """Recognise ``audio``; ``language`` forces one (None: detected per call),
        ``prompt`` is text said just before (context for the model). A recogniser may
        also take ``prior``: the language the speaker spoke last, kept when the detection
        is unsure (the listener passes it to those whose ``transcribe`` names it)."""
        ...
