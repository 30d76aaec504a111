"""Emotion and action tags in replies: ``[happy] Hi there! [wave]``.

The model may write tags; templates add them; the text-emotion classifier fills in the
emotion when none is given. Tags never reach the voice: :func:`parse_tags` strips them.
"""

from __future__ import annotations

import re

from models.textproc.tags import TAG_PATTERN
from models.types import Emotion

ACTIONS: frozenset[str] = frozenset(
    "wave dance nod bow clap point shrug laugh think heart jump spin cheer".split()
)
EMOTION_ALIASES: dict[str, Emotion] = {
    **{e.value: e for e in Emotion},
    "joy": Emotion.HAPPY, "joyful": Emotion.HAPPY, "smile": Emotion.HAPPY, "cheerful": Emotion.HAPPY,
    "glad": Emotion.HAPPY, "excitement": Emotion.EXCITED, "thrilled": Emotion.EXCITED,
    "sadness": Emotion.SAD, "upset": Emotion.SAD, "anger": Emotion.ANGRY, "mad": Emotion.ANGRY,
    "surprise": Emotion.SURPRISED, "shocked": Emotion.SURPRISED, "relaxed": Emotion.CALM,
    "serene": Emotion.CALM,
}
# Stage directions a small model likes to write: "(laughs)", "*smiles*".
_STAGE = re.compile(r"\(\s*[a-z][a-z ]{1,20}\)|\*[a-z][a-z ]{1,20}\*", re.I)
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\ufe0f\u200d]+"
)
_STAGE_ACTIONS = {"laugh": "laugh", "laughs": "laugh", "waves": "wave", "wave": "wave",
                  "nods": "nod", "dances": "dance", "claps": "clap", "shrugs": "shrug"}


def parse_tags(text: str) -> tuple[str, Emotion | None, list[str]]:
    """Split ``text`` into spoken text, the first emotion tag, and action tags (in order).

    Unknown bracketed words are dropped from the spoken text too (they are not speech).
    """
    emotion: Emotion | None = None
    actions: list[str] = []
    for match in TAG_PATTERN.finditer(text):
        word = match.group("name").lower()
        if word in EMOTION_ALIASES and emotion is None:
            emotion = EMOTION_ALIASES[word]
        elif word in ACTIONS and word not in actions:
            actions.append(word)
    for match in _STAGE.finditer(text):
        word = match.group(0).strip("()* ").lower().split()[0]
        action = _STAGE_ACTIONS.get(word)
        if action and action not in actions:
            actions.append(action)
    spoken = _STAGE.sub(" ", TAG_PATTERN.sub(" ", text))
    spoken = _EMOJI.sub(" ", spoken)
    spoken = re.sub(r"\s+([,.!?;:])", r"\1", re.sub(r"\s+", " ", spoken)).strip()
    return spoken, emotion, actions


def format_tags(emotion: Emotion | None, actions: list[str]) -> str:
    """The tag prefix for a line, e.g. ``[happy] [wave]``."""
    parts = [f"[{emotion.value}]"] if emotion else []
    parts += [f"[{a}]" for a in actions]
    return " ".join(parts)


def strip_emoji(text: str) -> str:
    return re.sub(r"\s+", " ", _EMOJI.sub(" ", text)).strip()
