"""Date arithmetic from the show's schedule, in English, Spanish and Chinese."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from vhuman.dialogue.dates import answer_day_offset, answer_days_until, event_name, match_event
from vhuman.dialogue.schedule import events_from

SCHEDULE = events_from([
    "The opening ceremony takes place on 12 February 2026 at 18:00 in the Aurora Stadium.\n"
    "- The ski jumping final is on 15 February 2026 at 19:00 at the Falkenhorn Jump.\n"
    "- The ice hockey final is on 21 February 2026 at 17:00 in the Crystal Arena.\n"
    "The closing ceremony takes place on 22 February 2026 at 19:30 in the Aurora Stadium."])
NOW = dt.datetime(2026, 2, 14, 12, 0)


@pytest.mark.parametrize("text, lang, english, said", [
    ("How many days until the closing ceremony if today is February 15?", "en", None,
     "The closing ceremony is in 7 days, on Sunday, 22 February."),
    ("how many days until the hockey final?", "en", None, "The ice hockey final is in 7 days, on Saturday, 21 February."),
    ("how many days until the final?", "en", None, "The ski jumping final is tomorrow, Sunday, 15 February!"),
    ("How many days until March 3?", "en", None, "March 3 is in 17 days, on Tuesday, 3 March."),
    ("¿Cuántos días faltan para la clausura?", "es", "How many days until the closing ceremony?",
     "Faltan 8 días para la clausura: es el domingo, 22 de febrero."),
    ("离闭幕式还有几天？", "zh", "How many days until the closing ceremony?", "离闭幕式还有8天，是2月22日，星期日。"),
    ("离3月3日还有几天？", "zh", None, "离3月3日还有17天，是3月3日，星期二。"),
])
def test_days_until(text: str, lang: str, english: str | None, said: str) -> None:
    assert answer_days_until(text, lang, SCHEDULE, NOW, english=english) == said


def test_days_until_a_past_event_and_unknown_events() -> None:
    later = dt.datetime(2026, 3, 1, 9, 0)
    assert answer_days_until("how many days until the opening ceremony?", "en", SCHEDULE, later) == \
        "The opening ceremony was 17 days ago, on Thursday, 12 February."
    assert answer_days_until("how many days until the moon landing?", "en", SCHEDULE, NOW) is None
    assert answer_days_until("how many athletes are there?", "en", SCHEDULE, NOW) is None
    assert event_name(SCHEDULE[0]) == "the opening ceremony"
    assert match_event("the ceremony", SCHEDULE, NOW) == SCHEDULE[-1]  # the next one to come


@pytest.mark.parametrize("text, lang, said", [
    ("what day is it in 3 days?", "en", "In 3 days it will be Tuesday, 17 February."),
    ("What day will it be in ten days?", "en", "In 10 days it will be Tuesday, 24 February."),
    ("what day was it 2 days ago", "en", "2 days ago it was Thursday, 12 February."),
    ("¿Qué día será dentro de 3 días?", "es", "Dentro de 3 días será martes, 17 de febrero."),
    ("3天后是星期几？", "zh", "3天后是2月17日，星期二。"),
    ("三天后是几号？", "zh", "3天后是2月17日，星期二。"),
    ("后天是星期几？", "zh", "2天后是2月16日，星期一。"),
])
def test_day_offset(text: str, lang: str, said: str) -> None:
    assert answer_day_offset(text, lang, NOW) == said


def test_the_brain_counts_days_from_its_knowledge_base(tmp_path) -> None:
    from vhuman.dialogue import Brain
    from vhuman.dialogue.persona import DEFAULT_PERSONA

    brain = Brain(DEFAULT_PERSONA, llm=None, memory=None)
    brain.knowledge._schedule = SCHEDULE  # the KB's events, as the brain reads them from its KB
    reply = asyncio.run(brain.reply("How many days until the closing ceremony if today is February 20?", "Dan"))
    assert reply.source == "skill:math" and "2 days" in reply.text
