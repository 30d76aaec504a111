"""What the body does with a reply: gestures its words call for, and the rules a reply's
tags follow (no cheering at bad news).

The tag grammar and the gesture words are :mod:`vhuman.models.textproc.tags` (one for
every layer); :func:`parse_tags` and the word lists are re-exported from there.
"""

from __future__ import annotations

import re

from vhuman.models.textproc.tags import ACTIONS, parse_tags
from vhuman.models.types import Emotion

__all__ = ["ACTIONS", "CHEERFUL", "infer_actions", "move_body", "parse_tags"]

# What a sentence's words suggest the body does, first match wins (a tagger over the text,
# so the body follows the words also when the model writes no tags).
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (action, re.compile(pattern, re.I))
    for action, pattern in (
        ("dance", r"\b(danc\w*|bail\w*|groove|moves)\b|跳舞"),
        ("wave", r"\b(hello|hi|hey|welcome|bye|goodbye|see you|hola|adiós|bienvenid\w*)\b|你好|再见|欢迎"),
        ("bow", r"\b(thank\w*|gracias|grateful|appreciate)\b|谢谢|感谢"),
        ("clap", r"\b(haha\w*|lol|funny|joke|hilarious|jaja\w*)\b|哈哈|\b(congrat\w*|bravo|well done|great job|amazing|awesome|incredible|fantastic|"
                 r"felicidades|enhorabuena)\b|恭喜|太棒"),
        ("cheer", r"\b(let's go|go team|vamos|win\w*|victory|gold medal|champion\w*|cheer\w*)\b|加油"),
        ("heart", r"\b(love|hug\w*|sweet|care|abrazo\w*|cariño|sorry|condolences|lo siento)\b|爱|抱抱|难过"),
        ("shrug", r"\b(don't know|dunno|no idea|who knows|can't say|no sé|not sure|maybe|perhaps|"
                  r"depends|quizás|tal vez)\b|不知道|也许"),
        ("point", r"\b(look at|check out|over there|right here|this one|mira)\b|看看"),
        ("thumbs_up", r"\b(good luck|you got this|nice one|cool|great idea|good idea|suerte)\b|祝你好运"),
        ("nod", r"\b(yes|yeah|yep|sure|of course|absolutely|exactly|right|agreed|definitely|"
                r"claro|sí|vale)\b|当然|对|是的|好的"),
    )
)
_EMOTION_GESTURE: dict[Emotion, str] = {
    Emotion.HAPPY: "nod", Emotion.EXCITED: "clap", Emotion.SAD: "nod", Emotion.CALM: "nod",
    Emotion.SURPRISED: "point", Emotion.ANGRY: "shrug", Emotion.NEUTRAL: "nod",
}


def infer_actions(text: str, emotion: Emotion | None = None, fallback: bool = False) -> list[str]:
    """Gestures the words of ``text`` call for (at most one); with ``fallback``, the
    emotion's default gesture when no word suggests one (so most replies move the body)."""
    for action, pattern in _CUES:
        if pattern.search(text):
            return [action]
    if fallback and emotion is not None:
        return [_EMOTION_GESTURE.get(emotion, "nod")]
    return []


#: actions that cheer; never on a reply to bad news or rudeness
CHEERFUL: frozenset[str] = frozenset({"clap", "cheer", "dance", "thumbs_up", "jump", "spin", "laugh"})


def move_body(tags: list[str], text: str, emotion: Emotion, *, somber: bool, first: bool) -> bool:
    """The body follows the words: a model sentence left without a gesture gets one from
    its text, or (``first`` gesture of a reply) its emotion's default gesture. ``somber``
    (bad news, rudeness): cheerful actions become nods. Edits ``tags`` in place; True
    when the sentence now has a gesture."""
    if somber:
        tags[:] = [t for t in tags if t not in CHEERFUL]
    if not any(t in ACTIONS for t in tags):
        actions = infer_actions(text, emotion, fallback=first)
        if somber:
            actions = ["nod" if a in CHEERFUL else a for a in actions]
        tags += actions
    return any(t in ACTIONS for t in tags)
