"""Small talk in persona: opinions, "how are you?", where a viewer is from, praise."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from vhuman.dialogue import Brain, Memory, Moderator, load_persona
from vhuman.dialogue.memory import extract_name
from vhuman.dialogue.small_talk import SmallTalk

PERSONA = Path(__file__).resolve().parents[2] / "examples" / "persona.yaml"


def _talk(text: str, lang: str = "en", kind: str = "question", viewer: str = "Pia") -> str | None:
    said = SmallTalk(random.Random(0)).answer(text, lang, viewer, kind)
    return said.text if said else None


@pytest.mark.parametrize("text, lang, words", [
    ("What do you think of the snow today?", "en", ["snow", "pia"]),
    ("Do you like skiing?", "en", ["skiing", "pia"]),
    ("How do you like hosting?", "en", ["pia", "!"]),
    ("¿Qué te parece el programa?", "es", ["pia", "¿y a ti"]),
    ("你觉得下雪怎么样？", "zh", ["喜欢", "pia"]),
    ("你喜欢下雪吗？", "zh", ["喜欢"]),
    ("¿Qué tal tu día?", "es", ["¿"]),
])
def test_opinion_questions_get_a_feeling_and_a_question_back(text: str, lang: str, words: list[str]) -> None:
    said = _talk(text, lang)
    assert said is not None and all(w in said.lower() for w in words)
    assert "guess" not in said and "stay tuned" not in said.lower()


@pytest.mark.parametrize("text", [
    "How do you feel about the cancelled match?",  # bad news: no "I love it"
    "What do you think of the president?",  # politics: the skills decline it
    "When is the final?",
])
def test_no_cheerful_opinion_where_it_would_be_wrong(text: str) -> None:
    assert _talk(text, "es" if "¿" in text else "en") is None


def test_what_a_viewer_says_about_themselves_is_used() -> None:
    assert "Dublin" in (_talk("I'm from Dublin", kind="chat") or "")
    assert "上海" in (_talk("我住在上海", "zh", kind="chat") or "")
    assert "Lima" in (_talk("Estoy viendo desde Lima con mi madre", "es", kind="chat") or "")
    assert "first" in (_talk("this is my first time watching", kind="chat") or "")
    theo = _talk("I'm watching with my son Theo, it's his birthday", kind="chat") or ""
    assert "happy birthday, theo" in theo.lower()
    assert "curling" in (_talk("I love curling", kind="chat") or "").lower()
    assert _talk("I like it", kind="chat") is None
    assert "esquí" in (_talk("Mi deporte favorito es el esquí", "es", kind="chat") or "").lower()
    tired = _talk("Just finished a night shift, totally exhausted", kind="chat") or ""
    assert "rest" in tired or "long one" in tired
    assert not any(w in tired.lower() for w in ("nice", "great", "awesome", "sorry"))
    assert "陪" in (_talk("今天加班到很晚，好累啊", "zh", kind="chat") or "")
    assert _talk("Llegué del trabajo muy cansada", "es", kind="chat")


def test_praise_and_thanks_are_thanked_never_the_same_line_twice_in_a_row() -> None:
    talk = SmallTalk(random.Random(0))
    said = [talk.answer("you're the best host ever", "en", "Jon", "praise") for _ in range(6)]
    texts = [s.text for s in said if s is not None]
    assert len(texts) == 6 and all("thank" in t.lower() for t in texts)
    assert all(a != b for a, b in zip(texts, texts[1:], strict=False))
    funny = talk.answer("you're the funniest host", "en", "Jon", "praise")
    assert funny is not None and funny.kind == "praise_funny"
    assert "谢谢" in (talk.answer("你主持得真好！", "zh", "小玉", "praise") or funny).text
    assert "gracias" in (talk.answer("¡Qué divertido es tu programa!", "es", "Eva", "praise") or funny).text.lower()
    welcome = talk.answer("that was lovely, thank you", "en", "Kit", "thanks")
    assert welcome is not None and welcome.kind == "thanks"


def test_the_brain_answers_small_talk_in_persona_without_the_model() -> None:
    brain = Brain(load_persona(PERSONA), None, memory=Memory(), moderator=Moderator())

    async def ask(text: str, viewer: str) -> list[tuple[str, str]]:
        return [(s.source, s.text) async for s in brain.reply_stream(text, viewer)]

    snow = asyncio.run(ask("What do you think of the snow today?", "Pia"))
    assert snow[0][0] == "template" and snow[-1][0] == "small_talk"
    assert "snow" in snow[-1][1].lower() and "Pia" not in snow[-1][1]  # the greeting named her
    spanish = asyncio.run(ask("¿Qué tal tu día?", "Irene"))
    assert [s for s, _ in spanish] == ["small_talk"] and "Irene" in spanish[0][1]  # no English greeting
    capital = asyncio.run(ask("What's the capital of Australia?", "Gus"))
    assert capital[-1][0] == "unsure" and "don't know" in capital[-1][1] or "beyond me" in capital[-1][1]
    assert "stay tuned" not in capital[-1][1].lower()
    winner = asyncio.run(ask("Who will win the curling final?", "Eric"))
    assert "Nobody knows yet" in winner[-1][1]


def test_a_question_back_never_repeats_the_viewers_own_words() -> None:
    talk = SmallTalk(random.Random(0))
    for _ in range(4):
        said = talk.answer("¿Qué tal tu día?", "es", "Irene", "question")
        assert said is not None and "qué tal tu día" not in said.text.lower()
        english = talk.answer("How's your day going?", "en", "Sam", "question")
        assert english is not None and "how's your day going" not in english.text.lower()


def test_where_and_with_whom_then_what_that_person_loves_in_three_languages() -> None:
    talk = SmallTalk(random.Random(0))
    where = talk.answer("I'm watching from a lake house in Finland with my mom", "en", "Kit", "chat")
    assert where is not None and "lake house in Finland" in where.text and "your mom" in where.text
    likes = talk.answer("she loves figure skating", "en", "Kit", "chat")
    assert likes is not None and "figure skating" in likes.text.lower() and "mom" in likes.text
    assert "dad" not in (talk.answer("he loves curling", "en", "Kit", "chat") or where).text  # "he" is not the mom
    hi = talk.answer("She says hi", "en", "Kit", "chat")
    assert hi is not None and "your mom" in hi.text
    es = talk.answer("Estoy viendo desde una cabaña en Noruega con mi padre", "es", "Pepa", "chat")
    assert es is not None and "cabaña en Noruega" in es.text and "tu padre" in es.text
    es_likes = talk.answer("le encanta el salto de esquí", "es", "Pepa", "chat")
    assert es_likes is not None and "tu padre" in es_likes.text and "salto de esquí" in es_likes.text
    zh = talk.answer("我和爸爸在挪威的小木屋看", "zh", "Lu", "chat")
    assert zh is not None and "挪威的小木屋" in zh.text and "爸爸" in zh.text
    zh_likes = talk.answer("他很喜欢跳台滑雪", "zh", "Lu", "chat")
    assert zh_likes is not None and "爸爸" in zh_likes.text and "跳台滑雪" in zh_likes.text


def test_the_favourite_said_first_is_recognised_and_remembered() -> None:
    from vhuman.dialogue.memory import extract_preferences

    talk = SmallTalk(random.Random(0))
    said = talk.answer("curling is my favourite sport", "en", "Rita", "chat")
    assert said is not None and "curling" in said.text.lower()
    assert extract_preferences("curling is my favourite sport") == {"favourite sport": "curling"}
    assert extract_preferences("El curling es mi deporte favorito")["sport"] == "curling"
    assert extract_preferences("冰壶是我最喜欢的运动")["sport"] == "冰壶"
    assert "favourite show" not in extract_preferences("this is my favourite show")


def test_spanish_praise_of_the_show_is_thanked() -> None:
    from vhuman.dialogue.kinds import classify_kind

    talk = SmallTalk(random.Random(0))
    for text in ("¡Qué divertido es tu programa!", "Tu programa es muy divertido", "¡Qué bonito es tu programa!"):
        assert classify_kind(text) == "praise", text
        said = talk.answer(text, "es", "Eva", classify_kind(text))
        assert said is not None and said.kind.startswith("praise") and "gracias" in said.text.lower()


def test_a_viewer_who_gives_a_name_is_welcomed_and_asked_back() -> None:
    talk = SmallTalk(random.Random(0))
    for text, lang, name in (("Hi, my name is Bruno", "en", "Bruno"), ("Me llamo Inés", "es", "Inés"),
                             ("我叫小红", "zh", "小红")):
        line = talk.answer(text, lang, extract_name(text), "chat")
        assert line is not None and line.kind == "name" and name in line.text, text
        assert line.text.rstrip().endswith(("?", "？"))


def test_the_show_says_a_kinds_lines_in_turn_across_viewers() -> None:
    talk = SmallTalk(random.Random(0))
    said = [talk.answer("you're the best host ever", "en", f"viewer{i}", "praise") for i in range(10)]
    texts = [line.text.replace(f"viewer{i}", "{viewer}") for i, line in enumerate(said) if line]
    kinds = len(set(texts))
    assert kinds >= 3 and all(len(set(texts[k:k + kinds])) == kinds
                              for k in range(0, len(texts) - kinds + 1, kinds)), texts


@pytest.mark.parametrize("text, lang, words", [
    ("who is your favourite figure skater?", "en", ["figure skater", "?", "pia"]),
    ("Which team do you like best?", "en", ["team", "?"]),  # a choice of people: no "I love them"
    ("¿Qué equipo te gusta más?", "es", ["pia", "¿"]),
    ("What's your favourite winter sport?", "en", ["winter sport", "?"]),  # the model said "beyond me"
    ("Curling or skiing, what's your favourite?", "en", ["curling or skiing", "both"]),
    ("Which do you prefer, skating or skiing?", "en", ["skating or skiing", "both"]),
    ("你最喜欢什么运动？", "zh", ["pia"]),  # the model said "swimming"
    ("who's ur fave skater lol", "en", ["skater", "pia"]),
    ("which team do you like the most?", "en", ["team"]),
    ("¿Quién es tu patinadora favorita?", "es", ["pia", "¿"]),
    ("你最喜欢的运动员是谁？", "zh", ["pia"]),
])
def test_a_favourite_is_never_made_up_and_the_viewers_is_asked(text: str, lang: str, words: list[str]) -> None:
    said = _talk(text, lang)
    assert said is not None and all(w in said.lower() for w in words), said
    assert "lol" not in said  # the viewer's filler is not said back as part of the thing
    assert "love it" not in said and "me encanta" not in said.lower()


def test_my_favourite_is_memory_not_the_hosts() -> None:
    assert _talk("what's my favourite sport?") is None


@pytest.mark.parametrize("text, lang, said", [
    ("my cat just knocked over my hot chocolate haha", "en", "oh no"),  # the model said "Yay!"
    ("se me cayó el chocolate caliente jaja", "es", "¡"),
    ("我把热巧克力打翻了哈哈", "zh", "哎呀"),
    ("I slipped on the ice and broke my wrist", "en", None),  # an injury: not a little disaster
    ("The goalie dropped the puck", "en", None),  # the game's, not the viewer's
])
def test_a_little_accident_gets_oh_no_never_a_cheer(text: str, lang: str, said: str | None) -> None:
    got = _talk(text, lang, kind="chat")
    if said is None:
        assert got is None or "disaster" not in got, got
    else:
        assert got is not None and said in got.lower() and "yay" not in got.lower()


@pytest.mark.parametrize("text, lang, said", [
    ("I think the judges were unfair to the Japanese skater tonight", "en", "judg"),  # was "Oh, nice, Eva!"
    ("do you think she should have won?", "en", "judges"),  # was the model's "Do you really want her to get."
    ("the referee was terrible today", "en", "judg"),  # was a hug, as for bad news
    ("los jueces fueron injustos con la patinadora", "es", "jueces"),
    ("裁判太不公平了", "zh", "判罚"),
])
def test_a_grievance_about_the_judging_is_heard_and_no_side_taken(text: str, lang: str, said: str) -> None:
    got = _talk(text, lang, kind="chat")
    assert got is not None and said in got.lower(), got
    assert not any(w in got.lower() for w in ("nice", "hug", "robbed", "unfair", "deserved"))


@pytest.mark.parametrize("text, lang, words", [
    ("I'm so nervous, my brother competes in the ski jump tomorrow", "en", ["brother"]),  # was a hug
    ("my son is playing in the hockey final tonight!", "en", ["son", "him"]),
    ("mi hermana compite mañana en el slalom, qué nervios", "es", ["hermana"]),
    ("我哥哥明天参加跳台滑雪比赛，好紧张", "zh", ["哥哥", "加油"]),
])
def test_a_family_member_competing_gets_good_luck(text: str, lang: str, words: list[str]) -> None:
    talk = SmallTalk(random.Random(1))
    for _ in range(3):  # every line of the kind
        got = talk.answer(text, lang, "Pia", "chat")
        assert got is not None and all(w in got.text for w in words[:1]), got
        if "nerv" not in text and "紧张" not in text:
            assert "nerve" not in got.text.lower()  # nobody said they were nervous


def test_bad_news_beside_a_grievance_comes_first() -> None:
    assert _talk("We lost the final, the ref was terrible and my dad is in hospital", kind="sad") is None
