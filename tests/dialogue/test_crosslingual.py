"""Chinese and Spanish show questions answered from the English knowledge base, in the
asker's language, with the facts copied from it."""

from __future__ import annotations

import asyncio

import pytest

from vhuman.dialogue.crosslingual import localize, say_answer, to_english, unknown_words


def test_questions_become_english_queries() -> None:
    assert to_english("冰球决赛是什么时候？", "zh") == "when the ice hockey final?"
    assert to_english("¿Cuánto cuesta el chocolate caliente?", "es") == "how much the hot chocolate?"
    assert to_english("¿Quién diseñó la mascota?", "es", reverse=True) == "who the mascot designed?"
    assert to_english("你好", "zh") is None and to_english("hola", "fr") is None


def test_answers_are_said_in_the_askers_words() -> None:
    assert localize("21 February 2026 at 17:00", "zh") == "2026年2月21日17:00"
    assert localize("21 February 2026", "es") == "21 de febrero de 2026"
    assert localize("a snowy owl", "es") is None  # English prose: not translated word by word
    full = "The ice hockey final is on 21 February 2026 at 17:00 in the Crystal Arena."
    assert say_answer("冰球决赛是什么时候？", "zh", "21 February 2026", full) == "冰球决赛是2026年2月21日17:00。"
    assert say_answer("¿Cuándo es la final de hockey sobre hielo?", "es", "21 February 2026", full) == \
        "La final de hockey sobre hielo es el 21 de febrero de 2026 a las 17:00."
    closing = "The closing ceremony takes place on 22 February 2026 at 19:30 in the Aurora Stadium."
    assert say_answer("¿A qué hora empieza la ceremonia de clausura?", "es", "22 February 2026", closing) == \
        "La ceremonia de clausura empieza el 22 de febrero de 2026 a las 19:30."
    food = "The Fireside Food Village has 40 food stalls. It opens daily at 11:00 and closes at 23:00."
    assert say_answer("¿A qué hora abre el pueblo de comida?", "es", "11:00", food) == \
        "El pueblo de comida abre a las 11:00."  # a bare clock time: "a las", never "el 11:00"
    assert say_answer("¿Cuántos atletas participan?", "es", "About 640",
                      "About 640 athletes from 28 countries take part in 9 sports.") == "640 atletas participan."
    assert say_answer("吉祥物是什么？", "zh", "a snowy owl", "Pip is a snowy owl.") == "节目资料里写着： Pip is a snowy owl."


@pytest.mark.parametrize("question, lang, said", [
    ("吉祥物叫什么名字？", "zh", "吉祥物叫Pip。"),
    ("热巧克力多少钱？", "zh", "热巧克力4欧元。"),
    ("开幕式在哪里举行？", "zh", "开幕式在Aurora Stadium举行。"),
    ("¿Cómo se llama la mascota?", "es", "La mascota se llama Pip."),
    ("¿Quién diseñó la mascota?", "es", "Lotte Engel diseñó la mascota."),
])
def test_the_brain_answers_show_questions_in_chinese_and_spanish(sample_kb, question: str, lang: str,
                                                                   said: str) -> None:
    from vhuman.dialogue import Brain
    from vhuman.dialogue.persona import DEFAULT_PERSONA

    reply = asyncio.run(Brain(DEFAULT_PERSONA, llm=None, memory=None, kb=sample_kb,
                             languages=("en", "es", "zh")).reply(question, "Li"))
    assert reply.source == "kb" and reply.text == said and reply.items[0].language == lang


def test_partial_dates_names_and_table_prices() -> None:
    skating = "Figure skating finals are on 17 February 2026 at 20:00 in the Crystal Arena."
    assert say_answer("花样滑冰决赛是什么时候？", "zh", "February 2026", skating) == "花样滑冰决赛是2026年2月17日20:00。"
    assert say_answer("¿Dónde es la final de curling?", "es", "the Crystal Arena",
                      "The curling final is on 18 February 2026 at 14:00 in the Crystal Arena.") == \
        "La final de curling es en Crystal Arena."
    row = "event: Ice hockey final; category: premium; price eur: 120; on sale: 2025-11-15."
    assert say_answer("¿Cuánto cuesta una entrada para la final de hockey?", "es", "premium; price eur: 120", row) == \
        "Una entrada para la final de hockey cuesta 120 euros."
    assert localize("price eur: 120", "zh") == "120欧元"


def test_unknown_things_named_in_a_question_are_found() -> None:
    assert unknown_words("¿Dónde está el vestíbulo de la sede?", "es") == ["vestíbulo"]
    assert unknown_words("场馆的贵宾室在哪里？", "zh") == ["的贵宾室"]
    # an adjective or a verb after the known words does not change the thing asked about
    assert unknown_words("¿Dónde está el aeropuerto más cercano?", "es") == []
    assert unknown_words("¿Cuánto cuesta la bufanda oficial?", "es") == []
    assert unknown_words("有多少运动员参加？", "zh") == []


@pytest.mark.parametrize("question, lang, said", [
    ("¿Dónde está el vestíbulo de la sede?", "es", "notas"),  # was "El vestíbulo de la sede está en Crystal Arena."
    ("场馆的贵宾室在哪里？", "zh", "资料"),  # was "场馆的贵宾室在Crystal Arena。"
])
def test_a_question_about_something_unknown_is_not_answered_as_another(sample_kb, question: str, lang: str,
                                                                       said: str) -> None:
    from vhuman.dialogue import Brain
    from vhuman.dialogue.persona import DEFAULT_PERSONA

    reply = asyncio.run(Brain(DEFAULT_PERSONA, llm=None, memory=None, kb=sample_kb,
                             languages=("en", "es", "zh")).reply(question, "Li"))
    assert reply.source != "kb" and "Arena" not in reply.text and said in reply.text, reply.text


def test_what_kind_of_thing_is_never_answered_with_a_name() -> None:
    full = "The official mascot is Pip, a snowy owl wearing a red scarf."
    said = say_answer("吉祥物是什么动物？", "zh", "Pip", full)
    assert "Pip动物" not in said and "snowy owl" in said  # the sentence after the lead, never "Pip animal"
    assert say_answer("吉祥物叫什么名字？", "zh", "Pip", full) == "吉祥物叫Pip。"
    assert to_english("吉祥物是什么动物？", "zh") == "what the mascot animal?"
    assert unknown_words("吉祥物是什么颜色？", "zh") == ["颜色"]  # asked for after 什么: not a trailing verb


def test_who_will_win_is_never_answered_from_the_notes(sample_kb) -> None:  # type: ignore[no-untyped-def]
    from vhuman.dialogue import Brain
    from vhuman.dialogue.persona import DEFAULT_PERSONA

    for question in ("¿Quién va a ganar la final de hockey?", "谁会赢冰球决赛？", "who will win the hockey final?"):
        reply = asyncio.run(Brain(DEFAULT_PERSONA, llm=None, memory=None, kb=sample_kb,
                                 languages=("en", "es", "zh")).reply(question, "Sofía"))
        assert reply.source == "unsure" and "120" not in reply.text, reply.text  # was the ticket price
