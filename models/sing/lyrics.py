"""Spoken lyrics split into sung syllables: onset consonants, vowel nucleus, coda.

The voice speaks a phrase once; its per-phoneme alignment is cut at word spaces, and each
word's phonemes are divided among the word's syllables around their vowel nuclei
(consonants between two nuclei: one goes to the coda of the first, the rest start the
next). When the voice's word count differs from the lyric's (a number read as two words,
say), the phrase is spoken clause by clause, and a clause that still differs word by word,
so every syllable always gets phonemes.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from vhuman.models.tts.phonemes import SILENCE, fold_alignment
from vhuman.models.types import FloatArray, InputError

logger = logging.getLogger(__name__)

IPA_VOWELS = frozenset("aeiouyæɑɒɐəɚɛɜɝɪɨʉʊʌɔøœɯɤɘɵʏᵻɞɶ")
SONORANTS = frozenset("lmnŋɹrɾjwɫ")
_WORD_CHARS = re.compile(r"[^\w'’ -]+", re.UNICODE)


def is_vowel(phoneme: str) -> bool:
    """True for an IPA vowel (length marks and diacritics allowed, e.g. ``"ɑː"``)."""
    base = "".join(c for c in phoneme if not unicodedata.combining(c) and c not in "ːˑ")
    return bool(base) and all(c in IPA_VOWELS for c in base)


def is_voiced_consonant(phoneme: str) -> bool:
    return any(c in SONORANTS or c in "bdgvzʒðʤdʒ" for c in phoneme)


@dataclass(frozen=True)
class Phone:
    """One phoneme of the spoken source: IPA and its sample span in the source audio."""

    phoneme: str
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class SpokenSyllable:
    """A syllable's phonemes in the spoken source: onset consonants, nucleus, coda."""

    onset: list[Phone] = field(default_factory=list)
    nucleus: list[Phone] = field(default_factory=list)
    coda: list[Phone] = field(default_factory=list)


@dataclass
class SpokenPhrase:
    """Source audio of a phrase (one array per spoken piece) and its syllables' phones."""

    audio: list[FloatArray]
    sample_rate: int
    syllables: list[tuple[int, SpokenSyllable]]  # (index into ``audio``, syllable)


def clean_word(text: str) -> str:
    """A lyric word as the voice should read it (punctuation dropped, apostrophes kept)."""
    return " ".join(_WORD_CHARS.sub(" ", text).replace("-", " ").split())


CLAUSE_WORDS = 8  # a clause spoken on its own is cut after at most this many words


def split_clauses(words: list[list[str]]) -> list[list[list[str]]]:
    """Words (each its syllable texts) cut into clauses after the lyric's punctuation
    (``sing,`` ``liberty;``) and after every ``CLAUSE_WORDS`` words without any."""
    out: list[list[list[str]]] = [[]]
    for w in words:
        out[-1].append(w)
        if (w and w[-1].rstrip()[-1:] in ",;:.!?") or len(out[-1]) >= CLAUSE_WORDS:
            out.append([])
    return [c for c in out if c]


def split_word(phones: list[Phone], count: int) -> list[SpokenSyllable]:
    """Divide a word's phones among ``count`` syllables around their vowel nuclei."""
    if count <= 0:
        raise InputError("a word needs at least one syllable")
    if not phones:
        return [SpokenSyllable() for _ in range(count)]
    runs: list[list[int]] = []  # indices of consecutive vowels (diphthongs stay together)
    for i, p in enumerate(phones):
        if is_vowel(p.phoneme):
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
    if not runs:  # "hmm", "shh": the most sonorous (else longest) phone carries the note
        son = [i for i, p in enumerate(phones) if is_voiced_consonant(p.phoneme)]
        pool = son or list(range(len(phones)))
        runs = [[max(pool, key=lambda i: phones[i].length)]]
    while len(runs) > count:  # merge the two nuclei with the fewest consonants between them
        gaps = [runs[k + 1][0] - runs[k][-1] for k in range(len(runs) - 1)]
        k = int(np.argmin(gaps))
        runs[k : k + 2] = [list(range(runs[k][0], runs[k + 1][-1] + 1))]
    out = _assign(phones, runs)
    while len(out) < count:  # more syllables than vowels: split the longest nucleus
        k = max(range(len(out)), key=lambda j: sum(p.length for p in out[j].nucleus))
        s = out[k]
        first, second = _halve(s.nucleus)
        out[k : k + 1] = [SpokenSyllable(s.onset, first, []), SpokenSyllable([], second, s.coda)]
    return out


