"""Sentences in other languages are spoken by a voice that speaks them."""

from __future__ import annotations

import numpy as np

from vhuman.models.tts import get_tts
from vhuman.models.tts.multilingual import MultilingualVoice
from vhuman.models.types import SpeakingStyle


def test_chinese_and_spanish_go_to_espeak_voices_english_stays() -> None:
    primary = get_tts("espeak", voice="en-us")
    voice = MultilingualVoice(primary)
    assert voice.voice_for("What time is the final?") is primary
    zh = voice.voice_for("你好，今天的比赛什么时候开始？")
    es = voice.voice_for("¡Hola! ¿Cuál es tu deporte favorito?")
    assert getattr(zh, "voice", "") == "cmn" and getattr(es, "voice", "") == "es"
    chunks = list(voice.synthesize_iter("你好，欢迎！", SpeakingStyle()))
    assert chunks and all(c.sample_rate == voice.sample_rate for c in chunks)
    for c in chunks:
        assert np.abs(c.samples).max() > 0.01  # not silence
        assert sum(p.duration for p in c.phonemes) == len(c.samples)


def test_other_rates_are_resampled_with_timings() -> None:
    class Slow:
        name, sample_rate, language = "slow", 16000, "en"

        def synthesize_iter(self, text: str, style: SpeakingStyle):  # type: ignore[no-untyped-def]
            return iter(())

    espeak = get_tts("espeak", voice="es")
    voice = MultilingualVoice(Slow(), fallback=lambda lang: espeak)
    chunks = list(voice.synthesize_iter("¿Qué tal, amigos?", SpeakingStyle()))
    assert chunks and all(c.sample_rate == 16000 for c in chunks)
    assert all(sum(p.duration for p in c.phonemes) == len(c.samples) for c in chunks)
