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

from vhuman.models.emotion import classify_emotion
from vhuman.models.types import Emotion

from .language import OPENERS, detect_language
from .persona import Persona
from .prompts import fill

_REQUEST = re.compile(
    r"^\s*(?:(?:hey|ok|okay|so|now|vivi)[,!]?\s+)?(?:(?:can|could|would|will) you\b|please\b|pls\b|"
    r"(?:say|sing|show|give|tell|dance|wave|play|shout|do (?:a|an|the|some)|make|teach|spin|jump|clap|"
    r"describe|explain|recommend|pick|choose|read|greet|send)\b|let's\b|i want you to\b)|"
    r"\b(?:please|pls)\s*[!.]*$|^\s*[¿¡]?\s*(?:canta|baila|dime|cuéntame|puedes|podrías|saluda)\b|"
    r"^\s*(?:请|能不能|可以|给我|唱|跳)",
    re.I,
)
_QUESTION = re.compile(
    r"[?？]\s*\S{0,3}\s*$|^\s*(?:who|what|when|where|which|why|how|is|are|does|do|did|have|"
    r"has|should|would|will|can|could)\b|\bwhat's\b|\bwho's\b|¿|"
    r"^\s*(?:qué|quién|cómo|cuándo|dónde|cuál|por qué)\b|[吗呢]\s*[?？]?\s*$|什么|怎么|为什么|谁|哪",
    re.I,
)
_SAD = re.compile(
    r"\b(died|dead|passed away|pass away|lost my|funeral|cancer|in (the )?hospital|sick|ill|"
    r"depressed|lonely|heartbroken|broke up|dumped|fired|laid off|miss (him|her|them)|"
    r"crying|cried|sad|upset|grieving|rip|can't stop crying|bad news|terrible day|awful day)\b|"
    r"\b(murió|falleció|muerto|triste|enfermo|enferma|hospital|perdí)\b|去世|死了|难过|伤心|生病",
    re.I,
)
_ABUSIVE = re.compile(
    r"\b(you|u|you're|youre|ur|this show|the show|this stream|your show|your voice)\b.{0,20}\b("
    r"suck|sucks|boring|annoying|awful|terrible|the worst|worst|cringe|lame|fake|creepy|"
    r"bad at|hate)\b|\b(i hate|nobody likes|nobody cares|unfollow|go away|shut up|get lost)\b|"
    r"\b(aburrid[oa]|odio|eres mal[oa]|horrible)\b|无聊|讨厌|真烂",
    re.I,
)
_PRAISE = re.compile(
    r"\b(you|you're|youre|u r|ur|your|this show|the show|this stream|vivi)\b.{0,20}\b(amazing|"
    r"awesome|great|the best|best|cute|beautiful|pretty|lovely|funny|wonderful|fantastic|"
    r"incredible|brilliant|talented|cool|sweet|adorable|rock)\b|"
    r"\b(love (you|the show|this show|this stream|your)|best host|great job|well done|"
    r"big fan|i'm a fan|im a fan|thank you for|you made my day)\b|"
    r"\b(eres (genial|la mejor|increíble|bonita)|te quiero|me encanta(s)? (tu|el) )|"
    r"我(喜欢|爱)你|你(真|好)(棒|漂亮|可爱|厉害)",
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
    "chat": (Emotion.HAPPY, 0.5, ["wave"]),
    "sympathy": (Emotion.SAD, 0.4, ["nod"]),
    "abusive": (Emotion.CALM, 0.3, ["shrug"]),
    "praise": (Emotion.HAPPY, 0.7, ["heart"]),
    "excited": (Emotion.EXCITED, 0.7, ["clap"]),
}
_DANCE_REQUEST = re.compile(r"\b(danc\w*|bail\w*|groove)\b|跳舞|跳个舞", re.I)
# Kinds before which a cheerful greeting would be wrong (bad news, hostility).
SOMBER_KINDS = frozenset({"sympathy", "abusive"})


def message_kind(message: str) -> str:
    """``sympathy`` | ``abusive`` | ``praise`` | ``excited`` | ``request`` | ``question`` |
    ``chat`` for a viewer message.

    Feelings win over form: "why is my team losing :(" wants comfort, not "great question";
    "you are boring" wants a calm line, not "Oh, nice!".
    """
    if _SAD.search(message):
        return "sympathy"
    if _ABUSIVE.search(message):
        return "abusive"
    emotion, strength = classify_emotion(message)
    if emotion == Emotion.SAD and strength >= 0.3:
        return "sympathy"
    if _PRAISE.search(message):
        return "praise"
    if emotion == Emotion.ANGRY and strength >= 0.3:
        return "sympathy" if re.search(r"\b(my|i|i'm|me)\b", message, re.I) else "abusive"
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

    def lines(self, kind: str, language: str | None = None) -> tuple[str, ...]:
        """The persona's templates for ``kind`` (in ``language`` when it is not English).

        A request without request lines gets the chat lines (never "good question"); bad
        news and abuse never fall back to cheerful lines: no line means no opener.
        """
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
