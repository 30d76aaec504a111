"""Answer verification: does the sentence that supports an answer say what the question asks?

SQuAD 2.0-style unanswerable questions are near misses: the documents *almost* say it (a
swapped name, another year, an added negation, an antonym: "the *smallest* city" against
"the largest city"). The reader's span still looks good there, so the Q&A engine checks the
question's entities, numbers, years, negations, antonyms and rare content words against the
supporting sentence (with its antecedent sentence, section heading and document title) and
hands the counts to the calibrated confidence model (:data:`VERIFY_FEATURES`);
:func:`missing_phrase` names what is missing for an honest refusal ("they don't mention
women's").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .bm25 import STOPWORDS
from .grounding import TYPE_PHRASE, is_generic, word_family
from .span_candidates import stem

__all__ = ["ANTONYMS", "VERIFY_FEATURES", "VERIFY_SIGNS", "QuestionFacts", "families",
           "missing_phrase", "question_facts", "verify"]

VERIFY_FEATURES = (
    "v_entity_missing", "v_entity_elsewhere", "v_number_missing", "v_year_conflict",
    "v_negation_added", "v_negation_dropped", "v_antonym", "v_rare_missing", "v_missing_weight",
    "v_sentence_coverage",
)
# The direction each feature may push the probability of being right.
VERIFY_SIGNS = (-1, -1, -1, -1, -1, -1, -1, -1, -1, 1)

_PAIRS = ("first last", "largest smallest", "most least", "before after", "highest lowest",
          "increase decrease", "increased decreased", "more less", "earliest latest",
          "north south", "east west", "won lost", "win lose", "positive negative",
          "maximum minimum", "early late", "oldest youngest", "older younger",
          "longest shortest", "best worst", "better worse", "upper lower", "above below",
          "inside outside", "major minor", "higher lower", "larger smaller", "bigger smaller",
          "start end", "began ended", "open closed", "rich poor", "cheap expensive",
          "men women", "men's women's", "male female", "true false", "same different",
          "allowed forbidden", "accepted rejected", "success failure", "easy hard")
ANTONYMS: dict[str, str] = {a: b for pair in _PAIRS for a, b in (pair.split(), pair.split()[::-1])}

_TOKEN = re.compile(r"\w+(?:['’]\w+)?")
_NEGATION = re.compile(r"\b(?:not|never|no|cannot|without|neither|nor|unable)\b|n['’]t\b", re.I)
_YEAR = re.compile(r"\b(?:1[0-9]|20)\d{2}s?\b")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty "
    "fifty hundred thousand million billion".split())
_SELF = frozenset("i i'm i'd i've i'll".split())  # "Where can I...": the asker, never a name
_QUESTION_WORDS = frozenset("what which who whom whose when where why how is are was were do does "
                            "did can could in on at for of the a an".split())


@dataclass
class QuestionFacts:
    """What a question names and must find in its answer's source."""

    entities: list[str] = field(default_factory=list)  # capitalised names, as written
    numbers: list[str] = field(default_factory=list)  # digits and number words, lower case
    years: list[str] = field(default_factory=list)
    negated: bool = False
    antonyms: list[str] = field(default_factory=list)  # question words that have an antonym
    content: dict[str, float] = field(default_factory=dict)  # stem -> idf (rare = high)


def _tokens(text: str) -> list[str]:
    return [t.replace("’", "'") for t in _TOKEN.findall(text)]


def question_facts(question: str, idf: dict[str, float]) -> QuestionFacts:
    """The names, numbers, years, negation, antonym words and weighted content stems of
    ``question`` (``idf``: the knowledge base's, to weigh rare words)."""
    toks = _tokens(TYPE_PHRASE.sub(" ", question))
    max_idf = max(idf.values(), default=1.0)
    facts = QuestionFacts(negated=bool(_NEGATION.search(question)))
    for k, t in enumerate(toks):
        low = t.lower()
        named = k > 0 and t[0].isupper() or len(t) > 1 and t.isupper()
        if named and low not in _QUESTION_WORDS and low not in _SELF:
            facts.entities.append(t)
        if t[0].isdigit() or low in _NUMBER_WORDS:
            facts.numbers.append(low)
        if low in ANTONYMS:
            facts.antonyms.append(low)
        if low in STOPWORDS or low in _QUESTION_WORDS or not low[0].isalnum():
            continue
        s = stem(low)
        facts.content[s] = idf.get(s, max_idf) / max_idf
    facts.years = [y for y in _YEAR.findall(question)]
    return facts


