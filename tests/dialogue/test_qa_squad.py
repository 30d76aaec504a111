"""Q&A on a document nobody here wrote: a SQuAD 2.0 article as the whole knowledge base.

A fixed subset of the held-out test split (``bench.squad.split_questions``) is answered
with the shipped reader model; the floors guard against regressions (the figures and the
goals are in ``bench qa`` and docs/dialogue.md). Also: the official metric functions.
"""

from __future__ import annotations

import pytest

from bench import squad
from vhuman.dialogue import KnowledgeBase, QAEngine

SUBSET = 60


@pytest.fixture(scope="module")
def squad_kb(tmp_path_factory: pytest.TempPathFactory, sample_kb: KnowledgeBase) -> tuple[KnowledgeBase, list]:
    path = squad.squad_file()
    if not path.is_file():
        pytest.skip(f"shared SQuAD data missing: {path}")
    texts, questions = squad.load_articles(path)
    root = tmp_path_factory.mktemp("squad")
    squad.write_kb(texts, root / "kb")
    kb = KnowledgeBase.build(root / "kb", root / "store", embedder=sample_kb.embedder)
    return kb, squad.split_questions(questions)["test"]


def test_official_metrics_match_the_squad_script() -> None:
    assert squad.normalize_answer("The  Turing machine!") == "turing machine"
    assert squad.score_one(["a deterministic Turing machine"], "deterministic Turing machine") == (1, 1.0)
    em, f1 = squad.score_one(["time and storage"], "time")
    assert em == 0 and f1 == pytest.approx(0.5)
    assert squad.score_one([], "") == (1, 1.0)  # an unanswerable question refused
    assert squad.score_one([], "time") == (0, 0.0)
    assert squad.gold_in_reply(["Cobham's thesis"], "Cobham's thesis says so.")


def test_split_is_fixed_and_by_paragraph() -> None:
    _texts, questions = squad.load_articles(squad.squad_file()) if squad.squad_file().is_file() else ({}, [])
    if not questions:
        pytest.skip("shared SQuAD data missing")
    a, b = squad.split_questions(questions), squad.split_questions(questions)
    assert [q.qid for q in a["test"]] == [q.qid for q in b["test"]]
    cal = {(q.article, q.paragraph) for q in a["calibration"]}
    assert not cal & {(q.article, q.paragraph) for q in a["test"]}
    assert len(a["calibration"]) + len(a["test"]) == len(questions) == 418


def test_answers_spans_with_sources_on_an_unseen_article(squad_kb: tuple[KnowledgeBase, list]) -> None:
    kb, test = squad_kb
    qa = QAEngine(kb)
    outcomes = []
    for q in test[:SUBSET]:
        a = qa.answer(q.question)
        if a.answered:
            # the short answer is a span of its document, inside the reply
            assert a.span is not None and a.short.lower() in a.text.lower()
            assert " ".join(kb.docs[a.span.doc]["text"][a.span.start : a.span.end].split()) == a.short
            src = a.sources[-1]
            assert kb.docs[src.doc]["text"][src.start : src.end] == src.text
        assert 0.0 <= a.confidence <= 1.0
        outcomes.append(squad.Outcome(q, a.short if a.answered else "", a.text if a.answered else "",
                                      a.confidence, a.seconds))
    m = squad.metrics(outcomes)
    # regression floors, well under the measured figures of the shipped model
    assert m["HasAns_gold_in_reply"] >= FLOORS["gold_in_reply"], m
    assert m["NoAns_refused"] >= FLOORS["refused"], m
    assert m["HasAns_f1"] >= FLOORS["f1"], m


FLOORS = {"gold_in_reply": 0.3, "refused": 0.2, "f1": 0.25}
