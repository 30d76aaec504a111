"""Automatic checks of a chat reply, as a viewer would judge it.

Used to compare chat models on a fixed conversation set (``bench/bench_brain.py``):
language (reply language = message language), tone (sympathy for sad news, no cheer
for bad news or abuse), relevance (embedding similarity of message and reply), made-up
facts (a number, date or name that is in neither the persona, the knowledge base, the
conversation nor the message), persona breaks, and repeated hostile content.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .language import detect_language
from .moderation import OUTPUT_ACCUSATION, PERSONA_BREAK

_CHEER = re.compile(
    r"\b(yay|woo+|awesome|congrat\w*|haha\w*|lol|love it|how fun|so fun|exciting|nice|"
    r"let's go|fantastic|amazing|great)\b|[!]{2,}|¡qué bien|太棒|哈哈", re.I)
_SYMPATHY = re.compile(
    r"\b(sorry|so sad|hug\w*|heart\w*|condolences|hard|tough|loss|here for you|take care|"
    r"thinking of you|must (be|have been)|miss|lo siento|abrazo|ánimo|cuídate|fuerza|"
    r"difficult|painful|gentle|qu[ée] triste|tan triste)\b|难过|抱歉|拥抱|加油|别难过|心疼", re.I)
_NUMBER = re.compile(r"\b\d[\d:.,]*\b")
_NAME = re.compile(r"(?<![.!?¿¡]\s)(?<!^)\b([A-Z][a-zà-ÿ]{2,})\b")
_NAMED_SUBJECT = re.compile(
    r"^([A-Z][a-zà-ÿ]{2,})\s+(?:might|may|must|could|would|will|is|was|has|had|said|asked|"
    r"[a-z]{3,}(?<!ss)s\b(?=\s+\w))\b")  # a person's verb: "Mika might", "Ello starts laughing"
_NAMED_VERBS = frozenset("might may must could would will is was has had said asked".split())
_NOT_ENGLISH = re.compile(r"[áéíóúñ¿¡]|\b(?:el|la|los|las|que|de|y|en|es|un|una|para|con|estamos|"
                          r"tienes|eres)\b", re.I)  # "Aquí estamos contigo" names no one
_COMMON_SUBJECTS = frozenset(
    "Everyone Everybody Nobody Someone Somebody Something Everything Nothing Life Snow Music "
    "This That These Those There Here They She It We You He Mine Yours Ours Skiing Skating "
    "Curling Hockey Sport Sports Dancing Singing Laughter Friendship Family Home Work Winter".split())


_STOP_NAMES = frozenset(
    "I I'm I'll I've Oh Ooh Aww Hmm Haha Yay Woo Wow Hey Hi Hello Yes No Okay Ok Well So And "
    "But Let's The A An It's That's What Who When Where Why How Thanks Thank Sorry Good Great "
    "Nice Bye Maybe Sure Please Love Stay Welcome English Spanish Chinese Winter Games Olympic "
    "Olympics Monday Tuesday Wednesday Thursday Friday Saturday Sunday February March January "
    "Today Tonight Tomorrow Also Just Here There Ah Alright Noted Fair Hmmm Mmm Vale Claro".split()) \
    | _COMMON_SUBJECTS


@dataclass
class ReplyCheck:
    """The verdicts on one reply (``None``: the check does not apply to this message)."""

    language_ok: bool | None = None
    tone_ok: bool | None = None
    relevance: float | None = None
    invented: list[str] = field(default_factory=list)
    persona_break: bool = False
    repeats_hostile: bool = False
    accusation: bool = False

    @property
    def ok(self) -> bool:
        """Acceptable on every count (relevance >= 0.2 when measured)."""
        return (self.language_ok is not False and self.tone_ok is not False
                and (self.relevance is None or self.relevance >= 0.2) and not self.invented
                and not self.persona_break and not self.repeats_hostile and not self.accusation)


def known_terms(texts: Iterable[str]) -> set[str]:
    """Numbers and capitalised words of the allowed sources (persona, KB, conversation)."""
    terms: set[str] = set()
    for text in texts:
        terms |= {n.strip(".,:") for n in _NUMBER.findall(text)}
        terms |= {w.lower() for w in re.findall(r"\b[A-Za-zÀ-ÿ][\w'-]+\b", text)}
    return terms


def unknown_names(reply: str, known: set[str]) -> list[str]:
    """Capitalised words of ``reply`` that name someone or something no ``known`` source
    (lower-cased words) has: inside a sentence ("I love Norway"), or at its start when
    a person's verb follows ("Mika might be looking for...", "Emma agrees")."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?。！？])\s*|[¡¿\"“]", reply):
        sentence = sentence.strip()
        found = [m.group(1) for m in _NAME.finditer(sentence)]
        start = _NAMED_SUBJECT.match(sentence)
        if start and (start.group(0).split()[-1] in _NAMED_VERBS or not _NOT_ENGLISH.search(sentence)):
            found.insert(0, start.group(1))
        out += [w for w in found if w not in _STOP_NAMES and w.lower() not in known]
    return out


def invented_facts(reply: str, known: set[str]) -> list[str]:
    """Numbers, dates and names in ``reply`` found in none of the ``known`` sources."""
    out: list[str] = []
    for number in _NUMBER.findall(reply):
        n = number.strip(".,:")
        if n and n not in known and not (len(n) == 1 and n.isdigit()):
            out.append(n)
    return out + unknown_names(reply, known)


def repeats_hostile(message: str, reply: str, n: int = 3) -> bool:
    """True when the reply says back a run of ``n`` words of a hostile message."""
    words = re.findall(r"\w+", message.lower())
    grams = {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}
    low = " ".join(re.findall(r"\w+", reply.lower()))
    return any(g in low for g in grams)


def check_reply(
    message: str,
    reply: str,
    kind: str,
    expected_language: str | None,
    known: set[str],
    similarity: Callable[[str, str], float] | None = None,
) -> ReplyCheck:
    """Judge one reply to ``message`` (``kind`` as in the conversation set)."""
    result = ReplyCheck()
    if expected_language:
        got = detect_language(reply)
        result.language_ok = got == expected_language
    if kind == "sad":
        result.tone_ok = bool(_SYMPATHY.search(reply)) and not _CHEER.search(reply)
    elif kind == "hostile":
        result.tone_ok = not _CHEER.search(reply)
        result.repeats_hostile = repeats_hostile(message, reply)
    if similarity is not None and kind not in ("hostile", "greeting") and reply.strip():
        result.relevance = round(float(similarity(message, reply)), 3)
    result.invented = invented_facts(reply, known | known_terms([message]))
    result.persona_break = bool(PERSONA_BREAK.search(reply))
    result.accusation = bool(OUTPUT_ACCUSATION.search(reply))
    return result


def embedding_similarity(encode: Callable[[list[str]], np.ndarray]) -> Callable[[str, str], float]:
    """A cosine similarity of two texts from a batch ``encode`` (e.g. MiniLM)."""
    def similarity(a: str, b: str) -> float:
        vecs = np.asarray(encode([a, b]), dtype=np.float32)
        na, nb = np.linalg.norm(vecs[0]), np.linalg.norm(vecs[1])
        return float(vecs[0] @ vecs[1] / (na * nb)) if na and nb else 0.0
    return similarity
