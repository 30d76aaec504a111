"""Which language a short chat message is in."""

from __future__ import annotations

import pytest

from vhuman.models.text.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hola, me llamo Pilar", "es"),  # "me" is English too: a shared word counts less
        ("soy Pilar", "es"),
        ("yo soy de Lima", "es"),
        ("hola!", "es"),
        ("I love the hockey final", "en"),
        ("me too", "en"),
        ("What time is the final?", "en"),
        ("Bonjour, je suis Marie", "fr"),
        ("Hallo, ich bin Tom", "de"),
        ("Olá, eu sou a Ana", "pt"),
        ("Ciao, sono Marco", "it"),
        ("你好，主持人", "zh"),
        ("こんにちは", "ja"),
        ("привет", "ru"),
    ],
)
def test_short_messages(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["🎉🎉", "2026", "Pilar"])
def test_too_little_to_tell(text: str) -> None:
    assert detect_language(text) is None
