"""The one tag-timing module: a line's gestures land on their word in its streamed chunks."""

from __future__ import annotations

import numpy as np
import pytest

from tests.animation.speech_fixtures import SR, chunk
from vhuman.animation.cues import GestureTimer
from vhuman.models.textproc.tags import extract_gestures
from vhuman.models.types import AudioChunk

# "Hi there" then "my friends", two chunks: words start at 0.2 / 0.58 and 0.1 / 0.45 s.
FIRST = chunk([(" ", 0.2), ("h", 0.08), ("aɪ", 0.2), (" ", 0.1), ("ð", 0.08), ("ɛ", 0.15),
               ("ɹ", 0.1), (" ", 0.1)], text="Hi there")
SECOND = chunk([(" ", 0.1), ("m", 0.1), ("aɪ", 0.15), (" ", 0.1), ("f", 0.08), ("ɹ", 0.08),
                ("ɛ", 0.15), ("n", 0.07), ("d", 0.05), ("z", 0.1), (" ", 0.3)], text="my friends")


def test_gestures_land_on_the_onset_of_their_word_in_the_right_chunk() -> None:
    text, cues = extract_gestures("Hi [nod] there my [wave] friends", ["nod", "wave"])
    assert text == "Hi there my friends"
    timer = GestureTimer(text, cues)
    first = timer.place(FIRST)
    assert first == [pytest.approx((0.58, "nod"), abs=1e-3)]  # on "there", not mid-word
    second = timer.place(SECOND)
    assert second == [pytest.approx((0.45, "wave"), abs=1e-3)]  # on "friends"


def test_without_phonemes_gestures_are_placed_through_the_chunk() -> None:
    bare = AudioChunk(np.zeros(SR, np.float32), SR, [], text="Hello there friends")
    text, cues = extract_gestures("Hello there [clap] friends", ["clap"])
    (t, name), = GestureTimer(text, cues).place(bare)
    assert name == "clap" and t == pytest.approx(text.index("friends") / len(text), abs=0.02)


def test_a_gesture_at_the_end_is_placed_on_the_last_chunk() -> None:
    text, cues = extract_gestures("Hi there my friends [bow]", ["bow"])
    timer = GestureTimer(text, cues)
    assert timer.place(FIRST) == []
    (t, name), = timer.place(SECOND)
    assert name == "bow" and t == pytest.approx(SECOND.duration, abs=1e-3)
