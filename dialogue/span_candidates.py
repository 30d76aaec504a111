"""Answer-span extraction without a neural reader: candidate spans of the retrieved
sentences scored by a small linear model over interpretable features.

The features follow the classic SQuAD feature baselines (Rajpurkar et al. 2016): where the
question's words sit around a span (left/right windows, distance), whether the span
repeats the question, the kind of fact the question asks for (a number for "how many", a
year for "when", a capitalised name for "who"), the word the question asks about next to
the span ("how many *countries*" -> "220 *countries*"), constituent-like boundaries and
length. Weights are fitted on a calibration split (``bench/bench_qa.py``) with
:func:`fit_logistic` and stored in ``dialogue/data/qa_reader.json``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .bm25 import STOPWORDS, _stem

MAX_SPAN_TOKENS = 12
WINDOW = 4
_WORD = re.compile(r"\w+(?:[-'’.,/]\w+)*%?|[^\w\s]", re.UNICODE)
_HARD_BREAK = frozenset(";:.!?()[]\"“”")
_ARTICLES = frozenset({"the", "a", "an"})
_JOINERS = frozenset({"the", "a", "an", "of", "and", "or", "in", "for", "to"})
_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)
_NEGATIONS = frozenset({"not", "never", "no", "cannot", "without", "neither", "nor", "n't", "unable"})
# Question words that name the kind of answer, not its subject ("what *term* is used").
_ASKING_NOUNS = frozenset(
    "term name type kind sort example word phrase number amount way thing something".split()
)

SPAN_FEATURES = (
    "len1", "len2_3", "len4_6", "len7p", "q_overlap", "left", "right", "near", "dist",
    "type_ok", "type_bad", "head_adj", "head_in", "start_ok", "end_ok", "comma",
    "digit", "caps", "lower", "paren", "has_q_word", "inner_stop", "adj_left", "adj_right",
    "cap_run",
)


@dataclass
class QuestionInfo:
    """What a question asks: its class, content stems with weights, the noun it asks about."""

    kind: str
    stems: dict[str, float]
    head: str
    negated: bool
    acronym: str = ""


def _class(q: str) -> str:
    ql = q.lower()
    for pat, kind in (
        (r"\bwhat (year|decade|century)\b|\bin which year\b", "year"),
        (r"\bhow (many|much)\b|\bwhat (number|percentage|amount)\b", "number"),
        (r"\bhow (long|old|far|often|large|big|tall|high)\b", "measure"),
        (r"\bwhen\b|\bwhat (time|day|date|month)\b", "date"),
        (r"\bwho(m|se)?\b", "who"),
        (r"\bwhere\b", "where"),
        (r"\bwhy\b", "why"),
        (r"\bhow\b", "how"),
    ):
        if re.search(pat, ql):
            return kind
    return "what"


def words(text: str) -> list[tuple[str, int, int]]:
    """Tokens of ``text`` with their character spans."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def stem(token: str) -> str:
    return _stem(token.lower().replace("’", "'"))


def analyse(question: str, idf: dict[str, float]) -> QuestionInfo:
    """Question class, idf-weighted content stems, and the noun it asks about."""
    toks = [t for t, _, _ in words(question)]
    max_idf = max(idf.values(), default=1.0)
    stems: dict[str, float] = {}
    for t in toks:
        low = t.lower()
        if low in STOPWORDS or not low[0].isalnum():
            continue
        s = stem(t)
        stems[s] = idf.get(s, max_idf)
    head = ""
    lowered = [t.lower() for t in toks]
    for i, t in enumerate(lowered):
        if t in {"what", "which", "how", "whose"} and i + 1 < len(lowered):
            for nxt in lowered[i + 1 : i + 4]:
                if nxt in {"many", "much", "of", "kind", "type", "sort"} or nxt in _ARTICLES:
                    continue
                if nxt in STOPWORDS or not nxt[0].isalnum():
                    break
                head = stem(nxt)
                break
            break
    negated = any(t in _NEGATIONS or t.endswith("n't") for t in lowered)
    acronym = _ACRONYM_Q.search(question)
    kind = "acronym" if acronym else _class(question)
    return QuestionInfo(kind, stems, head, negated, acronym.group(1) if acronym else "")


# "What does IBU stand for?", "What is the OCFG?": the answer spells the letters out.
_ACRONYM_Q = re.compile(r"\b(?i:what|which)\s+(?i:does|is|are|do)\s+(?i:the\s+)?([A-Z]{2,6})\b"
                        r"(?:\s+(?i:stand|short)\b|\s*\??$)")
