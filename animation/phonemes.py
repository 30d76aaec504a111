"""IPA phonemes (Piper / eSpeak NG) -> Oculus visemes, and folding of alignment marks.

Piper's alignments list every IPA code point on its own, stress marks and length marks
included, each with a duration; eSpeak gives whole phonemes (``aɪ``, ``tʃ``). Both are
handled: :func:`fold_phonemes` merges stress marks into the following phoneme and length
marks into the preceding one, and :func:`ipa_to_visemes` maps any IPA string (diphthongs,
affricates, diacritics, unknown symbols) to visemes with duration fractions.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence

from vhuman.animation.vocabulary import Viseme
from vhuman.models.types import PhonemeTiming

log = logging.getLogger(__name__)

V = Viseme
STRESS_MARKS = frozenset("ˈˌ'")
LENGTH_MARKS = frozenset("ːˑ")
PAUSE_SYMBOLS = frozenset(' ,.!?;:^$_-—–…|‖"()[]{}\n\t')
MODIFIERS = frozenset("ʰʲʷˠˤ˞ⁿˡ̩̯̪̥̬̃ʼ~ᵊ")

# single sounds (after stripping stress/length/diacritics)
_SINGLE: dict[str, Viseme] = {
    # bilabials and labiodentals
    "p": V.PP,
    "b": V.PP,
    "m": V.PP,
    "ɱ": V.FF,
    "f": V.FF,
    "v": V.FF,
    "ɸ": V.PP,
    "β": V.FF,
    # dentals
    "θ": V.TH,
    "ð": V.TH,
    # alveolar stops / taps
    "t": V.DD,
    "d": V.DD,
    "ɾ": V.DD,
    "ɗ": V.DD,
    "ʈ": V.DD,
    "ɖ": V.DD,
    # velars, uvulars, glottal stop
    "k": V.KK,
    "g": V.KK,
    "ɡ": V.KK,
    "ŋ": V.KK,
    "x": V.KK,
    "ɣ": V.KK,
    "q": V.KK,
    "ɢ": V.KK,
    "χ": V.KK,
    "ʁ": V.KK,
    # postalveolars
    "ʃ": V.CH,
    "ʒ": V.CH,
    "ɕ": V.CH,
    "ʑ": V.CH,
    "ç": V.CH,
    "ʂ": V.CH,
    "ʐ": V.CH,
    "c": V.CH,
    "ɟ": V.CH,
    # sibilants
    "s": V.SS,
    "z": V.SS,
    # nasals and laterals
    "n": V.NN,
    "l": V.NN,
    "ɫ": V.NN,
    "ɲ": V.NN,
    "ɳ": V.NN,
    "ʎ": V.NN,
    "ɬ": V.NN,
    "ɮ": V.NN,
    # rhotics
    "ɹ": V.RR,
    "r": V.RR,
    "ɻ": V.RR,
    "ʀ": V.RR,
    "ɚ": V.RR,
    "ɝ": V.RR,
    # open vowels
    "a": V.AA,
    "ɑ": V.AA,
    "æ": V.AA,
    "ʌ": V.AA,
    "ɐ": V.AA,
    "ä": V.AA,
    "ɶ": V.AA,
    # mid front / central vowels
    "e": V.E,
    "ɛ": V.E,
    "ə": V.E,
    "ɜ": V.E,
    "ɘ": V.E,
    "œ": V.E,
    "ø": V.E,
    "ɞ": V.E,
    # close front vowels and the palatal glide
    "i": V.IH,
    "ɪ": V.IH,
    "ɨ": V.IH,
    "ᵻ": V.IH,
    "y": V.IH,
    "ʏ": V.IH,
    "j": V.IH,
    "ɥ": V.OU,
    # back rounded mid vowels
    "o": V.OH,
    "ɔ": V.OH,
    "ɒ": V.OH,
    "ɤ": V.OH,
    # close rounded vowels and w
    "u": V.OU,
    "ʊ": V.OU,
    "ʉ": V.OU,
    "ɯ": V.OU,
    "w": V.OU,
    "ʍ": V.OU,
}

# multi-symbol sounds: (viseme, fraction of the duration)
_MULTI: dict[str, list[tuple[Viseme, float]]] = {
    "tʃ": [(V.CH, 1.0)],
    "dʒ": [(V.CH, 1.0)],
    "ts": [(V.SS, 1.0)],
    "dz": [(V.SS, 1.0)],
    "aɪ": [(V.AA, 0.6), (V.IH, 0.4)],
    "eɪ": [(V.E, 0.6), (V.IH, 0.4)],
    "ɔɪ": [(V.OH, 0.6), (V.IH, 0.4)],
    "oʊ": [(V.OH, 0.6), (V.OU, 0.4)],
    "əʊ": [(V.E, 0.5), (V.OU, 0.5)],
    "aʊ": [(V.AA, 0.6), (V.OU, 0.4)],
    "ɪə": [(V.IH, 0.6), (V.E, 0.4)],
    "eə": [(V.E, 0.7), (V.E, 0.3)],
    "ʊə": [(V.OU, 0.6), (V.E, 0.4)],
    "ɑɹ": [(V.AA, 0.6), (V.RR, 0.4)],
    "ɔɹ": [(V.OH, 0.6), (V.RR, 0.4)],
    "ɪɹ": [(V.IH, 0.6), (V.RR, 0.4)],
    "ɛɹ": [(V.E, 0.6), (V.RR, 0.4)],
    "ʊɹ": [(V.OU, 0.6), (V.RR, 0.4)],
    "iə": [(V.IH, 0.6), (V.E, 0.4)],
    "aɪə": [(V.AA, 0.45), (V.IH, 0.3), (V.E, 0.25)],
}

TRANSPARENT = frozenset("hɦʔɧ")
"""Sounds without a lip shape of their own: they show the neighbouring vowel."""

VOWELS = frozenset({V.AA, V.E, V.IH, V.OH, V.OU})
CLOSURES = frozenset({V.PP, V.FF})
BILABIAL_SYMBOLS = frozenset("pbm")

# how strongly each viseme shows (tongue-only consonants barely change the lips)
STRENGTH: dict[Viseme, float] = {
    V.SIL: 1.0,
    V.PP: 1.0,
    V.FF: 1.0,
    V.TH: 0.8,
    V.DD: 0.65,
    V.KK: 0.6,
    V.CH: 0.9,
    V.SS: 0.8,
    V.NN: 0.6,
    V.RR: 0.8,
    V.AA: 1.0,
    V.E: 0.9,
    V.IH: 0.85,
    V.OH: 1.0,
    V.OU: 0.95,
}


def strip_ipa(phoneme: str) -> str:
    """Remove stress, length, tie bars, modifiers and combining diacritics."""
    out = []
    for ch in unicodedata.normalize("NFD", phoneme):
        if ch in STRESS_MARKS or ch in LENGTH_MARKS or ch in MODIFIERS or ch in "͜͡‿":
            continue
        if unicodedata.category(ch) == "Mn":
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def is_pause(phoneme: str) -> bool:
    """Word gaps, punctuation and sentence markers (Piper's ``^ $``)."""
    return phoneme == "" or all(ch in PAUSE_SYMBOLS for ch in phoneme)


def ipa_to_visemes(phoneme: str) -> list[tuple[Viseme, float]]:
    """Visemes of one IPA phoneme as (viseme, fraction of its duration).

    Pauses map to ``sil``; ``h``/``ʔ`` to an empty list (transparent: the caller shows the
    neighbouring vowel); unknown symbols to the nearest known base letter or ``sil``.
    """
    if is_pause(phoneme):
        return [(V.SIL, 1.0)]
    core = strip_ipa(phoneme)
    if not core:
        return [(V.SIL, 1.0)]
    if core in _MULTI:
        return list(_MULTI[core])
    if core in _SINGLE:
        return [(_SINGLE[core], 1.0)]
    if all(ch in TRANSPARENT for ch in core):
        return []
    # greedy longest match over the symbols
    parts: list[Viseme] = []
    i = 0
    while i < len(core):
        two = core[i : i + 2]
        if len(two) == 2 and two in _MULTI:
            parts.extend(v for v, _ in _MULTI[two])
            i += 2
            continue
        ch = core[i]
        if ch in _SINGLE:
            parts.append(_SINGLE[ch])
        elif ch in TRANSPARENT or ch in PAUSE_SYMBOLS:
            pass
        else:
            base = unicodedata.normalize("NFD", ch)[0].lower()
            if base in _SINGLE:
                parts.append(_SINGLE[base])
            else:
                log.debug("unknown IPA symbol %r in %r: treated as silence", ch, phoneme)
        i += 1
    if not parts:
        return [(V.SIL, 1.0)]
    return [(v, 1.0 / len(parts)) for v in parts]


def fold_phonemes(timings: Sequence[PhonemeTiming]) -> list[PhonemeTiming]:
    """Merge mark-only entries: stress into the next phoneme, length into the previous.

    Consecutive pauses merge into one. Sample positions stay contiguous and the total
    duration is preserved.
    """
    out: list[PhonemeTiming] = []
    pending_start: int | None = None  # start of stress marks waiting for their phoneme
    for p in timings:
        text = p.phoneme
        if text and all(ch in STRESS_MARKS for ch in text):
            if pending_start is None:
                pending_start = p.start
            continue
        if text and all(ch in LENGTH_MARKS for ch in text) and out:
            last = out[-1]
            out[-1] = PhonemeTiming(last.phoneme + text, last.start, p.end - last.start)
            continue
        start = p.start if pending_start is None else pending_start
        pending_start = None
        cur = PhonemeTiming(text, start, p.end - start)
        if out and is_pause(cur.phoneme) and is_pause(out[-1].phoneme):
            prev = out[-1]
            out[-1] = PhonemeTiming(" ", prev.start, cur.end - prev.start)
            continue
        out.append(cur)
    if pending_start is not None:  # trailing stress mark: give it to the last phoneme
        end = timings[-1].end
        if out:
            last = out[-1]
            out[-1] = PhonemeTiming(last.phoneme, last.start, end - last.start)
        else:
            out.append(PhonemeTiming(" ", pending_start, end - pending_start))
    return out


def is_bilabial(phoneme: str) -> bool:
    """True for p, b, m (with any diacritics)."""
    core = strip_ipa(phoneme)
    return bool(core) and all(ch in BILABIAL_SYMBOLS for ch in core)