def _halve(nucleus: list[Phone]) -> tuple[list[Phone], list[Phone]]:
    if len(nucleus) > 1:
        h = len(nucleus) // 2
        return nucleus[:h], nucleus[h:]
    p = nucleus[0]
    mid = (p.start + p.end) // 2
    return [Phone(p.phoneme, p.start, mid)], [Phone(p.phoneme, mid, p.end)]


def _assign(phones: list[Phone], runs: list[list[int]]) -> list[SpokenSyllable]:
    out = [SpokenSyllable(nucleus=[phones[i] for i in r]) for r in runs]
    out[0].onset = phones[: runs[0][0]]
    out[-1].coda = phones[runs[-1][-1] + 1 :]
    for k in range(len(runs) - 1):
        between = phones[runs[k][-1] + 1 : runs[k + 1][0]]
        if len(between) >= 2:
            out[k].coda = between[:1]
            out[k + 1].onset = between[1:]
        else:
            out[k + 1].onset = between
    return out


class LyricSpeaker:
    """Speaks lyric phrases with a Piper voice and returns per-syllable phones.

    ``length_scale`` > 1 speaks slower (longer consonants, for slow songs).
    """

    def __init__(self, voice: str = "joe", length_scale: float = 1.0) -> None:
        from vhuman.models.tts.piper_tts import load_piper_voice, resolve_voice

        model, config = resolve_voice(voice)
        self._voice = load_piper_voice(str(model), str(config))
        self.sample_rate = int(self._voice.config.sample_rate)
        self.length_scale = float(length_scale)
        self._lock = threading.Lock()

    def speak_text(self, text: str) -> tuple[FloatArray, list[tuple[str, int]]]:
        """Speak ``text`` as it is: the audio and the raw (symbol, samples) alignment."""
        from piper import SynthesisConfig

        cfg = self._voice.config
        syn = SynthesisConfig(length_scale=cfg.length_scale * self.length_scale)
        audio, entries = [], []
        with self._lock:
            for chunk in self._voice.synthesize(text, syn_config=syn, include_alignments=True):
                samples = chunk.audio_float_array.astype(np.float32)
                audio.append(samples)
                if chunk.phoneme_alignments:
                    entries += [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
                else:
                    entries.append((SILENCE, samples.size))
                entries.append((" ", 0))
        samples = np.concatenate(audio) if audio else np.zeros(0, np.float32)
        return samples, entries

    @staticmethod
    def _words(entries: list[tuple[str, int]]) -> list[list[Phone]]:
        """Phones per word (cut at word spaces; silences dropped, their samples skipped)."""
        words: list[list[Phone]] = []
        pending: list[tuple[str, int]] = []
        pos = 0

        def close() -> None:
            nonlocal pos
            if not pending:
                return
            start = pos
            phones = []
            for t in fold_alignment(pending):
                if t.phoneme != SILENCE:
                    phones.append(Phone(t.phoneme, start + t.start, start + t.end))
            pos += sum(c for _, c in pending)
            if phones:
                words.append(phones)
            pending.clear()

        for symbol, count in entries:
            pending.append((symbol, count))
            if symbol == " ":
                close()
        close()
        return words

    def speak(self, words: list[list[str]]) -> SpokenPhrase:
        """``words``: each word's syllable texts. One spoken take of the whole phrase when
        the voice reads it as that many words; else one take per clause (cut after the
        lyric's punctuation, at most ``CLAUSE_WORDS`` words), and word by word only for a
        clause the voice still reads differently, so one odd word in a long breath does
        not make the whole breath sound like a list of words."""
        pieces: list[FloatArray] = []
        sylls: list[tuple[int, SpokenSyllable]] = []
        self._speak_into(words, pieces, sylls, clauses=True)
        return SpokenPhrase(pieces, self.sample_rate, sylls)

    def _speak_into(self, words: list[list[str]], pieces: list[FloatArray],
                    sylls: list[tuple[int, SpokenSyllable]], *, clauses: bool) -> None:
        texts = [clean_word("".join(w)) or "ah" for w in words]
        audio, entries = self.speak_text(" ".join(texts) + ".")
        spoken = self._words(entries)
        if len(spoken) == len(words) or len(words) == 1:
            if len(spoken) != len(words):  # one lyric word read as several ("me a")
                spoken = [[p for ws in spoken for p in ws]]
            pieces.append(audio)
            sylls += [(len(pieces) - 1, s) for w, ph in zip(words, spoken, strict=True)
                      for s in split_word(ph, len(w))]
            return
        logger.debug("voice read %d words for %d lyric words in %r: %s", len(spoken),
                     len(words), " ".join(texts), "clause by clause" if clauses else
                     "word by word")
        groups = split_clauses(words) if clauses else [[w] for w in words]
        if len(groups) == 1:
            groups = [[w] for w in words]
        for group in groups:
            self._speak_into(group, pieces, sylls, clauses=False)
