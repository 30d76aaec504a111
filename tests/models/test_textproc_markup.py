"""Inline markup: [happy], [pause 300ms], [slow] change the style mid-text."""

from __future__ import annotations

from vhuman.models.textproc import PauseSegment, TextSegment, parse_markup, strip_markup
from vhuman.models.types import Emotion, InputError, SpeakingStyle


def test_tags_change_style_from_that_point() -> None:
    segments = parse_markup("Hello. [happy] Great news! [slow] Listen carefully.")
    assert [type(s) for s in segments] == [TextSegment] * 3
    assert segments[0].style.emotion is Emotion.NEUTRAL
    assert segments[1].style.emotion is Emotion.HAPPY
    assert segments[2].style.emotion is Emotion.HAPPY and segments[2].style.rate < 1.0


def test_pause_units_and_default() -> None:
    segments = parse_markup("A [pause 300ms] B [pause 1.5s] C [pause] D")
    pauses = [s.seconds for s in segments if isinstance(s, PauseSegment)]
    assert pauses == [0.3, 1.5, 0.3]


def test_intensity_reset_and_absolute_values() -> None:
    base = SpeakingStyle(volume=1.2)
    segments = parse_markup("[sad 0.9] low [rate 1.3] quick [reset] back", base)
    assert segments[0].style.emotion is Emotion.SAD and segments[0].style.intensity == 0.9
    assert segments[1].style.rate == 1.3
    assert segments[2].style == base


def test_unknown_brackets_are_text_and_huge_pauses_capped() -> None:
    segments = parse_markup("As shown [citation needed] here [pause 99s]")
    assert isinstance(segments[0], TextSegment) and "[citation needed]" in segments[0].text
    assert isinstance(segments[1], PauseSegment) and segments[1].seconds == 10.0
    assert strip_markup("[excited] Wow [pause 200ms] yes") == "Wow yes"


def test_non_string_is_a_clear_error() -> None:
    try:
        parse_markup(None)  # type: ignore[arg-type]
    except InputError as exc:
        assert "text must be a string" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected InputError")
