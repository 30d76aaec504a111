"""The TTS protocol and a base class doing everything backends share.

A backend only turns one short sentence into raw speech (:meth:`BaseTTS._speak`); the
base class handles the rest the same way for all of them: inline markup, text
normalisation, sentence/clause splitting (so the first sentence is heard while the rest
waits), the emotional signal stage with exact timing bookkeeping, pauses, and the async
wrapper that runs model work off the event loop one chunk at a time.
"""

from __future__ import annotations

import asyncio
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from vhuman.models.audio import (
    db_to_gain,
    map_durations,
    pitch_tempo,
    range_shift_semitones,
    rms_dbfs,
    soft_limit,
    tilt_brightness,
)
from vhuman.models.text.sentences import split_sentences
from vhuman.models.textproc.markup import PauseSegment, parse_markup
from vhuman.models.textproc.normalize import normalize_text
from vhuman.models.tts.phonemes import SILENCE, timings_from_durations
from vhuman.models.tts.prosody import Prosody, prosody_for
from vhuman.models.types import (
    AudioChunk,
    Emotion,
    FloatArray,
    InputError,
    SpeakingStyle,
    VhumanError,
)

logger = logging.getLogger(__name__)

REFERENCE_RMS_DB = -20.0
"""Level of neutral speech after the signal stage (emotions move around it)."""


_CLAUSE_END = re.compile(r"[,;:—–](?=\s)")
FAST_START_MIN_WORDS = 4


def _split_first_clause(sentence: str) -> list[str]:
    """Cut the first clause off a long opening sentence so the first audio comes sooner.

    Only at clause punctuation, and only when both sides keep >= 4 words, so prosody stays
    natural (the voice pauses at the comma anyway).
    """
    for match in _CLAUSE_END.finditer(sentence):
        head, tail = sentence[: match.end()].strip(), sentence[match.end() :].strip()
        if len(head.split()) >= FAST_START_MIN_WORDS and len(tail.split()) >= FAST_START_MIN_WORDS:
            return [head, tail]
    return [sentence]


@runtime_checkable
class TTSBackend(Protocol):
    """What every voice offers: blocking and async streamed synthesis, sentence by sentence,
    the language it speaks (ISO 639-1) and a warm-up that loads its model before a show."""

    name: str
    sample_rate: int
    language: str

    def warm_up(self) -> None:
        """Load the model and fill its caches (one short sentence, not played)."""
        ...

    def synthesize_iter(self, text: str, style: SpeakingStyle = ...) -> Iterator[AudioChunk]:
        """Yield one chunk per sentence/clause (and per markup pause) as each is ready."""
        ...

    def synthesize(self, text: str, style: SpeakingStyle = ...) -> AsyncIterator[AudioChunk]:
        """Async version of :meth:`synthesize_iter`; model work runs in a worker thread."""
        ...


@dataclass
class RawSpeech:
    """A backend's output for one sentence: samples and phonemes (durations sum to len)."""

    samples: FloatArray
    phonemes: list[str]
    durations: list[int]


