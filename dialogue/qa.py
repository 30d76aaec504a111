"""Grounded reporter Q&A: a short answer span, a spoken reply built around it, its sources
and a calibrated confidence.

Retrieval fuses dense (MiniLM) and BM25 scores over sentences and the paragraphs around
them; the best paragraphs are read by the neural span reader (:mod:`models.reader`, seen
through :mod:`dialogue.neural_reading`), whose proposals join the rule candidates of
:mod:`dialogue.span_candidates`; a listwise span model over both kinds of evidence and a second,
question-level model over the reader's no-answer margin, the span's lead and the answer
verifier's checks (:mod:`dialogue.qa_verify`; fitted on a calibration split, see
``bench/bench_qa.py``) give the answer and the probability that it is right. Below the
desk's threshold the engine says the documents do not say it, names what the closest
passage lacks and offers that passage with its source. The reply is the source sentence
around the span, so every number, name and date in it is copied from a source; an LLM may
rephrase it, and its text is kept only when it still holds the span and every fact is
sourced. Answers are cached per knowledge-base version (:mod:`dialogue.qa_cache`).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from vhuman.models.types import InputError

from .answers import NOT_FOUND, Answer, Candidate
from .grounding import (
    BULLET,
    PRONOUN_START,
    grounded,
)
from .knowledge import KnowledgeBase, Passage
from .moderation import looks_binary, normalize_text
from .neural_reading import Reading
from .qa_cache import AnswerCache, kb_version, question_key
from .qa_evidence import EvidenceMixin
from .qa_verify import VERIFY_FEATURES, missing_phrase, question_facts, verify
from .span_candidates import analyse, candidate_spans, head_missing, negation_mismatch
from .span_scoring import ReaderModel, load_default_model

if TYPE_CHECKING:
    from vhuman.models.llm import LLMBackend
    from vhuman.models.reader.span_reader import SpanReader

__all__ = ["NOT_FOUND", "Answer", "Candidate", "QAEngine", "grounded"]

log = logging.getLogger(__name__)

CACHE_SIZE = 512
# A refusal offers the closest passage only when it shares this much of the question's
# (idf-weighted) content: below it, the passage is about something else.
OFFER_COVERAGE = 0.34
TOP_SENTENCES = 8
CONTEXT_CHUNKS = 2
READ_CHUNKS = 3
READ_CHARS = 1100
MAX_REPLY_WORDS = 40
RECORD_MISS_CAP = 0.2
RESCUE_TOP = 8  # candidates read again when the top one's sentence misses the question


class QAEngine(EvidenceMixin):
    """Answer reporter questions from a :class:`KnowledgeBase`.

    ``llm``: optional; rephrases the reply (and, with ``llm_reader``, picks the span itself
    from the retrieved passages, verified to be copied from them). ``threshold`` overrides
    the calibrated one stored with the reader model. ``span_reader``: the neural reader
    (:class:`models.reader.SpanReader`; default: the shipped one, loaded on first use, once
    per process).
    """

    def __init__(self, kb: KnowledgeBase, llm: LLMBackend | None = None, threshold: float | None = None,
                 model: ReaderModel | None = None, llm_reader: bool = False,
                 system_prompt: str | None = None, span_reader: SpanReader | None = None) -> None:
        self.kb = kb
        self._span_reader = span_reader
        self.llm = llm
        self.model = model or load_default_model()
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be a probability in [0, 1], got {threshold}")
        self.threshold = self.model.threshold if threshold is None else threshold
        self.llm_reader = llm_reader
        self.system_prompt = system_prompt
        self.cache = AnswerCache(CACHE_SIZE)

    @property
    def span_reader(self) -> SpanReader:
        """The neural reader, loaded on the first question (not when a server starts)."""
        if self._span_reader is None:
            from vhuman.models.reader import get_span_reader

            self._span_reader = get_span_reader()
        return self._span_reader

    def _clean_question(self, question: Any) -> str:
        if not isinstance(question, str | bytes) or looks_binary(question):
            raise InputError("question must be text")
        if isinstance(question, bytes):
            question = question.decode("utf-8", "replace")
        q = normalize_text(question[:2000])
        if not any(ch.isalnum() for ch in q):
            raise InputError("question must not be empty")
        return q[:500]

    # --- candidates -------------------------------------------------------------------

    def candidates(self, question: str) -> list[Candidate]:
        """Every answer span of the sentences worth reading, with features (unscored)."""
        q = self._clean_question(question)
        qv = self.kb.embed_query(q)
        dense, lexical = self.kb.sentence_scores(q, qv)
        if len(dense) == 0:
            return []
        c_dense, c_lexical = self.kb.chunk_scores(q, qv)
        lex = lexical / (lexical + 4.0)
        c_lex = c_lexical / (c_lexical + 4.0)
        fused = 0.65 * dense + 0.35 * lex
        c_fused = 0.65 * c_dense + 0.35 * c_lex
        order = list(np.argsort(-fused)[:TOP_SENTENCES])
        for chunk in _top_unique(self.kb._sent_chunk, c_fused, CONTEXT_CHUNKS):
            order.extend(int(i) for i in np.flatnonzero(self.kb._sent_chunk == chunk))
        reading = Reading.read(self.span_reader, q, self._read_passages(c_fused))
        extra: dict[int, list[tuple[int, int]]] = {}
        for doc, start, end, _margin in reading.proposals:
            si = self._sentence_at(doc, start)
            s0, s1, _h = self.kb.docs[doc]["sentences"][si]
            i = self.kb.sentence_index(doc, si)
            extra.setdefault(i, []).append((start - s0, min(end, s1) - s0))
            order.append(i)
        picked = list(dict.fromkeys(int(i) for i in order))
        rank = {int(i): r for r, i in enumerate(np.argsort(-fused)[: max(64, len(picked))])}
        info = analyse(q, self.kb._sent_bm25.idf)
        facts = question_facts(q, self.kb._sent_bm25.idf)
        near = self._near_miss(q, dense)
        best = float(fused.max())
        out: list[Candidate] = []
        for i in picked:
            name, si = self.kb.sentence_ref(i)
            text = self.kb.docs[name]["text"]
            a, b, _h = self.kb.docs[name]["sentences"][si]
            sentence = text[a:b]
            miss = near(i)
            sent_feats = [
                float(dense[i]), float(lex[i]), float(c_dense[i]), float(c_lex[i]),
                float(fused[i] - best), miss["coverage"], miss["coverage_ctx"],
                miss["missing_named"], miss["unknown_named"], miss["numbers_missing"],
                float(negation_mismatch(info, sentence)), float(np.log1p(rank.get(i, 64))),
                miss["rules"], miss["record_missing"],
                float(head_missing(info, self._context_stems(i))),
            ]
            checks = verify(facts, sentence, self._evidence_context(name, si),
                            self._doc_families(name))
            for span in candidate_spans(sentence, info, extra.get(i, ())):
                out.append(Candidate(i, name, si, span, sent_feats, 0.0, sentence,
                                     reading.features(name, a + span.start, a + span.end), checks))
        return out

    def _read_passages(self, c_fused: Any) -> list[tuple[str, int, str]]:
        """The text the span reader reads: the :data:`READ_CHUNKS` best chunks, each grown
        by its same-heading neighbours up to :data:`READ_CHARS`, overlaps merged."""
        ranges: dict[str, list[list[int]]] = {}
        for chunk in _top_unique(self.kb._sent_chunk, c_fused, READ_CHUNKS):
            name, ci = self.kb.chunk_ref(chunk)
            rec = self.kb.docs[name]
            sents, chunks = rec["sentences"], rec["chunks"]
            lo, hi = chunks[ci]
            heading = sents[lo][2]
            grew = True
            while grew:
                grew = False
                for k in (lo - 1, hi + 1):
                    if 0 <= k < len(sents) and sents[k][2] == heading \
                            and max(sents[hi][1], sents[k][1]) - min(sents[lo][0], sents[k][0]) <= READ_CHARS:
                        lo, hi, grew = min(lo, k), max(hi, k), True
            ranges.setdefault(name, []).append([lo, hi])
        out = []
        for name, spans in ranges.items():
            spans.sort()
            merged = [spans[0]]
            for lo, hi in spans[1:]:
                if lo <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], hi)
                else:
                    merged.append([lo, hi])
            rec = self.kb.docs[name]
            for lo, hi in merged:
                a, b = rec["sentences"][lo][0], rec["sentences"][hi][1]
                out.append((name, a, rec["text"][a:b]))
        return out

    def _sentence_at(self, name: str, offset: int) -> int:
        """The sentence of ``name`` that holds the character ``offset``."""
        sents = self.kb.docs[name]["sentences"]
        starts = [s[0] for s in sents]
        return max(0, bisect.bisect_right(starts, offset) - 1)

    # --- answers ----------------------------------------------------------------------

    def extract(self, question: str) -> Answer:
        """The extractive answer (no LLM): span, reply, sources, calibrated confidence."""
        t0 = time.perf_counter()
        return self.decide(question, self.candidates(question), t0)

    def decide(self, question: str, cands: list[Candidate], t0: float | None = None) -> Answer:
        """The answer given the question's :meth:`candidates` (scored here, by this engine's
        model and threshold; ``t0``: when the question arrived, for ``seconds``)."""
        t0 = time.perf_counter() if t0 is None else t0
        q = self._clean_question(question)
        if not cands:
            return Answer(NOT_FOUND, [], 0.0, False, time.perf_counter() - t0)
        self.model.score(cands)
        best = max(cands, key=lambda c: c.score)
        conf, feats = self.model.confidence(best, cands)
        coverage = VERIFY_FEATURES.index("v_sentence_coverage")
        best_cov = best.verify_features[coverage]
        if best_cov < OFFER_COVERAGE or conf < self.threshold:
            # The top span's sentence is about something else ("Where is the daily press
            # conference held?" -> the media centre's own address; "where is the ice hockey
            # final held?" -> the closing ceremony's stadium, named next to it), or too unsure
            # to say: a span of the next few from a sentence that covers the question better
            # may be the answer. Over an uncovered one, any such span the model would say wins.
            uncovered = best_cov < OFFER_COVERAGE
            for other in sorted(cands, key=lambda c: -c.score)[1:RESCUE_TOP]:
                other_cov = other.verify_features[coverage]
                if other_cov < OFFER_COVERAGE or other_cov <= best_cov:
                    continue
                other_conf, other_feats = self.model.confidence(other, cands)
                if other_conf > conf or uncovered and other_conf >= self.threshold:
                    best, conf, feats, best_cov = other, other_conf, other_feats, other_cov
                    uncovered = False
        if feats["record_missing"] > 0:
            # A table row or list item is about one thing: when it lacks a thing the question
            # names, it answers about another row (no prose paraphrases a row's key).
            conf = feats["confidence"] = min(conf, RECORD_MISS_CAP)
        return self._build(best, conf, feats, t0, question=q)

    def _build(self, best: Candidate, conf: float, feats: dict[str, float], t0: float,
               method: str = "extractive", answered: bool | None = None,
               question: str = "") -> Answer:
        """The answer around ``best``; ``answered`` None: decided by the threshold."""
        reply, parts = self._reply(best)
        for p in parts:
            p.score = conf
        sent = parts[-1]
        span = Passage(best.doc, sent.start + best.span.start, sent.start + best.span.end,
                       best.span.text, conf, sent.heading)
        if not (conf >= self.threshold if answered is None else answered):
            return Answer(self._refusal(best, question), parts, conf, False, time.perf_counter() - t0,
                          feats, "", span, method)
        return Answer(reply, parts, conf, True, time.perf_counter() - t0, feats,
                      " ".join(best.span.text.split()), span, method)

    def _refusal(self, best: Candidate, question: str) -> str:
        """"The documents don't say" + what the closest passage lacks + that passage and its
        source, when it is about the question at all; else the plain refusal."""
        if best.verify_features[VERIFY_FEATURES.index("v_sentence_coverage")] < OFFER_COVERAGE:
            return NOT_FOUND
        name, si = best.doc, best.sentence
        self.kb._ensure_index()  # candidates may come from another engine over this KB
        lacking = missing_phrase(question, question_facts(question, self.kb._sent_bm25.idf),
                                 best.sentence_text, self._evidence_context(name, si))
        gap = f" — they don't mention {lacking}" if lacking else ""
        passage = " ".join(best.sentence_text.split())
        passage = " ".join(passage.split()[:MAX_REPLY_WORDS]) + (
            " ..." if len(passage.split()) > MAX_REPLY_WORDS else "")
        return (f"I don't have that in the documents{gap}. The closest they come is "
                f"\"{passage}\" (source: {name}).")

    def _reply(self, best: Candidate) -> tuple[str, list[Passage]]:
        """The source sentence around the span (a pronoun's antecedent sentence first),
        trimmed to the clauses nearest the span when it is long."""
        passage = self.kb.sentence_passage(best.doc, best.sentence)
        parts = [passage]
        if PRONOUN_START.match(passage.text) and best.sentence > 0:
            prev = self.kb.sentence_passage(best.doc, best.sentence - 1)
            if prev.heading == passage.heading:
                parts.insert(0, prev)
        body = _trim(passage.text, best.span.start, best.span.end)
        lead = " ".join(p.text for p in parts[:-1])
        text = " ".join(BULLET.sub("", t).replace("\n", " ").strip() for t in (lead, body) if t)
        return re.sub(r"\s+", " ", text).strip(), parts

    def answer(self, question: str) -> Answer:
        """Answer ``question`` (blocking); raises :class:`InputError` for empty/binary input.

        With an LLM, it runs when no event loop runs in this thread (from async code use
        :meth:`answer_async`, which never blocks the loop).
        """
        if self.llm is not None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return asyncio.run(self.answer_async(question))
            log.info("answer() called inside an event loop: extractive only (use answer_async)")
        t0 = time.perf_counter()
        key = self._cache_key(question, "extractive")
        result = self.cache.get_or_compute(key, lambda: self.extract(question))
        result.seconds = time.perf_counter() - t0
        return result

    def _cache_key(self, question: str, method: str) -> tuple[str, str, str, float]:
        return (kb_version(self.kb), method, question_key(self._clean_question(question)),
                float(self.threshold))

    async def answer_async(self, question: str) -> Answer:
        """:meth:`answer` for async callers: retrieval off the loop, then the LLM steps."""
        t0 = time.perf_counter()
        self._clean_question(question)
        if self.llm is not None and self.llm_reader:
            from .llm_span_reader import read_with_llm

            result = await read_with_llm(self, question)
        else:
            key = self._cache_key(question, "extractive")
            result = await asyncio.to_thread(self.cache.get_or_compute, key,
                                             lambda: self.extract(question))
        if result.answered and self.llm is not None:
            result.text = await self._rephrase(question, result)
        result.seconds = time.perf_counter() - t0
        return result

    async def _rephrase(self, question: str, result: Answer) -> str:
        """Let the LLM phrase the reply; keep it only if it holds the span and every fact
        in it is sourced."""
        sources = [p.text for p in result.sources]
        system = (self.system_prompt + "\n\n" if self.system_prompt else "") + (
            "Answer the question in one short spoken sentence using only the facts in the "
            "source. Include the answer exactly as written. Do not add anything.")
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": f"Source: {' '.join(sources)}\nAnswer: {result.short}\n"
                                        f"Question: {question}"},
        ]
        assert self.llm is not None  # called only with a model
        try:
            pieces = [p async for p in self.llm.stream(messages, max_tokens=48, temperature=0.0,
                                                       stop=["\n"])]
        except Exception as exc:  # the extractive reply stands on its own
            log.warning("Q&A rephrase failed, keeping extractive reply: %s", exc)
            return result.text
        candidate = re.sub(r"\s+", " ", "".join(pieces)).strip()
        holds_span = result.short.lower() in candidate.lower()
        if len(candidate) < 3 or not holds_span or not grounded(candidate, sources, question):
            log.info("Q&A rephrase rejected (ungrounded or without the answer): %r", candidate[:120])
            return result.text
        return candidate


def _top_unique(sent_chunk: Any, scores: Any, k: int) -> list[int]:
    """The ``k`` best distinct chunks, given per-sentence chunk ids and scores."""
    out: list[int] = []
    for i in np.argsort(-scores):
        chunk = int(sent_chunk[i])
        if chunk not in out:
            out.append(chunk)
        if len(out) == k:
            break
    return out


def _trim(sentence: str, start: int, end: int) -> str:
    """``sentence``, or when longer than :data:`MAX_REPLY_WORDS` words, the comma/semicolon
    clauses around ``sentence[start:end]`` (the span is always kept whole)."""
    if len(sentence.split()) <= MAX_REPLY_WORDS:
        return sentence
    cuts = [0] + [m.end() for m in re.finditer(r"[,;:]\s+", sentence)] + [len(sentence)]
    lo = max(c for c in cuts if c <= start)
    hi = min(c for c in cuts if c >= end)
    while len(sentence[lo:hi].split()) < MAX_REPLY_WORDS // 2:
        before = [c for c in cuts if c < lo]
        after = [c for c in cuts if c > hi]
        if not before and not after:
            break
        if after and (not before or hi - lo > 0 and len(after) >= len(before)):
            hi = after[0]
        else:
            lo = before[-1]
    piece = sentence[lo:hi].strip().rstrip(",;:")
    return piece[0].upper() + piece[1:] + ("" if piece.endswith((".", "!", "?")) else ".")
