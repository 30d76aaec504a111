"""The one tag grammar: inline ``[tags]`` in text (``[happy]``, ``[wave]``, ``[thumbs up]``,
``[sad 0.9]``, ``[pause 300ms]``), the stage directions a model writes (``(laughs)``,
``*waves*``), and the gesture words they may name.

Voice markup, reply tags, rundown lines and gesture cues all read tags with
:data:`TAG_PATTERN`; each decides which names it understands. Groups: ``name`` (one or
more words), ``value`` (an optional number) and ``unit`` (``ms`` or ``s``).

The gesture words are one list for every layer: :data:`GESTURES` (the gesture library of
``vhuman.animation.gestures`` has one motion per name), :data:`GESTURE_ALIASES` (other
words for them) and :data:`MOVES` (what the host performs other than by a gesture).
It lives here, in the lowest layer, because the dialogue writes these words and may not
import the animation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vhuman.models.types import Emotion

TAG_PATTERN = re.compile(
    r"\[\s*(?P<name>[A-Za-z][\w\-]{0,40}(?:[ ][A-Za-z][\w\-]{0,40})*?)"
    r"(?:\s+(?P<value>[0-9.]+)\s*(?P<unit>ms|s)?)?\s*\]")

GESTURES: tuple[str, ...] = ("bow", "cheer", "clap", "head_shake", "heart_hands", "nod",
                             "point_at_screen", "shrug", "thumbs_up", "wave")
"""The gestures of the built-in library, by canonical name."""
GESTURE_ALIASES: dict[str, str] = {
    "fist_pump": "cheer", "jump": "cheer", "point": "point_at_screen", "heart": "heart_hands",
    "shake": "head_shake", "yes": "nod", "no": "head_shake", "hi": "wave", "hello": "wave",
    "laugh": "clap",
}
"""Other words for the gestures (what a model, a rundown or a viewer writes)."""
MOVES: tuple[str, ...] = ("dance",)
"""Words that cue a performance rather than a gesture (the dance skill)."""
ACTIONS: frozenset[str] = frozenset((*GESTURES, *GESTURE_ALIASES, *MOVES))
"""Every action word a reply tag may carry."""

EMOTION_ALIASES: dict[str, Emotion] = {
    **{e.value: e for e in Emotion},
    "joy": Emotion.HAPPY, "joyful": Emotion.HAPPY, "smile": Emotion.HAPPY, "cheerful": Emotion.HAPPY,
    "glad": Emotion.HAPPY, "excitement": Emotion.EXCITED, "thrilled": Emotion.EXCITED,
    "sadness": Emotion.SAD, "upset": Emotion.SAD, "anger": Emotion.ANGRY, "mad": Emotion.ANGRY,
    "surprise": Emotion.SURPRISED, "shocked": Emotion.SURPRISED, "relaxed": Emotion.CALM,
    "serene": Emotion.CALM,
}
"""Emotion words a tag may use."""

# Stage directions a small model likes to write: "(laughs)", "*smiles*".
_STAGE = re.compile(r"\(\s*[a-z][a-z ]{1,20}\)|\*[a-z][a-z ]{1,20}\*", re.I)
_STAGE_ACTIONS = {"laugh": "laugh", "laughs": "laugh", "waves": "wave", "wave": "wave",
                  "nods": "nod", "dances": "dance", "claps": "clap", "shrugs": "shrug"}
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\ufe0f\u200d]+"
)


def gesture_key(name: str) -> str:
    """A gesture word in its one spelling: lower case, ``_`` for spaces and hyphens
    (``[Thumbs up]`` and ``[fist-pump]`` name ``thumbs_up`` and ``fist_pump``)."""
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def canonical_gesture(name: str) -> str | None:
    """The library gesture a word names (an alias resolved), or None."""
    key = gesture_key(name)
    key = GESTURE_ALIASES.get(key, key)
    return key if key in GESTURES else None


def parse_tags(text: str) -> tuple[str, Emotion | None, list[str]]:
    """Split ``text`` into spoken text, the first emotion tag, and action words (in order).

    Unknown bracketed words, stage directions and emoji are dropped from the spoken text
    too (they are not speech).
    """
    emotion: Emotion | None = None
    actions: list[str] = []
    for match in TAG_PATTERN.finditer(text):
        word = match.group("name").lower()
        key = gesture_key(word)
        if word in EMOTION_ALIASES and emotion is None:
            emotion = EMOTION_ALIASES[word]
        elif key in ACTIONS and key not in actions:
            actions.append(key)
    for match in _STAGE.finditer(text):
        word = match.group(0).strip("()* ").lower().split()[0]
        action = _STAGE_ACTIONS.get(word)
        if action and action not in actions:
            actions.append(action)
    spoken = _STAGE.sub(" ", TAG_PATTERN.sub(" ", text))
    spoken = _EMOJI.sub(" ", spoken)
    spoken = re.sub(r"\s+([,.!?;:])", r"\1", re.sub(r"\s+", " ", spoken)).strip()
    return spoken, emotion, actions


def extract_gestures(text: str, known: Iterable[str]) -> tuple[str, list[tuple[float, str]]]:
    """Remove ``[gesture]`` tags naming a known gesture (a name of ``known`` or a word of
    the vocabulary); other tags (voice markup such as ``[happy]`` or ``[pause 300ms]``)
    stay in the text for the voice to read.

    Returns the text and ``(position, name)`` pairs, position = fraction 0..1 of the way
    through the remaining text where the tag stood; ``name`` as ``known`` spells it, or
    the library name of a vocabulary word.
    """
    names = {gesture_key(n): n for n in known}
    pieces: list[str] = []
    found: list[str] = []
    last = 0
    for match in TAG_PATTERN.finditer(text):
        key = gesture_key(match.group("name"))
        name = names.get(key) or canonical_gesture(key)
        if name is None:
            continue
        pieces.append(text[last:match.start()])
        found.append(name)
        last = match.end()
    pieces.append(text[last:])
    # A mark where each tag stood, the spaces around it made one, then the marks read off
    # as positions in the final text (so a tag sits right before the word it precedes).
    marked = re.sub(r"\s{2,}", " ", re.sub(r"\s*\x00\s*", "\x00 ", "\x00".join(pieces)))
    chars: list[str] = []
    marks: list[int] = []
    for ch in marked:
        if ch == "\x00":
            marks.append(len(chars))
        else:
            chars.append(ch)
    clean = "".join(chars).rstrip()
    lead = len(clean) - len(clean.lstrip())
    clean = clean[lead:]
    marks = [max(m - lead, 0) for m in marks]
    total = max(len(clean), 1)
    return clean, [(min(pos / total, 1.0), name) for pos, name in zip(marks, found, strict=True)]


__all__ = ["ACTIONS", "EMOTION_ALIASES", "GESTURES", "GESTURE_ALIASES", "MOVES", "TAG_PATTERN",
           "canonical_gesture", "extract_gestures", "gesture_key", "parse_tags"]
