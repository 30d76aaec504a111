"""The registry: backends by name, cached instances, clear errors."""

from __future__ import annotations

import pytest

from vhuman.models.tts import BaseTTS, TTSBackend, available_tts, get_tts
from vhuman.models.types import InputError


def test_available_and_unknown_names() -> None:
    assert available_tts() == ["coqui", "espeak", "piper"]
    with pytest.raises(InputError, match="available: coqui, espeak, piper"):
        get_tts("festival")


def test_instances_are_cached_and_follow_the_protocol() -> None:
    first = get_tts("espeak")
    assert get_tts("ESPEAK") is first
    assert isinstance(first, TTSBackend) and isinstance(first, BaseTTS)
    assert first.name == "espeak" and first.sample_rate == 22050


def test_first_long_sentence_starts_with_its_first_clause() -> None:
    tts = get_tts("espeak")
    text = "Welcome back to the show, tonight we have a very special guest. Then, we talk a lot."
    parts = [sentence for sentence, _ in tts.plan(text)]
    assert parts == ["Welcome back to the show,", "tonight we have a very special guest.",
                     "Then, we talk a lot."]
    chunks = list(tts.synthesize_iter(text))
    assert [c.text for c in chunks] == parts
