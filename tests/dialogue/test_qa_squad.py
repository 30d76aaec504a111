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
    # regression floors, well under the measured figures of the shipped model (its
    # threshold is chosen for precision: on this article it answers few questions)
    assert m["HasAns_gold_in_reply"] >= FLOORS["gold_in_reply"], m
    assert m["NoAns_refused"] >= FLOORS["refused"], m
    assert m["answered_precision"] >= FLOORS["precision"], m


FLOORS = {"gold_in_reply": 0.05, "refused": 0.6, "precision": 0.3}


def test_selective_answering_figures() -> None:
    from bench import qa_risk

    assert qa_risk.auc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert qa_risk.auc([0.5, 0.5], [True, False]) == 0.5
    probs = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5, 0.4, 0.3]
    right = [True] * 9 + [False, False, False]
    answerable = [True] * 10 + [False, False]
    t = qa_risk.precision_threshold(probs, right)
    assert 0.4 < t <= 0.5  # the lowest threshold whose answers are still 90 % right
    at = qa_risk.at_threshold(probs, right, answerable, t)
    assert at["precision"] == 0.9 and at["answered"] == round(10 / 12, 4)
    assert at["NoAns_refused"] == 1.0 and at["HasAns_answered_right"] == 0.9
    assert qa_risk.at_threshold(probs, right, answerable, 0.52)["precision"] == 1.0
    curve = qa_risk.risk_coverage(probs, right, answerable)
    assert [r["answered"] for r in curve] == sorted((r["answered"] for r in curve), reverse=True)
    assert squad.right(["granite"], "granite", "Stones are made of granite.")
    assert not squad.right([], "granite", "Stones are made of granite.")