_ACRONYM_GLUE = frozenset({"of", "for", "and", "the", "on", "in", "de", "&"})


def spells_out(span: list[str], acronym: str) -> bool:
    """Whether the span's capitalised words start with the acronym's letters, in order."""
    initials = "".join(t[0] for t in span if t.lower() not in _ACRONYM_GLUE and t[:1].isalpha())
    return initials.upper() == acronym.upper()


def _type_ok(kind: str, span: list[str], acronym: str = "") -> bool | None:
    """Whether a span has the kind of fact the question class expects (None: no expectation)."""
    if kind == "acronym":
        return spells_out(span, acronym)
    text = " ".join(span)
    has_digit = any(ch.isdigit() for ch in text)
    if kind == "year":
        return bool(re.search(r"\b1\d{3}s?\b|\b20\d{2}s?\b|century", text.lower()))
    if kind in ("number", "measure"):
        return has_digit or any(t.lower() in _NUMBER_WORDS for t in span)
    if kind == "date":
        return has_digit or any(t.lower() in _MONTHS for t in span)
    if kind in ("who", "where"):
        return any(t[:1].isupper() for t in span)
    return None


_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions dozen dozens "
    "several half couple".split()
)


@dataclass
class Span:
    """A candidate answer: character offsets within the sentence text and its features."""

    start: int
    end: int
    text: str
    features: list[float]


def candidate_spans(sentence: str, info: QuestionInfo,
                    extra: Sequence[tuple[int, int]] = ()) -> list[Span]:
    """Every plausible answer span of ``sentence`` with its :data:`SPAN_FEATURES`, plus the
    word-aligned spans covering the character ranges ``extra`` (a span reader's proposals)."""
    toks = words(sentence)
    n = len(toks)
    if n == 0:
        return []
    stems = [stem(t) for t, _, _ in toks]
    lowers = [t.lower() for t, _, _ in toks]
    total = sum(info.stems.values()) or 1.0
    match = [info.stems.get(s, 0.0) for s in stems]
    match_pos = [i for i, m in enumerate(match) if m > 0]
    is_word = [t[0].isalnum() for t, _, _ in toks]
    pairs: list[tuple[int, int]] = []
    for i in range(n):
        if not is_word[i] or (lowers[i] in STOPWORDS and lowers[i] not in _ARTICLES):
            continue
        for j in range(i, min(n, i + MAX_SPAN_TOKENS)):
            if toks[j][0] in _HARD_BREAK:
                break
            if not is_word[j] or lowers[j] in STOPWORDS:
                continue
            pairs.append((i, j))
    seen = set(pairs)
    for a, b in extra:
        inside = [k for k, (_t, s, e) in enumerate(toks) if e > a and s < b and is_word[k]]
        if inside and (inside[0], inside[-1]) not in seen:
            seen.add((inside[0], inside[-1]))
            pairs.append((inside[0], inside[-1]))
    out: list[Span] = []
    for i, j in pairs:
        span_tokens = [toks[k][0] for k in range(i, j + 1) if is_word[k]]
        content = [k for k in range(i, j + 1) if is_word[k] and lowers[k] not in STOPWORDS]
        if not content:
            continue
        q_overlap = sum(1 for k in content if match[k] > 0) / len(content)
        if q_overlap >= 1.0:
            continue
        out.append(_span(sentence, toks, i, j, span_tokens, q_overlap, match, match_pos,
                         stems, lowers, info, total))
    return out


