"""What a viewer message asks: a question, a follow-up, "what's my name?", or a fact about
the world (which only the show's knowledge may answer)."""

from __future__ import annotations

import re

QUESTION = re.compile(r"\?\s*$|^(who|what|when|where|which|how|is|are|does|do|can)\b", re.I)
ASK_NAME = re.compile(
    r"\b(what'?s|what is|do you (know|remember)|remember|tell me) my name\b|\bwho am i\b|"
    r"¿?cómo me llamo|(recuerdas|te acuerdas de|sabes) mi nombre|我叫什么|记得我的名字", re.I)
FOLLOW_UP = re.compile(r"\b(?:it|there|that|then|and|what time|where)\b|^\W*\w+(?:\s+\w+)?\W*$|"
                       r"\b(?:y|eso|allí|ahí)\b|那|它|呢", re.I)
_ABOUT_SOMEONE = re.compile(
    r"\b(?:you|your|yourself|me|my)\b|\b(?:what|who|where) (?:do|did|am) i\b|"
    r"\b(?:tú|tu|te|ti|usted|mi|me|estás|eres|tienes|puedes|sabes|quieres)\b|你",
    re.I)


def is_factual(text: str) -> bool:
    """A question about the world (not about the host, the viewer or us): its answer must
    come from the show's knowledge."""
    return not _ABOUT_SOMEONE.search(text)


def is_follow_up(text: str) -> bool:
    """A short message that only makes sense with the question before it ("and where?")."""
    return len(text.split()) <= 3 and bool(FOLLOW_UP.search(text))
