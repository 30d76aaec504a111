"""Turn a backend's raw (symbol, samples) alignment into clean IPA :class:`PhonemeTiming` s.

Neural voices align every input symbol, including stress marks, length marks, word
spaces, punctuation and begin/end markers. Lip-sync wants phonemes only, so:

- stress marks (ˈ ˌ) give their samples to the next phoneme;
- length marks and combining diacritics (ː ʰ ̃ ...) join the previous phoneme ("ɑː");
- word spaces give their samples to the previous phoneme (speech runs across words);
- punctuation and begin/end markers (``^ $ . , ! ?``) become silence ``"_"``;
adjacent silences merge. Durations always sum to the input total.
"""

from __future__ import annotations

import unicodedata

from vhuman.models.types import PhonemeTiming

SILENCE = "_"
_STRESS = {"ˈ", "ˌ"}
_SILENT = set("^$_.,;:!?¡¿—–-…\"'()[]«»“”") | {"", "\n"}
_SUFFIX = {"ː", "ˑ", "ʰ", "ʲ", "ʷ", "ˠ", "ˤ", "ⁿ", "ˡ", "̃"}


def _is_suffix(symbol: str) -> bool:
    return symbol in _SUFFIX or all(unicodedata.combining(c) for c in symbol)


def fold_alignment(entries: list[tuple[str, int]]) -> list[PhonemeTiming]:
    """Fold raw alignment entries into phonemes whose durations sum to the same total."""
    names: list[str] = []
    durations: list[int] = []
    carry = 0  # samples waiting for the next phoneme (stress marks)
    for symbol, count in entries:
        count = int(count)
        if symbol in _STRESS:
            carry += count
        elif symbol in _SILENT or symbol.isspace() and symbol != " ":
            if names and names[-1] == SILENCE:
                durations[-1] += count + carry
            else:
                names.append(SILENCE)
                durations.append(count + carry)
            carry = 0
        elif symbol == " " or _is_suffix(symbol):
            if names and names[-1] != SILENCE:
                if symbol != " ":
                    names[-1] += symbol
                durations[-1] += count
            else:
                carry += count
        else:
            names.append(symbol)
            durations.append(count + carry)
            carry = 0
    if carry:
        if durations:
            durations[-1] += carry
        else:
            names.append(SILENCE)
            durations.append(carry)
    out: list[PhonemeTiming] = []
    start = 0
    for name, duration in zip(names, durations, strict=True):
        if duration <= 0:
            continue
        out.append(PhonemeTiming(name, start, duration))
        start += duration
    return out


def timings_from_durations(names: list[str], durations: list[int]) -> list[PhonemeTiming]:
    """Build consecutive timings from names and (already exact) durations; drops empties."""
    out: list[PhonemeTiming] = []
    start = 0
    for name, duration in zip(names, durations, strict=True):
        if duration > 0:
            out.append(PhonemeTiming(name, start, duration))
            start += duration
    return out
