"""Intent templates, the ramble guard, and tag parsing."""

from __future__ import annotations

import pytest

from vhuman.dialogue import ReplyGuard, detect_intent, parse_tags
from vhuman.models.types import Emotion


@pytest.mark.parametrize(
    ("message", "intent"),
    [("hi", "greeting"), ("Hi Vivi!", "greeting"), ("hola", "greeting"), ("こんにちは", "greeting"),
     ("good morning vivi", "greeting"), ("thanks!", "thanks"), ("thank you so much vivi", "thanks"),
     ("merci", "thanks"), ("bye bye", "bye"), ("🎉🎉", "emoji"), ("❤️", "emoji"),
     ("hi, when is the final?", None), ("what is curling?", None), ("", None)],
)
def test_detect_intent(message: str, intent: str | None) -> None:
    assert detect_intent(message, "Vivi") == intent


def test_parse_tags_strips_and_collects() -> None:
    text, emotion, actions = parse_tags("[Happy] Hi there! (laughs) [wave] 🎉 I love it [foo].")
    assert text == "Hi there! I love it."
    assert emotion == Emotion.HAPPY and actions == ["wave", "laugh"]


def test_guard_rejections() -> None:
    g = ReplyGuard(max_sentences=3)
    assert g.accept("Hello Sam!") == "Hello Sam!"
    assert g.accept("Hello Sam!!") is None  # repeats the previous one
    assert g.accept("As an AI language model I cannot.") is None
    assert g.accept("I'm into [music type_123]{X}!") is None
    assert g.accept("I love skiing.") == "I love skiing."
    assert g.accept("User: tell me more") is None and g.done
    reasons = [r for _, r in g.rejected]
    assert reasons == ["repeats-earlier", "ai-talk", "junk", "role-marker"]
