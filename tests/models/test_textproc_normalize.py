"""Text normalisation: what the voice would otherwise misread."""

from __future__ import annotations

import pytest

from vhuman.models.textproc import cardinal, clean_characters, normalize_text, ordinal, year


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("I have 3 cats.", "I have three cats."),
        ("It costs $3.50.", "It costs three dollars and fifty cents."),
        ("Only $1 today", "Only one dollar today"),
        ("A €2.5 million deal", "A two point five million euros deal"),
        ("Born 2024-05-01.", "Born May first, twenty twenty-four."),
        ("On March 3rd, 1999 it rained", "On March third, nineteen ninety-nine it rained"),
        ("Meet at 3:30 pm.", "Meet at three thirty P M."),
        ("We grew 45% this year", "We grew forty-five percent this year"),
        ("Dr. Smith vs. Mr. Jones", "Doctor Smith versus Mister Jones"),
        ("The 1990s were fun", "The nineteen nineties were fun"),
        ("Pi is 3.14", "Pi is three point one four"),
        ("We sold 1,200,000 copies", "We sold one million two hundred thousand copies"),
        ("Agent 007", "Agent zero zero seven"),
        ("the 21st century", "the twenty-first century"),
        ("Run 5 km", "Run five kilometers"),
        ("a list [1,2,3]", "a list [one,two,three]"),
    ],
)
def test_english_normalisation(written: str, spoken: str) -> None:
    assert normalize_text(written) == spoken


def test_urls_are_not_spelled_out() -> None:
    out = normalize_text("See https://www.example.com/a/b?c=1 for more.")
    assert out == "See a link to example dot com for more."
    assert "/" not in out and "http" not in out


def test_email_spoken_as_words() -> None:
    assert normalize_text("Mail bob@news.org") == "Mail bob at news dot org"


def test_emoji_and_control_characters_removed() -> None:
    assert normalize_text("Great show 🎉👍🏽 tonight\x00\x07!") == "Great show tonight!"
    assert clean_characters("a\u200bb\tc\nd") == "ab c d"


def test_other_languages_keep_their_numbers() -> None:
    # eSpeak reads Chinese/German numbers itself; only language-neutral cleanup applies.
    assert normalize_text("我有3只猫 😀", language="zh") == "我有3只猫"


def test_number_words() -> None:
    assert cardinal(0) == "zero"
    assert cardinal(-42) == "minus forty-two"
    assert cardinal(1_000_001) == "one million one"
    assert ordinal(1) == "first" and ordinal(12) == "twelfth" and ordinal(40) == "fortieth"
    assert year(1905) == "nineteen oh five" and year(2000) == "two thousand"
    assert year(1800) == "eighteen hundred"


def test_huge_numbers_are_read_digit_by_digit() -> None:
    assert normalize_text("code 12345678901234567890").startswith("code one two three")
