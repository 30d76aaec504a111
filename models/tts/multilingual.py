"""A voice that speaks every sentence in a language it can: the main voice for its own
language, an eSpeak NG voice for others (Spanish, Mandarin, French, German...).

The neural English voice reads Chinese characters as nothing and Spanish as English
sounds; rather than silence or mangled speech, a sentence in another language is spoken by
eSpeak NG (which covers ~100 languages), resampled to the main voice's rate so the audio
stream stays one format. Phoneme timings move with the audio, so lip-sync still follows.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import numpy as np

from vhuman.models.text.language import detect_language
from vhuman.models.types import AudioChunk, PhonemeTiming, SpeakingStyle

from .base import TTSBackend

log = logging.getLogger(__name__)

ESPEAK_VOICES: dict[str, str] = {
    "es": "es", "zh": "cmn", "fr": "fr", "de": "de", "pt": "pt", "it": "it", "ja": "ja",
    "ko": "ko", "ru": "ru", "ar": "ar", "hi": "hi", "nl": "nl",
}


def _espeak(language: str) -> TTSBackend | None:
    voice = ESPEAK_VOICES.get(language)
    if voice is None:
        return None
    from .espeak_tts import EspeakTTS

    return EspeakTTS(voice=voice)


class MultilingualVoice:
    """Wraps ``primary`` (speaking ``primary.language``, default English): sentences in
    another detected language go to ``fallback(language)`` (default: eSpeak NG)."""

    def __init__(self, primary: TTSBackend,
                 fallback: Callable[[str], TTSBackend | None] = _espeak) -> None:
        self.primary = primary
        self.name = f"{primary.name}+multilingual"
        self.sample_rate = int(primary.sample_rate)
        self.language = primary.language or "en"
        self._fallback = fallback
        self._voices: dict[str, TTSBackend | None] = {}

    def __getattr__(self, name: str) -> Any:  # the wrapped voice's own extras (voice_path...)
        return getattr(self.primary, name)

    def warm_up(self) -> None:
        self.primary.warm_up()

    def voice_for(self, text: str) -> TTSBackend:
        """The voice that can say ``text`` (the primary when unsure or unavailable)."""
        language = detect_language(text)
        if language is None or language == self.language:
            return self.primary
        if language not in self._voices:
            try:
                self._voices[language] = self._fallback(language)
            except Exception as exc:  # noqa: BLE001 - an unusable fallback: primary speaks
                log.warning("no voice for %s (%s); the main voice reads it", language, exc)
                self._voices[language] = None
        return self._voices[language] or self.primary

    def synthesize_iter(self, text: str, style: SpeakingStyle = SpeakingStyle()) -> Iterator[AudioChunk]:
        voice = self.voice_for(text)
        for chunk in voice.synthesize_iter(text, style):
            yield self._to_rate(chunk)

    async def synthesize(self, text: str, style: SpeakingStyle = SpeakingStyle()) -> AsyncIterator[AudioChunk]:
        voice = self.voice_for(text)
        async for chunk in voice.synthesize(text, style):
            yield self._to_rate(chunk)

    def _to_rate(self, chunk: AudioChunk) -> AudioChunk:
        if chunk.sample_rate == self.sample_rate:
            return chunk
        from scipy.signal import resample_poly

        g = np.gcd(int(chunk.sample_rate), self.sample_rate)
        up, down = self.sample_rate // g, int(chunk.sample_rate) // g
        samples = resample_poly(chunk.samples, up, down).astype(np.float32)
        scale = len(samples) / max(1, len(chunk.samples))
        starts = [min(len(samples), int(round(p.start * scale))) for p in chunk.phonemes]
        ends = starts[1:] + [len(samples)]
        phonemes = [PhonemeTiming(p.phoneme, a, max(0, b - a))
                    for p, a, b in zip(chunk.phonemes, starts, ends, strict=True)]
        return AudioChunk(samples, self.sample_rate, phonemes, chunk.text, chunk.style)
