"""The answer verifier: near misses (swapped names, other years, negations, antonyms) are
told apart from sentences that say what the question asks."""

from __future__ import annotations

from vhuman.dialogue.qa_verify import (
    VERIFY_FEATURES,
    families,
    missing_phrase,
    question_facts,
    verify,
)

DOC = ("The Duchy of Normandy was founded in 911 by Rollo. Richard I ruled the duchy. "
       "The men's final is on 13 February 2026.")


def _checks(question: str, sentence: str, context: str = "") -> dict[str, float]:
    facts = question_facts(question, {})
    return dict(zip(VERIFY_FEATURES, verify(facts, sentence, context, families(DOC)), strict=True))


def test_question_facts() -> None:
    f = question_facts("When didn't King Charles III sign the treaty in 911 with the largest army?", {})
    assert {"King", "Charles", "III"} <= set(f.entities) and "When" not in f.entities
    assert f.numbers == ["911"] and f.negated and f.antonyms == ["largest"]


def test_a_supporting_sentence_passes_every_check() -> None:
    c = _checks("When was the Duchy of Normandy founded?",
                "The Duchy of Normandy was founded in 911 by Rollo.")
    assert c["v_entity_missing"] == c["v_number_missing"] == c["v_negation_added"] == 0
    assert c["v_negation_dropped"] == 0
    assert c["v_antonym"] == c["v_year_conflict"] == c["v_rare_missing"] == 0
    assert c["v_sentence_coverage"] > 0.9


def test_near_misses_are_flagged() -> None:
    sentence = "The Duchy of Normandy was founded in 911 by Rollo."
    swapped = _checks("When was the Duchy of Normandy founded by Richard?", sentence)
    assert swapped["v_entity_missing"] == 1 and swapped["v_entity_elsewhere"] == 1
    unknown = _checks("When was the Duchy of Brittany founded?", sentence)
    assert unknown["v_entity_missing"] == 1 and unknown["v_entity_elsewhere"] == 0
    negated = _checks("When wasn't the Duchy of Normandy founded?", sentence)
    assert negated["v_negation_added"] == 1 and negated["v_negation_dropped"] == 0
    plain = _checks("Who ruled the duchy?", "Richard I did not rule the duchy alone.")
    assert plain["v_negation_added"] == 0 and plain["v_negation_dropped"] == 1
    year = _checks("Who founded the duchy in 1911?", "The duchy was founded in 1066 by Rollo.")
    assert year["v_year_conflict"] == 1 and year["v_number_missing"] == 1
    opposite = _checks("What is the smallest city?", "Rouen is the largest city of the duchy.")
    assert opposite["v_antonym"] == 1


def test_context_counts_as_evidence() -> None:
    # "It" refers to the duchy named in the sentence before (read with it as context)
    c = _checks("When was the Duchy of Normandy founded?", "It was founded in 911.",
                "The Duchy of Normandy lies in France.")
    assert c["v_entity_missing"] == 0 and c["v_sentence_coverage"] < 1.0


def test_missing_phrase_names_what_the_passage_lacks() -> None:
    q = "When is the women's final?"
    assert missing_phrase(q, question_facts(q, {}), "The men's final is on 13 February 2026.", "") == "women's"
    q = "When is the biathlon final in 2027?"
    assert missing_phrase(q, question_facts(q, {}), "The biathlon final is on 14 February 2026.", "") == "2027"
    q = "When is the biathlon final?"
    assert missing_phrase(q, question_facts(q, {}), "The biathlon final is on 14 February 2026.", "") == ""
