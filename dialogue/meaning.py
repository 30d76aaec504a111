"""Does a reply mean something fitting? The checks a person applies beyond forms.

:func:`meaning_check` looks at what was spoken in reply to a viewer's message and says
what a producer reading it for meaning would object to, as faults (a 0) or a cap (at most
a 1):

- ``off-topic`` (cap 1) / ``nonsense`` (a 0): the model's sentences are far from the
  message by sentence-embedding similarity (the packaged all-MiniLM-L6-v2; English
  messages only, the model reads English), a whole reply of them for ``nonsense``;
- ``said-back`` (a 0): a model sentence that restates the viewer's message as the host's
  own ("我住在上海" → "我在上海。", "Llegué del trabajo muy cansada" → "...el trabajo muy
  cansado"): very close in meaning, and neither addressed to the viewer nor "me too";
- ``question-not-answered`` (a 0): a question met only with an acknowledgement ("Good
  question!") or with questions back ("你喜欢雪花?" to "你喜欢下雪吗？");
- ``not-thanked`` (cap 1): praise or thanks answered without any thanks or gladness
  ("Oh, nice, Jon!" to a compliment);
- ``cheer-to-complaint`` (cap 1): a cheerful line to a tired or cold viewer ("Oh, nice!"
  to "I had a long day at school");
- ``sympathy-to-chat`` (cap 1): condolences for being tired: kind but overdone.

The thresholds were chosen on the dev split's hand-graded replies only
(``python -m bench.bench_conversation --agreement``). The reply judge refuses a model
sentence that is said back, a question answered with a question, or English nonsense
(:func:`sentence_meaning_fault`) before it is spoken.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .evaluation import _CHEER

Similarity = Callable[[str, str], float]

OFF_TOPIC = 0.25  # below it a model sentence is off the message's topic (each: the middle of
# the range that agrees best with the dev hand grades: 0.2-0.3, 0.1-0.2, 0.65-0.7)
NONSENSE = 0.15  # every model sentence below it (eight words or more): nonsense
SAID_BACK = 0.68  # at or above it a sentence not addressed to the viewer restates the message

_ACK_SOURCES = ("opener", "template")
_TO_VIEWER = re.compile(
    r"\b(?:you|your|you're|yours|too|also|welcome|te|tu|tus|ti|contigo|usted|también|bienvenid[oa])\b|"
    r"你|您|也|欢迎", re.I)
_GLAD = re.compile(
    r"\b(?:thanks?|thank you|glad|happy|means (?:a lot|so much)|aww+|so kind|so sweet|you're sweet|"
    r"appreciate|pleasure|you're welcome|gracias|amable|me alegra|qué lindo|encanta|de nada)\b|"
    r"谢谢|开心|高兴|感谢|真好|不客气", re.I)
_LOW = re.compile(
    r"\b(?:tired|exhausted|worn out|sleepy|long day|cold|freezing|bored|rough day|hard day|"
    r"cansad[oa]|agotad[oa]|frío|aburrid[oa]|d[íi]a largo)\b|累|困|冷|无聊", re.I)
_NICE = re.compile(r"\b(?:nice|great|awesome|yay|love it|how fun|qué bien|genial)\b|太好了|真棒", re.I)
_SYMPATHY = re.compile(r"sorry to hear|lo siento mucho|很难过听到", re.I)


class SpokenLike(Protocol):
    text: str
    source: str


@dataclass
class MeaningCheck:
    """What a reading for meaning found: ``faults`` make a 0, ``cap`` limits the grade."""

    faults: list[str] = field(default_factory=list)
    cap: int = 2
    notes: list[str] = field(default_factory=list)

    def limit(self, grade: int, why: str) -> None:
        self.cap = min(self.cap, grade)
        self.notes.append(why)


def said_back(sentence: str, similarity: float) -> bool:
    """A sentence that restates the message (``similarity`` to it) as the host's own."""
    long_enough = len(re.findall(r"\w+", sentence)) >= 3 or len(re.findall(r"[\u3400-\u9fff]", sentence)) >= 4
    return similarity >= SAID_BACK and long_enough and not _TO_VIEWER.search(sentence)


def sentence_meaning_fault(sentence: str, message: str, kind: str, lang: str,
                           similarity: Similarity | None, first: bool) -> str | None:
    """Why the reply judge refuses a model ``sentence`` for its meaning (None: it may be
    said): said back, a question answered with a question (``first``: no model sentence
    before it), or English nonsense far from the message."""
    if kind == "question" and first and re.search(r"[?？]\s*$", sentence):
        return "question-not-answered"
    if similarity is None:
        return None
    sim = similarity(message, sentence)
    if kind in ("chat", "praise", "thanks") and said_back(sentence, sim):
        return "said-back"
    if lang == "en" and kind in ("chat", "question", "request") and sim < NONSENSE:
        return "nonsense"
    return None


def meaning_check(message: str, kind: str, lang: str, reply: Sequence[SpokenLike],
                  similarity: Similarity | None = None, has_goal: bool = False) -> MeaningCheck:
    """Read ``reply`` (spoken sentences with their sources) to ``message`` of ``kind`` for
    meaning. ``similarity``: a sentence-embedding similarity (None: only the lexical
    checks run); ``has_goal``: the turn names what a right reply contains (a fact, an act,
    an honest "don't know", a decline), which the grader checks itself."""
    out = MeaningCheck()
    model = [s.text for s in reply if s.source == "llm"]
    content = [s for s in reply if not s.source.startswith(_ACK_SOURCES)]
    if kind == "question" and not has_goal and (
            not content or (model and len(model) == len(content)
                            and all(re.search(r"[?？]\s*$", t) for t in model))):
        out.faults.append("question-not-answered")
    if kind in ("praise", "thanks") and not any(
            _GLAD.search(s.text) for s in reply if s.source != "template" or "glad you're here" not in s.text):
        out.limit(1, "not-thanked")
    if kind == "chat" and _LOW.search(message):
        if any(_SYMPATHY.search(s.text) for s in reply):
            out.limit(1, "sympathy-to-chat")
        elif any(_NICE.search(s.text) or _CHEER.search(s.text) for s in reply):
            out.limit(1, "cheer-to-complaint")
    talk = [s.text for s in reply if s.source == "small_talk"]
    if similarity is not None and talk and lang == "en" and kind == "question" and \
            all(similarity(message, t) < OFF_TOPIC for t in talk):
        out.limit(1, "off-topic")  # the host's own small-talk line, far from what was asked
    if similarity is None or not model:
        return out
    sims = [similarity(message, t) for t in model]
    if kind in ("chat", "praise", "thanks") and any(said_back(t, sim) for t, sim in zip(model, sims, strict=True)):
        out.faults.append("said-back")
    if lang == "en" and kind in ("chat", "question", "request"):
        low = [sim < OFF_TOPIC for sim in sims]
        if all(sim < NONSENSE for sim in sims) and len(" ".join(model).split()) >= 8:
            out.faults.append("nonsense")
        elif any(low):
            out.limit(1, "off-topic")
    return out
