"""Grounding checks for Q&A: the kind of fact a question asks for, the facts (numbers,
capitalised names, dates) a text states, and whether every fact of a candidate reply is
copied from its sources. Also the word-family helpers the near-miss features use.
"""

from __future__ import annotations

import re

_MONTHS = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_DATEISH = re.compile(rf"\b\d{{1,2}}\s+{_MONTHS}\b|\b{_MONTHS}\s+\d{{1,2}}\b|\b\d{{1,2}}:\d{{2}}\b|\b(?:1[89]|20)\d{{2}}\b|\d{{4}}-\d{{2}}-\d{{2}}", re.I)
_NUMBER = re.compile(r"\d")
_PRICE = re.compile(r"\d.*\b(?:eur|euros?|price|usd|dollars?)\b|[€$£]\s?\d|\b(?:eur|price)\b.*\d", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_PLACE = re.compile(r"\b[A-Z][a-z]+")
PRONOUN_START = re.compile(r"^(?:It|They|He|She|This|These|Its|Their)\b")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# What must appear in a fact: numbers (with , . :), capitalized words, dates.
TYPE_PHRASE = re.compile(
    r"\bhow (?:many|much|old|long|far|often|tall|big|high)\b|\bwhat (?:time|day|date)\b|"
    r"\bwhich day\b|\bwhat is the name of\b|\bwhat's the name of\b", re.I
)
_FACT_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|\b[A-Z][a-zA-Z]+\b")
# Words that ask *about* a thing (verbs, attributes) rather than name it: a question may
# use them without its source doing so ("When does it start?" -> "takes place on ...").
# Every other content word names what is asked about and must be in the source sentence,
# its section heading or its document title, else the sentence is about something else.
GENERIC_WORDS = frozenset(
    """start begin end finish held hold take place happen cost price run fit compete go come
    open close located locate buy attend watch see find available exist offer include use
    make need want time day date year kind type sort number amount much total official
    currently usually exactly approximately ticket""".split()
)
PREFIX_CHARS = 5  # "competing" ~ "competition", "planted" ~ "plant": same word family



def expected_type(question: str) -> str | None:
    """The kind of fact a question asks for: date | price | number | name | place | None."""
    q = question.lower()
    if re.search(r"\b(when|what time|which day|what day|what date|on which day|until when)\b", q):
        return "date"
    if re.search(r"\b(how much|cost|price|fee)\b", q):
        return "price"
    if re.search(r"\bhow (many|old|long|far|often|tall|big|high)\b", q):
        return "number"
    if re.search(r"\bwho\b", q):
        return "name"
    if re.search(r"\bwhere\b", q):
        return "place"
    return None


def type_matches(kind: str | None, text: str) -> bool:
    """Whether ``text`` contains the kind of fact the question asks for."""
    if kind is None:
        return True
    if kind == "date":
        return bool(_DATEISH.search(text))
    if kind == "price":
        return bool(_PRICE.search(text))
    if kind == "number":
        return bool(_NUMBER.search(text))
    body = text[1:]  # a capital at the very start is just the sentence start
    if kind == "name":
        return bool(_NAME.search(text))
    return bool(_PLACE.search(body))


def fact_tokens(text: str) -> set[str]:
    """Numbers and capitalized words of a text (the facts that must be sourced)."""
    return {t.lower().replace(",", "") for t in _FACT_TOKEN.findall(text)}


def grounded(candidate: str, sources: list[str], question: str = "") -> bool:
    """True when every number/name/date of ``candidate`` appears in the sources (or question)."""
    allowed = set().union(*(fact_tokens(s) for s in sources)) if sources else set()
    allowed |= fact_tokens(question)
    allowed_words = {w.lower() for s in sources for w in re.findall(r"[A-Za-z]+", s)}
    for tok in fact_tokens(candidate):
        if tok in allowed:
            continue
        if tok.isalpha() and (tok in allowed_words or tok in _COMMON_CAPS):
            continue  # a capitalized common word ("The", "Yes") at a sentence start
        return False
    return True


_COMMON_CAPS = frozenset(
    "the a an it its this that there they yes no sure i i'm we you he she on in at of and "
    "according our their".split()
)


def word_family(token: str) -> str:
    """The word-family key of a token: its first letters when long enough, else itself."""
    if len(token) > PREFIX_CHARS and token.isalpha():
        return token[:PREFIX_CHARS]
    return token


_GENERIC_PREFIXES = frozenset(word_family(w) for w in GENERIC_WORDS if len(w) > PREFIX_CHARS)


def is_generic(token: str) -> bool:
    return token in GENERIC_WORDS or word_family(token) in _GENERIC_PREFIXES
