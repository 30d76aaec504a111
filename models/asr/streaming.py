"""Partial transcripts of a turn still being spoken: what is already stable.

A recogniser re-hears the growing turn every so often; its newest words change as more
audio arrives, its first ones settle. :func:`stable_prefix` is the LocalAgreement rule:
the words two consecutive hypotheses agree on (from the start) are stable, so a caller
can show them, or start work on them, before the person has finished. Words are
compared without case and punctuation; Chinese, Japanese and Korean are compared
character by character (they are written without spaces).
"""

from __future__ import annotations

import re

_UNIT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]|"
                   r"[^\s\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_PUNCT = re.compile(r"[^\w']|_")


def _units(text: str) -> list[tuple[str, int]]:
    """(comparable unit, end offset in ``text``) for each word or CJK character; pure
    punctuation is skipped."""
    out = []
    for m in _UNIT.finditer(text):
        key = _PUNCT.sub("", m.group(0).lower())
        if key:
            out.append((key, m.end()))
    return out


def stable_prefix(previous: str, current: str) -> str:
    """The start of ``current`` that ``previous`` agrees with, word by word (as written in
    ``current``, punctuation inside it kept); empty when they differ from the first word."""
    a, b = _units(previous), _units(current)
    agreed = 0
    for (x, _), (y, _) in zip(a, b, strict=False):
        if x != y:
            break
        agreed += 1
    return current[: b[agreed - 1][1]].strip() if agreed else ""
