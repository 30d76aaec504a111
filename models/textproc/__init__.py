"""Text processing before speech: normalisation (numbers, dates, URLs...) and inline markup."""

from .markup import MarkupSegment, PauseSegment, TextSegment, parse_markup, strip_markup
from .normalize import clean_characters, normalize_text
from .numbers import cardinal, ordinal, year

__all__ = [
    "PauseSegment",
    "MarkupSegment",
    "TextSegment",
    "cardinal",
    "clean_characters",
    "normalize_text",
    "ordinal",
    "parse_markup",
    "strip_markup",
    "year",
]
