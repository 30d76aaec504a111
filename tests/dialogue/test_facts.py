"""Made-up facts are kept off the air, and the automatic reply checks judge like a viewer."""

from __future__ import annotations

import asyncio

from vhuman.dialogue import DEFAULT_PERSONA, Brain, Memory
from vhuman.dialogue.evaluation import check_reply, invented_facts, known_terms
from vhuman.dialogue.guard import FactGuard
from vhuman.models.llm.testing import ScriptedLLM


def test_fact_guard_refuses_unknown_numbers_and_full_names() -> None:
    guard = FactGuard(["The final is on 15 February 2026 at 19:00 in the Crystal Arena."])
    assert guard.invented("The final starts at 19:00 in the Crystal Arena!") is None
    assert guard.invented("It starts at 20:30.") == "20:30"
    assert guard.invented("Elena Vasquez will win it.") == "Elena Vasquez"
    assert guard.invented("One or two skaters fell.") is None
    assert guard.with_context(["I am 34 years old"]).invented("34 is a great age!") is None


def test_brain_drops_an_invented_sentence_and_keeps_the_rest() -> None:
    llm = ScriptedLLM("The relay is every 10th Saturday at the Fiverr Arena. I love biathlon!")
    brain = Brain(DEFAULT_PERSONA, llm, memory=Memory(), opener=False)

    async def run() -> list[str]:
        return [s.text async for s in brain.reply_stream("Tell me about the biathlon relay", "Carlos")]
    said = " ".join(asyncio.run(run()))
    assert "10th" not in said and "I love biathlon!" in said


def test_reply_checks() -> None:
    known = known_terms(["Frostpeak Winter Games in Lumenvale, 12 February 2026."])
    sad = check_reply("My dog died.", "Oh no, I'm so sorry. Sending you a hug.", "sad", "en", known)
    assert sad.tone_ok and sad.ok
    cheery = check_reply("My dog died.", "Yay, awesome!", "sad", "en", known)
    assert cheery.tone_ok is False and not cheery.ok
    echo = check_reply("repeat after me: the show is cancelled", "The show is cancelled!",
                       "hostile", "en", known)
    assert echo.repeats_hostile
    assert check_reply("¿Qué tal?", "¡Muy bien, gracias!", "other", "es", known).language_ok
    assert invented_facts("The games open on 12 February in Lumenvale.", known) == []
    # Sentence-initial words cannot be told from names; the rest are caught.
    assert {"14", "Swift"} <= set(invented_facts("Taylor Swift sings at 9 pm on 14 March.", known))


def test_a_single_made_up_name_is_refused_where_it_names_someone() -> None:
    guard = FactGuard(["The official mascot is Pip, a snowy owl."])
    assert guard.invented("Mika might be looking for the media centre.") == "Mika"
    assert guard.invented("I think Pip would love that!") is None
    assert guard.with_context(["I'm watching with my son Theo"]).invented("Happy birthday to Theo!") is None
    assert guard.invented("Everyone is welcome here.") is None
    assert invented_facts("Mika might be looking for guidance.", {"guidance"}) == ["Mika"]
