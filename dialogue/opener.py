"""Instant acknowledgement openers: a real first sentence while the model thinks.

A small CPU model needs ~0.5 s to write its first sentence. An in-character opener
("Ooh, great question, Sam!") costs nothing to produce, so the voice starts at once and
the model's continuation follows it. The opener is chosen from the persona's lines by the
kind of message (question, request, sad news, excitement, plain chat), says the viewer's
name when there is one, and never repeats one of the last few openers.
"""

from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass, field

from models.emotion import classify_emotion
from models.types import Emotion

from .persona import Persona
from .prompts import fill

_REQUEST = re.compile(
    r"^\s*(?:can|could|would|will) you\b|^\s*(?:please|pls)\b|"
    r"^\s*(?:say|sing|show|give|tell|dance|wave|play|shout|do a)\b",
    re.I,
)
_QUESTION = re.compile(
    r"\?\s*$|^\s*(?:who|what|when|where|which|why|how|is|are|does|do|did|have|has|should|"
    r"would|will|can|could)\b|\bwhat's\b|\bwho's\b",
    re.I,
)


@dataclass(frozen=True)
class Opener:
    """An acknowledgement line: spoken text, its emotion and action tags, and its kind."""

    text: str
    kind: str
    emotion: Emotion
    intensity: float
    tags: list[str] = field(default_factory=list)


_STYLE: dict[str, tuple[Emotion, float, list[str]]] = {
    "question": (Emotion.HAPPY, 0.55, ["nod"]),
    "request": (Emotion.HAPPY, 0.5, ["nod"]),
    "chat": (Emotion.HAPPY, 0.5, []),
    "sympathy": (Emotion.SAD, 0.4, []),
    "excited": (Emotion.EXCITED, 0.7, ["clap"]),
}


def message_kind(message: str) -> str:
    """``sympathy`` | ``excited`` | ``request`` | ``question`` | ``chat`` for a viewer message.

    Feelings win over form: "why is my team losing :(" wants comfort, not "great question".
    """
    emotion, strength = classify_emotion(message)
    if emotion in (Emotion.SAD, Emotion.ANGRY) and strength >= 0.3:
        return "sympathy"
    if _REQUEST.search(message):
        return "request"
    if _QUESTION.search(message):
        return "question"
    if emotion in (Emotion.EXCITED, Emotion.SURPRISED) or (
        emotion == Emotion.HAPPY and strength >= 0.6 and "!" in message
    ):
        return "excited"
    return "chat"


class OpenerPicker:
    """Picks openers from a persona, varied: none of the last ``avoid_last`` is reused."""

    def __init__(self, persona: Persona, rng: random.Random | None = None, avoid_last: int = 3) -> None:
        self.persona = persona
        self.rng = rng or random.Random(0)
        self._recent: deque[str] = deque(maxlen=max(0, avoid_last))

    def lines(self, kind: str) -> tuple[str, ...]:
        """The persona's templates for ``kind`` (falls back to chat, then question lines)."""
        p = self.persona
        table = {
            "question": p.question_openers, "request": p.request_openers or p.question_openers,
            "chat": p.chat_openers, "sympathy": p.sympathy_openers,
            "excited": p.excited_openers or p.chat_openers,
        }
        return table.get(kind) or p.chat_openers or p.question_openers

    def pick(self, message: str, viewer: str | None) -> Opener | None:
        """An opener for ``message`` from ``viewer`` (None: the persona has no lines)."""
        kind = message_kind(message)
        options = self.lines(kind)
        if not options:
            return None
        fresh = [o for o in options if o not in self._recent] or list(options)
        template = fresh[self.rng.randrange(len(fresh))]
        self._recent.append(template)
        emotion, intensity, tags = _STYLE.get(kind, _STYLE["chat"])
        return Opener(fill(template, viewer), kind, emotion, intensity, list(tags))