def _span(sentence: str, toks: list[tuple[str, int, int]], i: int, j: int, span_tokens: list[str],
          q_overlap: float, match: list[float], match_pos: list[int], stems: list[str],
          lowers: list[str], info: QuestionInfo, total: float) -> Span:
    n = len(toks)
    length = j - i + 1
    left = sum(match[max(0, i - WINDOW) : i]) / total
    right = sum(match[j + 1 : j + 1 + WINDOW]) / total
    outside = [p for p in match_pos if p < i or p > j]
    near = sum(match[p] for p in outside if min(abs(p - i), abs(p - j)) <= 2 * WINDOW) / total
    dist = min((min(abs(p - i), abs(p - j)) for p in outside), default=n)
    kind_ok = _type_ok(info.kind, span_tokens, info.acronym)
    head_adj = bool(info.head) and info.head in stems[max(0, i - 2) : i] + stems[j + 1 : j + 3]
    head_in = bool(info.head) and info.head in stems[i : j + 1]
    prev = lowers[i - 1] if i > 0 else "."
    nxt = lowers[j + 1] if j + 1 < n else "."
    start_ok = not prev[0].isalnum() or prev in STOPWORDS
    end_ok = not nxt[0].isalnum() or nxt in STOPWORDS
    caps = sum(1 for k, t in enumerate(span_tokens) if t[:1].isupper() and (i + k) > 0) / len(span_tokens)
    feats = [
        float(length == 1), float(2 <= length <= 3), float(4 <= length <= 6), float(length >= 7),
        q_overlap, left, right, near, math.log1p(dist),
        float(kind_ok is True), float(kind_ok is False), float(head_adj), float(head_in),
        float(start_ok), float(end_ok), float("," in lowers[i : j + 1]),
        float(any(ch.isdigit() for ch in "".join(span_tokens))), caps,
        float(all(t.islower() for t in span_tokens)),
        float(prev == "(" and nxt == ")"),
        float(q_overlap > 0),
        sum(1 for k in range(i + 1, j) if lowers[k] in STOPWORDS and lowers[k] not in _JOINERS)
        / max(1, length - 2),
        float(i > 0 and match[i - 1] > 0), float(j + 1 < n and match[j + 1] > 0),
        float(caps == 1.0 and not (i > 0 and toks[i - 1][0][:1].isupper() and i - 1 > 0)
              and not (j + 1 < n and toks[j + 1][0][:1].isupper())),
    ]
    start, end = toks[i][1], toks[j][2]
    return Span(start, end, sentence[start:end], feats)


def head_missing(info: QuestionInfo, context_stems: set[str]) -> bool:
    """The noun the question asks about ("how many *volunteers*") is not in the context,
    unless it only names the kind of answer ("what *term*")."""
    if not info.head or info.head in _ASKING_NOUNS:
        return False
    family = info.head[:5] if len(info.head) > 5 else info.head
    return info.head not in context_stems and not any(s.startswith(family) for s in context_stems)


def negation_mismatch(info: QuestionInfo, sentence: str) -> bool:
    """The question negates ("not", "cannot") while its source does not, or the reverse."""
    lowered = [t.lower() for t, _, _ in words(sentence)]
    sent_neg = any(t in _NEGATIONS or t.endswith("n't") for t in lowered)
    return info.negated != sent_neg


def fit_conditional_logit(groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 1.0) -> np.ndarray:
    """Listwise span ranking: maximise, per question, the softmax probability of its right
    spans among all its candidates (``groups``: (features, 0/1 labels)); ``[0, *coef]``."""
    from scipy.optimize import minimize

    dim = groups[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * l2 * float(w @ w), l2 * w
        for x, y in groups:
            z = x @ w
            z = z - z.max()
            p = np.exp(z)
            p /= p.sum()
            pos = y > 0
            total -= float(np.log(p[pos].sum() + 1e-12))
            q = p * pos / (p[pos].sum() + 1e-12)
            grad = grad + x.T @ (p - q)
        return total, grad

    res = minimize(loss, np.zeros(dim), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return np.concatenate([[0.0], res.x])


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0,
                 signs: list[int] | None = None, weights: np.ndarray | None = None) -> np.ndarray:
    """L2-regularised logistic regression; returns ``[bias, *coef]``. ``signs`` (+1, -1 or
    0 per feature) fixes the direction a feature may push (more missing words never make
    an answer more likely), which keeps a small calibration set from learning accidents."""
    from scipy.optimize import minimize

    xb = np.hstack([np.ones((len(x), 1)), x])
    reg = np.full(xb.shape[1], l2)
    reg[0] = 0.0
    sw = np.ones(len(x)) if weights is None else np.asarray(weights, float)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xb @ w
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        nll = float(np.sum(sw * (np.logaddexp(0.0, z) - y * z))) + 0.5 * float(reg @ (w * w))
        return nll, xb.T @ (sw * (p - y)) + reg * w

    sign_list = signs or [0] * x.shape[1]
    bounds = [(None, None)] + [(0.0, None) if sg > 0 else (None, 0.0) if sg < 0 else (None, None)
                               for sg in sign_list]
    res = minimize(loss, np.zeros(xb.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds)
    return np.asarray(res.x)
