"""Where each spoken phoneme goes in the song: consonants before the beat, vowels on it.

For every syllable the onset consonants end exactly at the note onset (so the vowel lands
on the beat), the vowel holds through the syllable's notes (melisma and ties included),
and the coda consonants close the syllable just before the next onset. Consonant
clusters are squeezed, never the vowel below half of its last note: fast songs keep
their rhythm, slow songs keep the voice's own consonant lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

from vhuman.models.sing.lyrics import Phone, SpokenSyllable, is_vowel
from vhuman.models.sing.score import Phrase, Syllable

MAX_ONSET = 0.25  # s: the longest onset cluster placed before a note
MIN_VOWEL_SHARE = 0.5  # of the syllable's last note kept for the vowel
DIPHTHONG_TAIL = 0.3  # share of the vowel time the second part of a diphthong gets at most


@dataclass(frozen=True)
class Placed:
    """A phone placed in the song: target span (s) and its source span (samples)."""

    phoneme: str
    start: float
    end: float
    src_start: int
    src_end: int
    piece: int  # which source audio array
    kind: str  # "onset" | "vowel" | "coda"
    syllable: int  # index of the syllable in the song


@dataclass(frozen=True)
class SungSyllable:
    """A syllable as sung: its score syllable and where its vowel sounds (s)."""

    syllable: Syllable
    vowel_start: float
    vowel_end: float


def _length(phones: list[Phone], sr: int) -> float:
    return sum(p.length for p in phones) / sr


def _spread(phones: list[Phone], t0: float, t1: float, piece: int, kind: str,
            index: int) -> list[Placed]:
    """Place ``phones`` over [t0, t1] in proportion to their spoken lengths."""
    total = sum(p.length for p in phones)
    out, acc = [], t0
    for p in phones:
        share = (p.length / total) if total else 1.0 / len(phones)
        end = acc + share * (t1 - t0)
        out.append(Placed(p.phoneme, acc, end, p.start, p.end, piece, kind, index))
        acc = end
    return out


def _vowel(phones: list[Phone], t0: float, t1: float, piece: int, index: int,
           sr: int) -> list[Placed]:
    """The nucleus over [t0, t1]: the first vowel holds, diphthong glides come at the end."""
    if len(phones) == 1:
        return _spread(phones, t0, t1, piece, "vowel", index)
    head, tail = phones[:1], phones[1:]
    tail_len = min(sum(p.length for p in tail) / sr * 1.2, DIPHTHONG_TAIL * (t1 - t0))
    cut = t1 - tail_len
    return (_spread(head, t0, cut, piece, "vowel", index)
            + _spread(tail, cut, t1, piece, "vowel", index))


def place_phrase(phrase: Phrase, spoken: list[tuple[int, SpokenSyllable]], sr: int,
                 before: float, first_index: int) -> tuple[list[Placed], list[SungSyllable]]:
    """Place a phrase's spoken syllables on its notes.

    ``before`` is the free time (s) before the phrase's first note (rest or song start);
    ``first_index`` is the song-wide index of the phrase's first syllable.
    """
    sylls = phrase.syllables
    n = len(sylls)
    onset = [_length(s.onset, sr) for _, s in spoken]
    coda = [_length(s.coda, sr) for _, s in spoken]
    # squeeze factors: the phrase start, each boundary, the phrase end
    onset_scale = [1.0] * n
    coda_scale = [1.0] * n
    if onset[0] > 0:
        onset_scale[0] = min(1.0, MAX_ONSET / onset[0], 0.8 * before / onset[0])
    for i in range(n):
        last = sylls[i].notes[-1].duration
        nxt = onset[i + 1] if i + 1 < n else 0.0
        cluster = coda[i] + nxt
        if cluster > 0:
            limit = (1.0 - MIN_VOWEL_SHARE) * last
            f = min(1.0, limit / cluster)
            if i + 1 < n:
                f = min(f, MAX_ONSET / max(nxt, 1e-9)) if nxt > MAX_ONSET else f
                onset_scale[i + 1] = f
            coda_scale[i] = f
    placed: list[Placed] = []
    sung: list[SungSyllable] = []
    for i, (syl, (piece, sp)) in enumerate(zip(sylls, spoken, strict=True)):
        idx = first_index + i
        o = onset[i] * onset_scale[i]
        c = coda[i] * coda_scale[i]
        nxt = onset[i + 1] * onset_scale[i + 1] if i + 1 < n else 0.0
        if sp.onset and o > 0:
            placed += _spread(sp.onset, syl.start - o, syl.start, piece, "onset", idx)
        v0, v1 = syl.start, syl.end - c - nxt
        if sp.nucleus:
            placed += _vowel(sp.nucleus, v0, v1, piece, idx, sr)
        if sp.coda and c > 0:
            placed += _spread(sp.coda, v1, v1 + c, piece, "coda", idx)
        sung.append(SungSyllable(syl, v0, v1))
    return placed, sung


def is_vowel_segment(p: Placed) -> bool:
    return p.kind == "vowel" and is_vowel(p.phoneme)
