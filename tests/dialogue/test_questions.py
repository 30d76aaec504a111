"""What a message asks: follow-ups read with what came before, questions about the show."""

from __future__ import annotations

import asyncio

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