class BaseTTS(ABC):
    """Shared front end and signal stage; subclasses implement :meth:`_speak`.

    ``native_prosody`` names the :class:`Prosody` fields the backend applies itself; the
    signal stage does the others (pitch and range by WSOLA + resampling, tempo, energy,
    brightness) and moves phoneme timings with the audio.
    """

    name: str = "base"
    sample_rate: int = 22050
    language: str = "en"
    native_prosody: frozenset[str] = frozenset()
    normalize_level: bool = True  # set loudness to REFERENCE_RMS_DB + energy
    max_chars: int = 200
    fast_start: bool = True  # speak the first clause of a long first sentence on its own

    @abstractmethod
    def _speak(self, text: str, style: SpeakingStyle, prosody: Prosody) -> RawSpeech:
        """Synthesize one normalised sentence with the native part of ``prosody``."""

    def plan(self, text: str, style: SpeakingStyle | None = None
             ) -> Iterator[tuple[str, SpeakingStyle] | PauseSegment]:
        """Sentences (normalised, with their style) and pauses to speak, lazily, in order."""
        if not isinstance(text, str):
            raise InputError(f"text must be a string, got {type(text).__name__}")
        if style is not None and not isinstance(style, SpeakingStyle):
            raise InputError(f"style must be a SpeakingStyle, got {type(style).__name__}")
        first = True
        for segment in parse_markup(text, style or SpeakingStyle()):
            if isinstance(segment, PauseSegment):
                yield segment
                continue
            spoken = normalize_text(segment.text, self.language)
            for sentence in split_sentences(spoken, self.max_chars):
                if not any(c.isalnum() for c in sentence):
                    continue
                parts = _split_first_clause(sentence) if first and self.fast_start else [sentence]
                first = False
                for part in parts:
                    yield part, segment.style

    def synthesize_iter(self, text: str, style: SpeakingStyle | None = None
                        ) -> Iterator[AudioChunk]:
        """Yield one chunk per sentence/clause; empty or blank text yields nothing."""
        count = 0
        for item in self.plan(text, style):
            if isinstance(item, PauseSegment):
                yield self.silence(item.seconds, item.style)
            else:
                yield self.render(*item)
            count += 1
        if count == 0:
            logger.debug("%s: nothing speakable in %r", self.name, text[:80])

    async def synthesize(self, text: str, style: SpeakingStyle | None = None
                         ) -> AsyncIterator[AudioChunk]:
        """Async stream; each chunk is synthesized in a worker thread, so the first one
        arrives before the rest exists and the event loop never blocks on the model."""
        iterator = self.synthesize_iter(text, style)
        done = object()
        while True:
            chunk = await asyncio.to_thread(next, iterator, done)
            if chunk is done:
                return
            yield chunk  # type: ignore[misc]

    def native_for(self, style: SpeakingStyle) -> frozenset[str]:
        """Prosody fields the backend applied itself for ``style`` (the signal stage skips them)."""
        return self.native_prosody

    def warm_up(self) -> None:
        """Run one short emotional sentence so lazy imports and model caches are ready."""
        for _ in self.synthesize_iter("Ready.", SpeakingStyle(Emotion.EXCITED, 1.0)):
            pass

    def silence(self, seconds: float, style: SpeakingStyle | None = None) -> AudioChunk:
        """A chunk of silence, timed as one ``"_"`` phoneme."""
        n = max(1, int(round(seconds * self.sample_rate)))
        return AudioChunk(np.zeros(n, dtype=np.float32), self.sample_rate,
                          timings_from_durations([SILENCE], [n]), "", style or SpeakingStyle())

    def render(self, sentence: str, style: SpeakingStyle) -> AudioChunk:
        """Synthesize one sentence and apply the emotional signal stage."""
        prosody = prosody_for(style)
        try:
            raw = self._speak(sentence, style, prosody)
        except VhumanError:
            raise
        except Exception as exc:  # a model failing on odd input must not kill the caller
            raise VhumanError(f"{self.name} failed to synthesize {sentence[:60]!r}: {exc}") from exc
        samples, durations = self.signal_stage(raw, prosody.without(self.native_for(style)))
        return AudioChunk(samples, self.sample_rate, timings_from_durations(raw.phonemes, durations),
                          sentence, style)

    def signal_stage(self, raw: RawSpeech, prosody: Prosody) -> tuple[FloatArray, list[int]]:
        """Pitch/range/tempo (timing-exact), brightness and level; returns samples, durations."""
        samples = np.asarray(raw.samples, dtype=np.float32)
        durations = list(raw.durations)
        if sum(durations) != samples.size:
            raise VhumanError(f"{self.name}: phoneme durations sum to {sum(durations)}, "
                              f"audio has {samples.size} samples")
        semitones: np.ndarray | float = prosody.pitch_semitones
        if abs(prosody.pitch_range - 1.0) > 1e-3:
            semitones = range_shift_semitones(samples, self.sample_rate, prosody.pitch_range)
            semitones = semitones + prosody.pitch_semitones
        if np.any(np.abs(semitones) > 1e-3) or abs(prosody.tempo - 1.0) > 1e-3:
            samples, out_time = pitch_tempo(samples, self.sample_rate, semitones, prosody.tempo)
            durations = map_durations(durations, out_time, samples.size)
        samples = tilt_brightness(samples, self.sample_rate, prosody.brightness_db)
        if self.normalize_level:
            level = rms_dbfs(samples)
            if level > -80.0:
                samples = samples * db_to_gain(REFERENCE_RMS_DB + prosody.energy_db - level)
        elif abs(prosody.energy_db) > 1e-3:
            samples = samples * db_to_gain(prosody.energy_db)
        return soft_limit(samples.astype(np.float32)), durations