def _families(tokens: list[str]) -> tuple[set[str], set[str]]:
    stems = {stem(t.lower()) for t in tokens}
    return stems, {word_family(s) for s in stems}


def families(text: str) -> tuple[set[str], set[str]]:
    """The word stems of ``text`` and their word families (see :func:`verify`)."""
    return _families(_tokens(text))


def _present(word: str, stems: set[str], families: set[str]) -> bool:
    s = stem(word.lower())
    return s in stems or word_family(s) in families


def verify(facts: QuestionFacts, sentence: str, context: str,
           document: tuple[set[str], set[str]]) -> list[float]:
    """:data:`VERIFY_FEATURES` of one supporting ``sentence``: ``context`` is the text read
    with it (antecedent sentence, heading, title), ``document`` the :func:`families` of its
    whole document (a name missing here but present there is the swapped-name near miss)."""
    sent_toks = _tokens(sentence)
    evidence = sent_toks + _tokens(context)
    stems, fams = _families(evidence)
    doc_stems, doc_fams = document
    missing_entities = [e for e in facts.entities if not _present(e, stems, fams)]
    elsewhere = sum(1 for e in missing_entities if _present(e, doc_stems, doc_fams))
    low_evidence = {t.lower() for t in evidence}
    numbers_missing = sum(1 for n in facts.numbers if n not in low_evidence)
    ev_years = set(_YEAR.findall(sentence + " " + context))
    year_conflict = float(bool(facts.years) and bool(ev_years)
                          and not set(facts.years) & ev_years)
    sent_negated = bool(_NEGATION.search(sentence))
    low_sent = {t.lower() for t in sent_toks}
    antonym = sum(1 for w in facts.antonyms if w not in low_sent and ANTONYMS[w] in low_sent)
    missing = {s: w for s, w in facts.content.items()
               if s not in stems and word_family(s) not in fams and not is_generic(s)}
    total = sum(facts.content.values()) or 1.0
    sent_stems, sent_fams = _families(sent_toks)
    covered = sum(w for s, w in facts.content.items()
                  if s in sent_stems or word_family(s) in sent_fams)
    return [
        float(len(missing_entities)), float(elsewhere), float(numbers_missing), year_conflict,
        # "What is not contained in EXPTIME?" against "P is contained in EXPTIME": the
        # question adds a negation (SQuAD 2.0's writers' favourite near miss); a negated
        # sentence asked about plainly is far more often a fair answer
        float(facts.negated and not sent_negated), float(sent_negated and not facts.negated),
        float(antonym),
        max(missing.values(), default=0.0), sum(missing.values()) / total, covered / total,
    ]


def missing_phrase(question: str, facts: QuestionFacts, sentence: str, context: str) -> str:
    """What the question names that the closest passage lacks, for a refusal ("women's
    final", "2019"), or '' when nothing in particular is missing."""
    evidence = _tokens(sentence) + _tokens(context)
    stems, fams = _families(evidence)
    low = {t.lower() for t in evidence}
    for w in facts.antonyms:
        if w not in low and ANTONYMS[w] in low:
            return w
    for y in facts.years:
        if y not in low:
            return y
    for e in facts.entities:
        if not _present(e, stems, fams):
            return e
    for n in facts.numbers:
        if n not in low:
            return n
    words = [t for t in _tokens(TYPE_PHRASE.sub(" ", question))
             if t.lower() not in STOPWORDS and t.lower() not in _QUESTION_WORDS
             and not _present(t, stems, fams) and not is_generic(stem(t.lower()))]
    return max(words, key=lambda t: facts.content.get(stem(t.lower()), 0.0), default="")
