"""Text emotion classifier (VADER + NRC + cues)."""

from __future__ import annotations

import pytest

from vhuman.models.emotion import classify_emotion
from vhuman.models.types import Emotion


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("That's amazing, I love it!!", Emotion.EXCITED),
        ("This is great.", Emotion.HAPPY),
        ("I'm so sad my team lost.", Emotion.SAD),
        ("I hate this stupid lag", Emotion.ANGRY),
        ("Wow, no way!", Emotion.SURPRISED),
        ("Let's relax and breathe slowly.", Emotion.CALM),
        ("The event starts at 10.", Emotion.NEUTRAL),
        ("🎉🎉", Emotion.HAPPY),
    ],
)
def test_classifies_clear_cases(text: str, expected: Emotion) -> None:
    emotion, intensity = classify_emotion(text)
    assert emotion == expected
    assert 0.0 <= intensity <= 1.0


def test_intensity_grows_with_emphasis() -> None:
    _, mild = classify_emotion("This is nice.")
    _, strong = classify_emotion("This is absolutely wonderful, I love it so much!!!")
    assert strong > mild


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "a" * 100_000, "привет 你好 مرحبا"])
def test_odd_input_is_neutral_not_an_error(text: str) -> None:
    emotion, intensity = classify_emotion(text)
    assert isinstance(emotion, Emotion) and 0.0 <= intensity <= 1.0
