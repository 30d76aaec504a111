"""What the Q&A engine knows about a retrieved sentence besides its text: what of the
question it lacks (near-miss counts for the confidence model), the context a reader sees
with it, and per-document token caches. Mixed into :class:`dialogue.qa.QAEngine`, which
holds the knowledge base as ``self.kb``.
"""

from __future__ import annotations

import re
from typing import Any

from .bm25 import tokenize
from .grounding import BULLET, TYPE_PHRASE, expected_type, is_generic, type_matches, word_family
from .qa_verify import families
from .span_candidates import stem

__all__ = ["EvidenceMixin"]


class EvidenceMixin:
    """Evidence helpers over ``self.kb`` (a :class:`dialogue.knowledge.KnowledgeBase`)."""

    kb: Any

    def _near_miss(self, question: str, dense: Any) -> Any:
        """Per-sentence counts of what the question names but the sentence does not."""
        idf = self.kb._sent_bm25.idf
        q_tokens = set(tokenize(TYPE_PHRASE.sub(" ", question)))
        q_numbers = {t for t in q_tokens if t[0].isdigit()}
        prefixes = self._vocab_prefixes(idf)
        max_idf = max(idf.values(), default=1.0)
        weight = {t: idf.get(t, max_idf) for t in q_tokens}
        total = sum(weight.values()) or 1.0
        unknown = [t for t in q_tokens if t not in idf and word_family(t) not in prefixes]
        unknown_named = [t for t in unknown if not is_generic(t) and not t[0].isdigit()]
        kind = expected_type(question)

        def features(i: int) -> dict[str, float]:
            name, si = self.kb.sentence_ref(i)
            rec = self.kb.docs[name]
            context = set(self.kb.sentence_tokens(i)) | set(tokenize(rec["title"]))
            ctx = set(context)
            for j in (i - 1, i + 1):
                if 0 <= j < len(self.kb._sent_refs) and self.kb.sentence_ref(j)[0] == name:
                    ctx |= set(self.kb.sentence_tokens(j))
            fams = {word_family(t) for t in context}
            missing = [t for t in q_tokens if t not in context and t not in unknown
                       and word_family(t) not in fams and not t[0].isdigit()]
            coverage = sum(w for t, w in weight.items() if t in context) / total
            named = [t for t in missing if not is_generic(t)]
            numbers = len(q_numbers - self._doc_tokens(name) - context)
            a, b, _h = rec["sentences"][si]
            # The hand-set near-miss score of the sentence-level engine, kept as one feature.
            rules = (6.0 * float(dense[i]) + 4.0 * coverage - 4.2
                     - (0.0 if type_matches(kind, rec["text"][a:b]) else 2.5)
                     - 2.4 * len(unknown_named) - 0.3 * (len(unknown) - len(unknown_named))
                     - 1.6 * len(named) - 0.2 * (len(missing) - len(named)) - 3.0 * numbers)
            line_start = rec["text"].rfind("\n", 0, a) + 1
            record = name.lower().endswith((".csv", ".yaml", ".yml")) or bool(
                BULLET.match(rec["text"][line_start : a + 1]))
            return {
                "rules": rules,
                # A table row or list item is about one thing: a named word of the question
                # that it lacks means another row ("curling" is not the "ice hockey" row).
                "record_missing": float(record) * (len(named) + len(unknown_named)),
                "coverage": coverage,
                "coverage_ctx": sum(w for t, w in weight.items() if t in ctx) / total,
                "missing_named": float(len([t for t in missing if not is_generic(t)])),
                "unknown_named": float(len(unknown_named)),
                "numbers_missing": float(numbers),
            }

        return features

    def _doc_tokens(self, name: str) -> set[str]:
        """The token set of a whole document, cached per content hash."""
        key = (name, self.kb.docs[name]["sha256"])
        cache = self.__dict__.setdefault("_doc_token_cache", {})
        if key not in cache:
            cache[key] = set(tokenize(self.kb.docs[name]["text"]))
        return cache[key]

    def _context_stems(self, i: int) -> set[str]:
        """Stems of sentence ``i``, its neighbours and its document title and heading."""
        name, si = self.kb.sentence_ref(i)
        rec = self.kb.docs[name]
        lo, hi = max(0, si - 1), min(len(rec["sentences"]) - 1, si + 1)
        a, b = rec["sentences"][lo][0], rec["sentences"][hi][1]
        text = f"{rec['title']} {rec['sentences'][si][2]} {rec['text'][a:b]}"
        return {stem(w) for w in re.findall(r"\w+", text)}

    def _vocab_prefixes(self, idf: dict[str, float]) -> set[str]:
        key = id(idf)
        if getattr(self, "_prefix_key", None) != key:
            self._prefix_key = key
            self._prefixes = {word_family(t) for t in idf}
        return self._prefixes

    def _evidence_context(self, name: str, si: int) -> str:
        """What a reader of sentence ``si`` also sees: its document title, its heading and
        the sentence before it under that heading (the antecedent of "It", "They")."""
        rec = self.kb.docs[name]
        a, b, heading = rec["sentences"][si]
        before = ""
        if si > 0 and rec["sentences"][si - 1][2] == heading:
            before = rec["text"][rec["sentences"][si - 1][0] : rec["sentences"][si - 1][1]]
        return f"{rec['title']}\n{heading or ''}\n{before}"

    def _doc_families(self, name: str) -> tuple[set[str], set[str]]:
        """:func:`qa_verify.families` of a whole document, cached per content hash."""
        key = (name, self.kb.docs[name]["sha256"])
        cache = self.__dict__.setdefault("_doc_family_cache", {})
        if key not in cache:
            cache[key] = families(self.kb.docs[name]["text"])
        return cache[key]
