"""The language model as the span reader, verified: it reads the retrieved passages and
names the short answer, which is kept only when it is copied verbatim from a passage.

Used with a capable model on an OpenAI-compatible server (``QAEngine(kb, llm,
llm_reader=True)``). A reply that is not JSON, names no passage, or holds an answer that
is not in the passage falls back to the extractive reader, so the guarantee that every
answer is a source span holds whatever the model writes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import TYPE_CHECKING

from .answers import NOT_FOUND, Answer, Candidate
from .span_candidates import Span

if TYPE_CHECKING:
    from .qa import QAEngine

log = logging.getLogger(__name__)

PASSAGES = 4
SYSTEM = (
    "You answer questions from numbered passages. Reply with JSON only: "
    '{"passage": <number>, "answer": "<the shortest phrase that answers, copied exactly from '
    'that passage>"}. If the passages do not state the answer, reply {"passage": 0, "answer": ""}.'
)


def parse_reply(text: str) -> tuple[int, str] | None:
    """``(passage number, answer)`` from the model's JSON reply, None when unreadable."""
    match = re.search(r"\{.*\}", text, re.S)
    if not match:
        return None
    try:
        data = json.loads(match.group())
        return int(data.get("passage", 0) or 0), str(data.get("answer", "") or "").strip()
    except (ValueError, TypeError, AttributeError):
        return None


def locate(short: str, passage: str) -> tuple[int, int] | None:
    """Where ``short`` is copied in ``passage`` (case and line breaks aside), else None."""
    words = short.split()
    if not words or not any(ch.isalnum() for ch in short):
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), passage, re.I)
    return (match.start(), match.end()) if match else None


async def read_with_llm(engine: QAEngine, question: str) -> Answer:
    """Answer ``question`` with ``engine.llm`` reading the top passages (see module doc)."""
    t0 = time.perf_counter()
    cands = await asyncio.to_thread(engine.candidates, question)
    if not cands:
        return Answer(NOT_FOUND, [], 0.0, False, time.perf_counter() - t0, method="llm")
    engine.model.score(cands)
    by_sentence: dict[int, Candidate] = {}
    for c in sorted(cands, key=lambda c: -c.score):
        by_sentence.setdefault(c.ref, c)
    top = list(by_sentence.values())[:PASSAGES]
    fallback = await asyncio.to_thread(engine.extract, question)
    listing = "\n".join(f"[{i + 1}] {' '.join(c.sentence_text.split())}" for i, c in enumerate(top))
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Passages:\n{listing}\n\nQuestion: {question}"}]
    assert engine.llm is not None  # called only for an engine with a model
    try:
        text = "".join([p async for p in engine.llm.stream(messages, max_tokens=64, temperature=0.0)])
    except Exception as exc:  # the extractive reader stands on its own
        log.warning("LLM reader failed, extractive answer kept: %s", exc)
        return fallback
    parsed = parse_reply(text)
    if parsed is None:
        log.info("LLM reader reply unreadable, extractive answer kept: %r", text[:120])
        return fallback
    number, short = parsed
    if not short or number == 0:
        conf, feats = engine.model.confidence(top[0], cands)
        fallback.answered, fallback.text, fallback.short = False, NOT_FOUND, ""
        fallback.confidence, fallback.method = min(conf, fallback.confidence), "llm"
        return fallback
    if not 1 <= number <= len(top):
        return fallback
    chosen = top[number - 1]
    found = locate(short, chosen.sentence_text)
    if found is None:
        log.info("LLM reader answer not copied from passage %d, extractive kept: %r", number, short)
        return fallback
    at, end = found
    span = Span(at, end, chosen.sentence_text[at:end], chosen.span.features)
    picked = Candidate(chosen.ref, chosen.doc, chosen.sentence, span, chosen.sentence_features,
                       chosen.score, chosen.sentence_text, chosen.reader_features)
    conf, feats = engine.model.confidence(chosen, cands)
    return engine._build(picked, conf, feats, t0, method="llm", answered=True)
