"""eSpeak NG backend: exact timings from phoneme events, languages, native prosody."""

from __future__ import annotations

import numpy as np
import pytest

from vhuman.models.tts import get_tts
from vhuman.models.tts.analysis import measure
from vhuman.models.tts.espeak_tts import events_to_timings
from vhuman.models.types import Emotion, InputError, SpeakingStyle


@pytest.fixture(scope="module")
def espeak():
    return get_tts("espeak")


def test_english_chunks_with_ipa_timings(espeak) -> None:
    chunks = list(espeak.synthesize_iter("Hello world. Pay $5 now!"))
    assert [c.text for c in chunks] == ["Hello world.", "Pay five dollars now!"]
    for chunk in chunks:
        assert sum(p.duration for p in chunk.phonemes) == chunk.samples.size > 0
        assert chunk.phonemes[0].start == 0
    names = [p.phoneme for p in chunks[0].phonemes]
    assert "h" in names and "w" in names and "ˈ" not in "".join(names)


def test_mandarin_voice(espeak) -> None:
    zh = get_tts("espeak", voice="cmn")
    chunks = list(zh.synthesize_iter("你好，世界。今天天气很好。"))
    assert len(chunks) == 2
    assert all(sum(p.duration for p in c.phonemes) == c.samples.size for c in chunks)
    assert any(p.phoneme.startswith("n") for p in chunks[0].phonemes)


def test_emotion_is_audible(espeak) -> None:
    text = "The show starts in a minute, so get ready everyone."
    neutral = measure(list(espeak.synthesize_iter(text)))
    excited = measure(list(espeak.synthesize_iter(text, SpeakingStyle(Emotion.EXCITED, 1.0))))
    sad = measure(list(espeak.synthesize_iter(text, SpeakingStyle(Emotion.SAD, 1.0))))
    assert excited.median_f0_hz > neutral.median_f0_hz > sad.median_f0_hz
    assert sad.rate_phonemes_per_s < neutral.rate_phonemes_per_s < excited.rate_phonemes_per_s
    assert sad.rms_dbfs < neutral.rms_dbfs


def test_unknown_voice_lists_languages() -> None:
    with pytest.raises(InputError, match="available: .*en-us"):
        get_tts("espeak", voice="klingon")


def test_events_to_timings_sums_and_merges_silence() -> None:
    names, durations = events_to_timings([("h", 10), ("ˈɛ", 50), ("_:", 100), ("_", 100),
                                          ("l", 120)], 8820, 22050)
    assert names == ["_", "h", "ɛ", "_", "l"]
    assert sum(durations) == 8820 and all(d > 0 for d in durations)
    assert np.all(np.array(durations) >= 0)
