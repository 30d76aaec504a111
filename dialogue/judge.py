"""The judge every model-written sentence passes before it is spoken.

A sentence is refused when it says the viewer's words back, narrates the host or the
viewer in the third person, talks like an assistant, carries labels or instructions,
is not in the reply's language, gives medical / legal / financial / political advice,
cheers at sad news or abuse, or offers sympathy to a plain question; and when it makes a
producer wince in the ways :func:`dialogue.faults.sentence_fault` names (grief answered
lightly, the viewer served like an assistant's customer, instruction fragments, claims or
guesses the message does not support, the viewer narrated, a paraphrased echo). After sad
news only a comforting sentence is spoken. The same rules
grade replies in the conversation bench (:mod:`dialogue.grading`); facts are checked
apart (:class:`dialogue.guard.FactGuard`).
"""

from __future__ import annotations

import re

from .evaluation import _CHEER
from .faults import comforting, sentence_fault
from .grading import _ADVICE, _ASSISTANT, _LEAK, _SYMPATHY_OPENER, echoes, third_person
from .language import detect_language
from .meaning import Similarity, sentence_meaning_fault

_VIEWER_NARRATION = re.compile(r"^\s*(?:the viewer|viewers?|a viewer|el espectador|观众)\b", re.I)


def _shared_cjk(a: str, b: str) -> int:
    """Length of the longest run of CJK characters of ``a`` found in ``b``."""
    best = 0
    for run in re.findall(r"[\u3400-\u9fff]+", a):
        for i in range(len(run)):
            for j in range(i + best + 1, len(run) + 1):
                if run[i:j] in b:
                    best = j - i
    return best


def judge_sentence(sentence: str, message: str, language: str, persona_name: str,
                   kind: str = "chat", viewer: str | None = None, before: str | None = None,
                   similarity: Similarity | None = None, first: bool | None = None) -> str | None:
    """Why ``sentence`` must not be spoken in reply to ``message`` (None: it may);
    ``before``: what the reply said right before it (None: it is the first);
    ``similarity``: a sentence-embedding similarity for the meaning checks
    (:func:`dialogue.meaning.sentence_meaning_fault`); ``first``: no model sentence was
    said before it in this reply (default: ``before`` is None)."""
    if echoes(message, sentence, run=4):
        return "echo"
    if kind == "abuse" and _shared_cjk(message, sentence) >= 2:
        return "echo"  # a hostile message's words are never said back, however short
    if third_person(sentence, persona_name, viewer) or _VIEWER_NARRATION.search(sentence):
        return "third-person"
    if _LEAK.search(sentence):
        return "leak"
    if _ASSISTANT.search(sentence):
        return "assistant-speak"
    if _ADVICE.search(sentence):
        return "advice"
    if kind in ("sad", "abuse") and _CHEER.search(sentence):
        return "tone"
    if kind not in ("sad",) and _SYMPATHY_OPENER.search(sentence):
        return "tone"
    got = detect_language(sentence)
    if got is not None and got != language and len(sentence) > 12:
        return f"language:{got}"
    fault = sentence_fault(sentence, message, kind, language, viewer, before)
    if fault is not None:
        return fault
    if kind == "sad" and not comforting(sentence):
        return "tone:not-comforting"  # after sad news only comfort is spoken
    return sentence_meaning_fault(sentence, message, kind, language, similarity,
                                  before is None if first is None else first)
