"""Stable prefixes of partial transcripts (LocalAgreement of two hypotheses)."""

from __future__ import annotations

from vhuman.models.asr.streaming import stable_prefix


def test_the_words_two_partials_agree_on_are_stable_as_written_in_the_newer():
    assert stable_prefix("It was the first gray", "It was the, first great sorrow") == \
        "It was the, first"
    assert stable_prefix("it was THE first great", "It was the first great sorrow.") == \
        "It was the first great"
    assert stable_prefix("", "hello there") == ""
    assert stable_prefix("goodbye", "hello there") == ""


def test_chinese_is_compared_character_by_character():
    assert stable_prefix("娱乐反斗", "娱乐反斗星。") == "娱乐反斗"
    assert stable_prefix("这些游戏队", "这些游戏队员威胁") == "这些游戏队"
