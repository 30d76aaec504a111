"""Span candidates and their features, question analysis, and the two model fitters."""

from __future__ import annotations

import numpy as np

from vhuman.dialogue.span_candidates import (
    SPAN_FEATURES,
    analyse,
    candidate_spans,
    fit_conditional_logit,
    fit_logistic,
    spells_out,
)


def _feature(span, name: str) -> float:  # type: ignore[no-untyped-def]
    return span.features[SPAN_FEATURES.index(name)]


def test_candidates_are_spans_of_the_sentence_with_fact_kind() -> None:
    sentence = "The event was broadcast to more than 220 countries and territories."
    info = analyse("To how many countries was the event broadcast?", {})
    spans = {s.text: s for s in candidate_spans(sentence, info)}
    assert "220 countries" in spans and "more than 220 countries" in spans
    assert all(sentence[s.start : s.end] == t for t, s in spans.items())
    assert "event" not in spans  # only question words: never an answer
    assert _feature(spans["220 countries"], "type_ok") == 1.0
    assert _feature(spans["220 countries"], "head_in") == 1.0
    assert _feature(spans["territories"], "type_bad") == 1.0


def test_question_analysis() -> None:
    assert analyse("When did it open?", {}).kind == "date"
    assert analyse("In what year was it built?", {}).kind == "year"
    assert analyse("Who leads the unit?", {}).kind == "who"
    ibu = analyse("What does IBU stand for?", {})
    assert ibu.kind == "acronym" and ibu.acronym == "IBU"
    assert spells_out(["International", "Broadcasting", "Unit"], "IBU")
    assert spells_out(["Organising", "Committee", "for", "the", "Frostpeak", "Games"], "OCFG")
    assert not spells_out(["Marta", "Kessler"], "IBU")
    assert analyse("Why is it not solvable?", {}).negated


def test_fitters_learn_the_signal_and_respect_signs() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.1 * rng.normal(size=400) > 0).astype(float)
    w = fit_logistic(x, y, l2=0.1)
    assert w[1] > 2.0 and abs(w[2]) < 0.2 * w[1]
    constrained = fit_logistic(x, y, l2=0.1, signs=[-1, 0])
    assert constrained[1] <= 1e-9  # the sign forbids the learned direction
    groups = []
    for _ in range(30):
        feats = rng.normal(size=(20, 2))
        labels = np.zeros(20)
        labels[int(np.argmax(feats[:, 1]))] = 1.0
        groups.append((feats, labels))
    listwise = fit_conditional_logit(groups, l2=0.01)
    assert listwise[2] > 1.0 and listwise[2] > abs(listwise[1])
