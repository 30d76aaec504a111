"""Grounded reporter Q&A: extractive answers with sources and a calibrated confidence.

The answer is the best supporting sentence(s) of the fused retrieval, so every number,
name and date in it comes from a source. An LLM may rephrase it, but its text is used
only when every number/name/date in it also appears in the sources. Below the confidence
threshold the engine says it does not know instead of inventing an answer.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.types import InputError

from .bm25 import tokenize
from .knowledge import KnowledgeBase, Passage
from .moderation import looks_binary, normalize_text

log = logging.getLogger(__name__)

NOT_FOUND = "I'm sorry, I don't have that information in my notes."

_MONTHS = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_DATEISH = re.compile(rf"\b\d{{1,2}}\s+{_MONTHS}\b|\b{_MONTHS}\s+\d{{1,2}}\b|\b\d{{1,2}}:\d{{2}}\b|\b(?:1[89]|20)\d{{2}}\b|\d{{4}}-\d{{2}}-\d{{2}}", re.I)
_NUMBER = re.compile(r"\d")
_PRICE = re.compile(r"\d.*\b(?:eur|euros?|price|usd|dollars?)\b|[€$£]\s?\d|\b(?:eur|price)\b.*\d", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_PLACE = re.compile(r"\b[A-Z][a-z]+")
_PRONOUN_START = re.compile(r"^(?:It|They|He|She|This|These|Its|Their)\b")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# What must appear in a fact: numbers (with , . :), capitalized words, dates.
_TYPE_PHRASE = re.compile(
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


@dataclass
class Answer:
    """A grounded answer: ``answered`` is False when the KB does not hold the answer."""

    text: str
    sources: list[Passage]
    confidence: float
    answered: bool
    seconds: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


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


def _prefix(token: str) -> str:
    """The word-family key of a token: its first letters when long enough, else itself."""
    if len(token) > PREFIX_CHARS and token.isalpha():
        return token[:PREFIX_CHARS]
    return token


_GENERIC_PREFIXES = frozenset(_prefix(w) for w in GENERIC_WORDS if len(w) > PREFIX_CHARS)


def _generic(token: str) -> bool:
    return token in GENERIC_WORDS or _prefix(token) in _GENERIC_PREFIXES


class QAEngine:
    """Answer reporter questions from a :class:`KnowledgeBase` (``llm`` optional rephrasing).

    ``threshold``: minimum confidence (0..1) to answer rather than refuse; 0.54 was picked
    on the calibration split of bench/data/qa_eval.yaml (``bench_dialogue.calibrate``).
    """

    def __init__(self, kb: KnowledgeBase, llm: Any = None, threshold: float = 0.54) -> None:
        self.kb = kb
        self.llm = llm
        self.threshold = threshold

    def _clean_question(self, question: Any) -> str:
        if not isinstance(question, str | bytes) or looks_binary(question):
            raise InputError("question must be text")
        if isinstance(question, bytes):
            question = question.decode("utf-8", "replace")
        q = normalize_text(question[:2000])
        if not any(ch.isalnum() for ch in q):
            raise InputError("question must not be empty")
        return q[:500]

    def _score(self, question: str) -> tuple[list[tuple[float, int, dict[str, float]]], Any]:
        qv = self.kb.embed_query(question)
        dense, lexical = self.kb.sentence_scores(question, qv)
        if len(dense) == 0:
            return [], qv
        fused = 0.65 * dense + 0.35 * lexical / (lexical + 4.0)
        kind = expected_type(question)
        q_tokens = set(tokenize(_TYPE_PHRASE.sub(" ", question)))
        q_numbers = {t for t in q_tokens if t[0].isdigit()}
        idf = self.kb._sent_bm25.idf
        vocab_prefixes = self._vocab_prefixes(idf)
        max_idf = max(idf.values(), default=1.0)
        weight = {t: idf.get(t, max_idf) for t in q_tokens}
        total = sum(weight.values()) or 1.0
        unknown = [t for t in q_tokens if t not in idf and _prefix(t) not in vocab_prefixes]
        out = []
        for i in np.argsort(-fused)[:8]:
            name, si = self.kb.sentence_ref(int(i))
            rec = self.kb.docs[name]
            passage = self.kb.sentence_passage(name, si)
            context = set(self.kb.sentence_tokens(int(i))) | set(tokenize(rec["title"]))
            context_prefixes = {_prefix(t) for t in context}
            coverage = sum(w for t, w in weight.items() if t in context) / total
            missing = [t for t in q_tokens if t not in context and t not in unknown
                       and _prefix(t) not in context_prefixes and not t[0].isdigit()]
            missing_named = [t for t in missing if not _generic(t)]
            unknown_named = [t for t in unknown if not _generic(t) and not t[0].isdigit()]
            type_ok = type_matches(kind, passage.text)
            # A number/year the question names but the source does not: another fact.
            numbers_missing = len(q_numbers - set(tokenize(rec["text"])) - context)
            feats = {
                "dense": float(dense[i]), "lexical": float(lexical[i]), "coverage": coverage,
                "type_ok": float(type_ok), "unknown": float(len(unknown)),
                "unknown_named": float(len(unknown_named)), "missing": float(len(missing)),
                "missing_named": float(len(missing_named)), "numbers_missing": float(numbers_missing),
            }
            # Named things the question asks about but the sentence does not mention
            # (curling vs. the ice hockey row) or the KB never mentions (speed skating)
            # weigh far more than a generic word phrased differently.
            z = (
                6.0 * float(dense[i]) + 4.0 * coverage - 4.2
                - (0.0 if type_ok else 2.5)
                - 2.4 * len(unknown_named) - 0.3 * (len(unknown) - len(unknown_named))
                - 1.6 * len(missing_named) - 0.2 * (len(missing) - len(missing_named))
                - 3.0 * numbers_missing
            )
            conf = 1.0 / (1.0 + math.exp(-z))
            feats["confidence"] = conf
            out.append((conf, int(i), feats))
        out.sort(key=lambda x: -x[0])
        return out, qv

    def _vocab_prefixes(self, idf: dict[str, float]) -> set[str]:
        key = id(idf)
        if getattr(self, "_prefix_key", None) != key:
            self._prefix_key = key
            self._prefixes = {_prefix(t) for t in idf}
        return self._prefixes

    def _answer_text(self, name: str, si: int) -> tuple[str, list[Passage]]:
        rec = self.kb.docs[name]
        passage = self.kb.sentence_passage(name, si)
        parts = [passage]
        if _PRONOUN_START.match(passage.text) and si > 0:
            prev = self.kb.sentence_passage(name, si - 1)
            if prev.heading == passage.heading:
                parts.insert(0, prev)
        text = " ".join(_BULLET.sub("", p.text).replace("\n", " ").strip() for p in parts)
        del rec
        return re.sub(r"\s+", " ", text), parts

    def extract(self, question: str) -> Answer:
        """The extractive answer (no LLM): best sentence(s), sources, confidence."""
        t0 = time.perf_counter()
        q = self._clean_question(question)
        ranked, _ = self._score(q)
        if not ranked:
            return Answer(NOT_FOUND, [], 0.0, False, time.perf_counter() - t0)
        conf, idx, feats = ranked[0]
        name, si = self.kb.sentence_ref(idx)
        text, parts = self._answer_text(name, si)
        for p in parts:
            p.score = conf
        if conf < self.threshold:
            return Answer(NOT_FOUND, parts, conf, False, time.perf_counter() - t0, feats)
        return Answer(text, parts, conf, True, time.perf_counter() - t0, feats)

    def answer(self, question: str) -> Answer:
        """Answer ``question`` (blocking); raises :class:`InputError` for empty/binary input.

        With an LLM, the answer is rephrased when no event loop runs in this thread (from
        async code use :meth:`answer_async`, which never blocks the loop).
        """
        t0 = time.perf_counter()
        result = self.extract(question)
        if result.answered and self.llm is not None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                result.text = asyncio.run(self._rephrase(question, result))
            else:
                log.info("answer() called inside an event loop: extractive only (use answer_async)")
        result.seconds = time.perf_counter() - t0
        return result

    async def answer_async(self, question: str) -> Answer:
        """:meth:`answer` for async callers: retrieval off the loop, then the LLM rephrase."""
        t0 = time.perf_counter()
        result = await asyncio.to_thread(self.extract, question)
        if result.answered and self.llm is not None:
            result.text = await self._rephrase(question, result)
        result.seconds = time.perf_counter() - t0
        return result

    async def _rephrase(self, question: str, result: Answer) -> str:
        """Let the LLM phrase the answer; keep it only if every fact in it is sourced."""
        sources = [p.text for p in result.sources]
        messages = [
            {"role": "system", "content": "Answer the question in one short sentence using only "
             "the facts in the source. Do not add anything."},
            {"role": "user", "content": f"Source: {' '.join(sources)}\nQuestion: {question}"},
        ]
        try:
            pieces = [p async for p in self.llm.stream(messages, max_tokens=48, temperature=0.0,
                                                       stop=["\n"])]
        except Exception as exc:  # the extractive answer stands on its own
            log.warning("Q&A rephrase failed, keeping extractive answer: %s", exc)
            return result.text
        candidate = re.sub(r"\s+", " ", "".join(pieces)).strip()
        if len(candidate) < 3 or not grounded(candidate, sources, question):
            log.info("Q&A rephrase rejected (ungrounded): %r", candidate[:120])
            return result.text
        return candidate
