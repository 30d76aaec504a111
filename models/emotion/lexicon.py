"""Emotion of a text from lexicons and rules: VADER valence + NRC emotion words + cues.

Cheap (well under a millisecond per sentence), offline, and deterministic, so the voice,
the face and the body can share one emotion state even when the LLM gives no tag.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from vhuman.models.types import Emotion

_WORD = re.compile(r"[a-z']+")
_SURPRISE_CUES = re.compile(
    r"\b(wow|whoa|woah|omg|no way|unbelievable|incredible|really\?|what\?!|can't believe)\b"
    r"|\?!|!\?|😮|😲|🤯|😱",
    re.IGNORECASE,
)
_CALM_WORDS = frozenset(
    "calm relax relaxed relaxing peaceful gentle quiet breathe serene slowly cozy soothing "
    "rest restful tranquil".split()
)
_ANGER_WORDS = frozenset("hate angry furious annoyed stupid idiot outrageous unfair".split())


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _nrc() -> dict[str, list[str]]:
    from nrclex import NRCLex

    lexicon: dict[str, list[str]] = NRCLex().__lexicon__  # word -> NRC affect names
    return lexicon


def emotion_scores(text: str) -> dict[str, float]:
    """Raw cues: VADER ``compound`` (-1..1) and NRC affect counts per emotion name."""
    words = _WORD.findall(text.lower())
    lexicon = _nrc()
    scores: dict[str, float] = {"compound": float(_vader().polarity_scores(text)["compound"])}
    for word in words:
        for affect in lexicon.get(word, ()):
            scores[affect] = scores.get(affect, 0.0) + 1.0
    scores["calm_words"] = float(sum(w in _CALM_WORDS for w in words))
    scores["anger_words"] = float(sum(w in _ANGER_WORDS for w in words))
    scores["exclaim"] = float(min(text.count("!"), 3))
    scores["surprise_cue"] = float(bool(_SURPRISE_CUES.search(text)))
    return scores


def classify_emotion(text: str) -> tuple[Emotion, float]:
    """Return the dominant :class:`Emotion` of ``text`` and its intensity in 0..1.

    Empty or unreadable text is neutral at low intensity (never an error: every reply
    needs an emotion).
    """
    if not text or not text.strip():
        return Emotion.NEUTRAL, 0.3
    s = emotion_scores(text)
    comp = s["compound"]
    nrc = lambda key: s.get(key, 0.0)  # noqa: E731
    strength = min(1.0, 0.35 + 0.55 * abs(comp) + 0.1 * s["exclaim"])
    if s["anger_words"] or (nrc("anger") > max(nrc("sadness"), nrc("fear")) and comp < -0.2):
        return Emotion.ANGRY, round(max(strength, 0.5), 3)
    if comp <= -0.3 or (comp < -0.05 and nrc("sadness") + nrc("fear") > 0):
        return Emotion.SAD, round(strength, 3)
    if s["surprise_cue"] or (nrc("surprise") >= 2 and nrc("surprise") >= nrc("joy")):
        return Emotion.SURPRISED, round(max(strength, 0.5), 3)
    if comp >= 0.45 and (s["exclaim"] or nrc("anticipation") + nrc("joy") >= 2):
        return Emotion.EXCITED, round(strength, 3)
    if s["calm_words"] and comp >= -0.05:
        return Emotion.CALM, round(min(strength, 0.6), 3)
    if comp >= 0.2:
        return Emotion.HAPPY, round(strength, 3)
    return Emotion.NEUTRAL, round(min(0.3 + 0.3 * abs(comp), 0.6), 3)
