"""Instant acknowledgement openers: a real first sentence while the model thinks.

A small CPU model needs ~0.5 s to write its first sentence. An in-character opener
("Ooh, great question, Sam!") costs nothing to produce, so the voice starts at once and
the model's continuation follows it. The opener is chosen from the persona's lines by the
kind of message (question, request, sad news, abuse, praise, excitement, plain chat), in
the message's language when the persona speaks it, says the viewer's name when there is
one, and never repeats one of the last few openers. Bad news and abuse never get a
cheerful line.
"""

from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass, field

from vhuman.models.types import Emotion

from .kinds import classify_kind, is_excited, is_sad_story, is_statement
from .language import OPENERS, detect_language
from .persona import Persona
from .prompts import fill


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
    "chat": (Emotion.HAPPY, 0.5, ["wave"]),
    "sympathy": (Emotion.SAD, 0.4, ["nod"]),
    "abusive": (Emotion.CALM, 0.3, ["shrug"]),
    "praise": (Emotion.HAPPY, 0.7, ["heart"]),
    "excited": (Emotion.EXCITED, 0.7, ["clap"]),
    "statement": (Emotion.CALM, 0.3, ["nod"]),
    "sad_story": (Emotion.SAD, 0.35, ["nod"]),
}
# A neutral acknowledgement of a plain statement, by language (no cheer, no sympathy).
STATEMENT_OPENERS: dict[str, tuple[str, ...]] = {
    "en": ("Mm, I'm listening, {viewer}.", "I hear you, {viewer}.", "Go on, {viewer}, I'm listening."),
    "es": ("Te escucho, {viewer}.", "Mm, sigue, {viewer}."),
    "zh": ("嗯，我在听，{viewer}。", "嗯，{viewer}，你接着说。"),
}
# Sad news about others, a sad passage read aloud: sorrow shared, no hug, no "take care".
SAD_STORY_OPENERS: dict[str, tuple[str, ...]] = {
    "en": ("Oh, that's so sad, {viewer}.", "Aww, {viewer}, that's heartbreaking.",
           "Oh, {viewer}, that's a hard one to hear."),
    "es": ("Ay, {viewer}, qué triste.", "Uf, {viewer}, qué historia tan triste."),
    "zh": ("唉，{viewer}，听着真让人难过。", "{viewer}，听了好心疼。"),
}
_DANCE_REQUEST = re.compile(r"\b(danc\w*|bail\w*|groove)\b|跳舞|跳个舞", re.I)
# Kinds before which a cheerful greeting would be wrong (bad news, hostility).
SOMBER_KINDS = frozenset({"sympathy", "sad_story", "abusive"})


# The opener's names for the message kinds of :mod:`dialogue.kinds` (thanks is praise to it).
_OPENER_KIND = {"question": "question", "request": "request", "sad": "sympathy",
                "thanks": "praise", "praise": "praise", "chat": "chat", "abuse": "abusive"}


def message_kind(message: str) -> str:
    """``sympathy`` | ``sad_story`` | ``abusive`` | ``praise`` | ``excited`` | ``statement`` |
    ``request`` | ``question`` | ``chat`` for a viewer message: :func:`dialogue.kinds.classify_kind`
    in the opener's words, with energetic chat as ``excited``, a plain impersonal statement as
    ``statement`` (:func:`dialogue.kinds.is_statement`) and sad news about others as
    ``sad_story`` (:func:`dialogue.kinds.is_sad_story`)."""
    kind = _OPENER_KIND[classify_kind(message)]
    if kind == "sympathy" and is_sad_story(message):
        return "sad_story"
    if kind == "chat" and is_excited(message):
        return "excited"
    if kind == "chat" and is_statement(message):
        return "statement"
    return kind


class OpenerPicker:
    """Picks openers from a persona, varied: none of the last ``avoid_last`` is reused."""

    def __init__(self, persona: Persona, rng: random.Random | None = None, avoid_last: int = 3) -> None:
        self.persona = persona
        self.rng = rng or random.Random(0)
        self._recent: deque[str] = deque(maxlen=max(0, avoid_last))

    def lines(self, kind: str, language: str | None = None) -> tuple[str, ...]:
        """The persona's templates for ``kind`` (in ``language`` when it is not English).

        A request without request lines gets the chat lines (never "good question"); bad
        news and abuse never fall back to cheerful lines: no line means no opener.
        """
        if kind == "statement":
            return STATEMENT_OPENERS.get(language or "en", ())
        if kind == "sad_story":
            return SAD_STORY_OPENERS.get(language or "en", ())
        if language and language != "en":
            return OPENERS.get(language, {}).get(kind, ())
        p = self.persona
        table = {
            "question": p.question_openers, "request": p.request_openers or p.chat_openers,
            "chat": p.chat_openers, "sympathy": p.sympathy_openers,
            "abusive": p.abusive_openers, "praise": p.praise_openers or p.thanks,
            "excited": p.excited_openers or p.chat_openers,
        }
        if kind in SOMBER_KINDS:
            return table[kind]
        return table.get(kind) or p.chat_openers or p.question_openers

    def pick(self, message: str, viewer: str | None, language: str | None = None,
             kind: str | None = None) -> Opener | None:
        """An opener for ``message`` from ``viewer`` (None: the persona has no lines).

        ``language``: the reply's language (default: detected from the message)."""
        kind = kind or message_kind(message)
        if language is None:
            language = detect_language(message)
        options = self.lines(kind, language)
        if not options:
            return None
        fresh = [o for o in options if o not in self._recent] or list(options)
        template = fresh[self.rng.randrange(len(fresh))]
        self._recent.append(template)
        emotion, intensity, tags = _STYLE.get(kind, _STYLE["chat"])
        if kind == "request" and _DANCE_REQUEST.search(message):
            tags = ["dance"]  # "dance!", "¿puedes bailar?": the body starts at once
        return Opener(fill(template, viewer), kind, emotion, intensity, list(tags))
