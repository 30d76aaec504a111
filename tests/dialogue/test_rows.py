"""A table row of the knowledge base said as a sentence, never "key: value; key: value"."""

from __future__ import annotations

import asyncio

from vhuman.dialogue import DEFAULT_PERSONA
from vhuman.dialogue.crosslingual import say_answer
from vhuman.dialogue.qa_verify import question_facts
from vhuman.dialogue.rows import row_fields, say_row
from vhuman.dialogue.show_knowledge import ShowKnowledge

ROW = "item: Pip plush toy; price eur: 22; notes: 30 cm tall."


def test_a_row_becomes_a_sentence_in_each_language() -> None:
    assert say_row(ROW) == "The Pip plush toy costs 22 euros, 30 cm tall."
    assert say_row(ROW, "es") == "Según la información del programa, Pip plush toy cuesta 22 euros."
    assert say_row(ROW, "zh") == "Pip plush toy售价22欧元。"
    athlete = ("name: Mira Kovalainen; country: Finland; sport: ski jumping. "
               "Mira Kovalainen set the hill record in 2024.")
    said = say_row(athlete)
    assert said is not None and ";" not in said and said.endswith("Mira Kovalainen set the hill record in 2024.")
    assert say_row("Parking must be booked in advance.") is None  # prose stays prose
    assert row_fields("time: 12:00; place: media centre.") == ([("time", "12:00"), ("place", "media centre")], "")


def test_a_spanish_or_chinese_price_question_is_answered_in_its_own_words() -> None:
    # The span reader may pick another field of the row ("30 cm tall"): a price question says the price.
    assert say_answer("¿Cuánto cuesta el peluche de Pip?", "es", "30 cm tall", ROW) == \
        "El peluche de Pip cuesta 22 euros."
    assert say_answer("皮普毛绒玩具多少钱？", "zh", "eur: 22", ROW) == "皮普毛绒玩具22欧元。"
    other = say_answer("¿Qué es el peluche?", "es", "30 cm tall", ROW)
    assert "item:" not in other and ";" not in other


def test_the_english_answer_of_a_row_is_spoken(sample_kb) -> None:  # type: ignore[no-untyped-def]
    from vhuman.dialogue.qa import QAEngine

    said = asyncio.run(ShowKnowledge(DEFAULT_PERSONA, QAEngine(sample_kb)).answer("How much is the Pip plush toy?"))
    assert said is not None and "22 euros" in said and "price eur" not in said and ";" not in said


def test_the_asker_is_no_name_the_documents_must_mention() -> None:
    facts = question_facts("Where can I collect my press badge?", {})
    assert "I" not in facts.entities
    assert question_facts("Where does Jonas Holm play?", {}).entities == ["Jonas", "Holm"]
