"""The one tag grammar and gesture vocabulary, shared by the reply, the rundown and the
live performer."""

from __future__ import annotations

from vhuman.animation.gestures import GESTURES as LIBRARY
from vhuman.animation.gestures import get_gesture
from vhuman.models.textproc.tags import (
    ACTIONS,
    GESTURE_ALIASES,
    GESTURES,
    canonical_gesture,
    extract_gestures,
    parse_tags,
)
from vhuman.models.types import Emotion


def test_the_vocabulary_is_the_gesture_library() -> None:
    assert set(GESTURES) == set(LIBRARY)  # one motion per gesture word
    for alias, name in GESTURE_ALIASES.items():
        assert get_gesture(alias).name == name == canonical_gesture(alias)
    assert canonical_gesture("Thumbs up") == "thumbs_up" and canonical_gesture("dance") is None
    assert "dance" in ACTIONS and "think" not in ACTIONS


def test_reply_tags_and_gesture_cues_read_the_same_words() -> None:
    spoken, emotion, actions = parse_tags("[Excited] Great [thumbs up] job! *waves* [fist-pump]")
    assert spoken == "Great job!" and emotion == Emotion.EXCITED
    assert actions == ["thumbs_up", "fist_pump", "wave"]
    text, cues = extract_gestures("Great [thumbs up] job! [happy] [fist-pump]", ["thumbs_up"])
    assert text == "Great job! [happy]"  # voice markup stays for the voice
    assert [name for _, name in cues] == ["thumbs_up", "cheer"]  # an alias: the library's name
    assert cues[0][0] < cues[1][0] <= 1.0


def test_names_of_the_avatars_own_clips_keep_their_spelling() -> None:
    text, cues = extract_gestures("Look [Victory Dance] at this", ["Victory_Dance"])
    assert text == "Look at this" and cues == [(4 / len(text), "Victory_Dance")]
    text, cues = extract_gestures("[wave] Hello there", [])
    assert text == "Hello there" and cues == [(0.0, "wave")]
