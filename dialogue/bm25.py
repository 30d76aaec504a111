"""Lexical retrieval: tokenization shared with Q&A, and an Okapi BM25 index.

Small and dependency-free; rebuilt from stored token lists in milliseconds, so the
knowledge base only persists the tokens.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

STOPWORDS = frozenset(
    """a an the and or but of to in on at for from by with about as is are was were be been
    being do does did has have had it its this that these those there their they them he she
    his her you your we our i me my what which who whom whose when where why how much many
    can could will would shall should may might must any some all each not no so than too very
    just also into onto over under up down out off again then once here s t get got tell please
    know does did vivi hi hey hello""".split()
)
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+", re.UNICODE)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str, keep_stopwords: bool = False) -> list[str]:
    """Lower-case word/number tokens, light plural stemming, ``9,200`` -> ``9200``."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok[0].isdigit():
            tok = re.sub(r"(?<=\d),(?=\d{3}\b)", "", tok)
        elif not keep_stopwords and tok in STOPWORDS:
            continue
        out.append(_stem(tok))
    return out


class BM25:
    """Okapi BM25 over token lists (``k1``, ``b`` as usual)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.len = [len(d) for d in docs]
        self.avg = (sum(self.len) / len(docs)) if docs else 0.0
        df: Counter[str] = Counter()
        for counts in self.tf:
            df.update(counts.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: Sequence[str]) -> list[float]:
        """BM25 score of every document for ``query`` tokens."""
        out = []
        for counts, length in zip(self.tf, self.len, strict=True):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * length / (self.avg or 1.0))
            for tok in set(query):
                f = counts.get(tok)
                if f:
                    s += self.idf[tok] * f * (self.k1 + 1) / (f + norm)
            out.append(s)
        return out
