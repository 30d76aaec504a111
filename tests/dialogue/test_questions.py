"""What a message asks: follow-ups read with what came before, questions about the show."""

from __future__ import annotations

import asyncio

import pytest

from vhuman.dialogue import DEFAULT_PERSONA, Brain, Memory, Moderator
from vhuman.dialogue.questions import about_show, follow_up_from, is_follow_up
from vhuman.models.llm.testing import ScriptedLLM

PARKING = "Parking at the venues is limited to 1,200 spaces and must be booked in advance for 15 euros per day."


def test_a_follow_up_is_answered_from_what_the_host_just_said() -> None:
    assert is_follow_up("do I need to book it?") and is_follow_up("and where?")
    assert not is_follow_up("What is the capital of France?")
    assert follow_up_from("do I need to book it?", "Hi Carl! " + PARKING) == \
        "Yes, parking must be booked in advance for 15 euros per day."
    assert follow_up_from("how many spaces are there?", PARKING) == f"From my notes: {PARKING}"
    assert follow_up_from("is it free?", PARKING) is None  # not said: never guessed


def test_questions_about_the_show_are_told_apart() -> None:
    assert about_show("Where can I collect my press badge?") and about_show("which venue has the most seats?")
    assert about_show("¿Dónde compro las entradas?") and about_show("停车要预约吗？")
    assert not about_show("What's the capital of Australia?") and not about_show("What is 17 times 23?")


def test_the_brain_answers_a_follow_up_and_says_unknown_show_facts_in_show_terms(sample_kb) -> None:  # type: ignore[no-untyped-def]
    brain = Brain(DEFAULT_PERSONA, ScriptedLLM("I think so!"), Memory(), Moderator(), kb=sample_kb, opener=False)
    first = asyncio.run(brain.reply("how much does parking cost?", "Carl"))
    assert "15 euros" in first.text
    then = asyncio.run(brain.reply("do I need to book it?", "Carl"))
    assert then.source == "kb" and "booked in advance" in then.text
    unknown = asyncio.run(brain.reply("Where is the cloakroom at the venue?", "Carl"))
    assert unknown.source == "unsure" and "notes" in unknown.text and "only know our show" not in unknown.text
    world = asyncio.run(brain.reply("What's the capital of Australia?", "Carl"))
    assert world.source == "unsure" and "notes" not in world.text


@pytest.mark.parametrize("text, core", [
    ("ok then how many countries are competing?", "how many countries are competing?"),
    ("hey vivi when is the curling final? pls", "when is the curling final?"),
    ("Vivi, where is the press centre? thanks", "where is the press centre?"),
    ("what about then?", "what about then?"),
    ("ok", "ok"),  # nothing left: the text itself
])
def test_the_chat_around_a_question_is_not_part_of_it(text: str, core: str) -> None:
    from vhuman.dialogue.questions import core_question

    assert core_question(text) == core


def test_a_question_wrapped_in_chat_is_answered_from_the_notes(sample_kb) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from vhuman.dialogue import Brain
    from vhuman.dialogue.persona import DEFAULT_PERSONA

    brain = Brain(DEFAULT_PERSONA, llm=None, memory=None, kb=sample_kb)
    reply = asyncio.run(brain.reply("ok then how many countries are competing?", "Dev"))
    assert reply.source == "kb" and "28 countries" in reply.text  # "ok" was a fact the notes lacked
    reply = asyncio.run(brain.reply("hey vivi when is the curling final? pls", "Dev"))
    assert reply.source == "kb" and "18 February" in reply.text


@pytest.mark.parametrize("text, said", [
    ("And where is it played?", "That's in the Crystal Arena."),
    ("where?", "That's in the Crystal Arena."),
    ("and when does it start?", "That's on 21 February 2026 at 17:00."),
    ("what time?", "That's on 21 February 2026 at 17:00."),
    ("where can I buy tickets for it?", None),  # not where the final is
])
def test_where_or_when_after_the_host_named_it(text: str, said: str | None) -> None:
    hockey = "The ice hockey final is on 21 February 2026 at 17:00 in the Crystal Arena."
    assert follow_up_from(text, hockey) == said


def test_a_requirement_question_is_answered_yes_from_the_sentence_that_says_so(sample_kb) -> None:  # type: ignore[no-untyped-def]
    brain = Brain(DEFAULT_PERSONA, llm=None, memory=None, kb=sample_kb)
    reply = asyncio.run(brain.reply("do I need to book parking?", "Hoa"))  # was "not in tonight's notes"
    assert reply.source == "kb" and reply.text.startswith("Yes, parking must be booked"), reply.text
    reply = asyncio.run(brain.reply("do I need a ticket for the opening ceremony?", "Hoa"))
    assert "Aurora Stadium hosts" not in reply.text  # a sentence with no ticket in it is no answer
