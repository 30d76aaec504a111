"""The winces a person found in replies the old checks passed: the judge refuses them and
the grader gives them a 0, while the good replies to the same messages still pass."""

from __future__ import annotations

import asyncio

import pytest

from vhuman.dialogue.faults import comforting, narrates_viewer, paraphrased_echo, sentence_fault
from vhuman.dialogue.grading import Spoken, grade_reply
from vhuman.dialogue.judge import judge_sentence

GRIEF = "My grandmother passed away this morning. She loved watching the skating with me."


@pytest.mark.parametrize("sentence, message, kind, lang, viewer, fault", [
    ("But she was really enjoying watching the skating with me!", GRIEF, "sad", "en", "June",
     "tone:light-to-sad-news"),
    ("What else do we know?", GRIEF, "sad", "en", "June", "tone:light-to-sad-news"),
    ("What do you think might have caused this?", "I lost my job today", "sad", "en", "Paul",
     "tone:light-to-sad-news"),
    ("Thank you for providing this informative response.", "You're the best host ever!", "praise",
     "en", "Anna", "assistant-speak"),
    ("If you have any other questions, feel free to ask.", "cool, thanks!", "thanks", "en", "Rob",
     "assistant-speak"),
    ("有什么我可以帮忙的吗?", "你今天好吗？", "question", "zh", "小罗", "assistant-speak"),
    ("- hugo's reply in one short sentence.", "Thank you so much", "thanks", "en", "Hugo", "leak"),
    ('"Thank you!"', "Thank you so much", "thanks", "en", "Hugo", "leak"),
    ('In Oslo, it\'s known as "Oslo" which refers to the center of the statehouses.', "I live in Oslo",
     "chat", "en", "Dora", "invented:claim"),
    ("It sounds like you're feeling refreshed from playing with the Winter Games.", "How are you today?",
     "question", "en", "Tess", "invented:about-viewer"),
    ("Maya might be sharing bad news.", "I'm watching from Toronto", "chat", "en", "Maya", "third-person"),
    ("Yes, Pete thinks biathlon might be his favorite sport.", "My favourite sport is biathlon", "chat",
     "en", "Pete", "third-person"),
    ("这句话表达了他对考试成绩的不满。", "今天考试没考好", "chat", "zh", "小刘", "third-person"),
    ("Desde Madrid con mi herman.", "Te veo desde Madrid con mi hermana", "chat", "es", "Hugo", "echo"),
    ("What made me laugh?", "produced the block books, which were the immediate predecessors of the "
     "true printed book,", "chat", "en", "Ana", "odd-question"),
    ("Why do I love winter so much?", "I love winter", "chat", "en", "Ana", "odd-question"),
])
def test_the_winces_are_named(sentence: str, message: str, kind: str, lang: str, viewer: str,
                              fault: str) -> None:
    assert sentence_fault(sentence, message, kind, lang, viewer) == fault
    assert judge_sentence(sentence, message, lang, "Vivi", kind, viewer) is not None


@pytest.mark.parametrize("sentence, message, kind, lang, viewer", [
    ("I hope your dog feels better very soon.", "my dog is sick and I'm really worried", "sad", "en", "Carl"),
    ("Pancakes and winter sports, what a cozy evening!", "I'm making pancakes while I watch", "chat", "en", "Ike"),
    ("Hi Maya, and hi to your brother too!", "He says hi", "chat", "en", "Maya"),
    ("That makes me so happy to hear.", "that was lovely, thank you", "thanks", "en", "Liv"),
    ("希望你和家人互相陪伴，多保重。", "我的奶奶昨天去世了", "sad", "zh", "小林"),
    ("Ánimo, la próxima vez te saldrá mejor.", "Estoy muy triste, suspendí el examen", "sad", "es", "Alba"),
    ("Thanks for watching with us, Maya, see you soon!", "bye", "chat", "en", "Maya"),
    ("What made you laugh?", "that joke was great", "chat", "en", "Ana"),
    ("What would you like me to sing?", "sing something!", "request", "en", "Ana"),
])
def test_good_lines_pass(sentence: str, message: str, kind: str, lang: str, viewer: str) -> None:
    assert sentence_fault(sentence, message, kind, lang, viewer) is None
    assert judge_sentence(sentence, message, lang, "Vivi", kind, viewer) is None


def test_after_sad_news_only_comfort_is_spoken() -> None:
    assert judge_sentence("Skating is such a graceful sport.", GRIEF, "en", "Vivi", "sad", "June") is not None
    assert comforting("She sounds like a wonderful grandmother.")
    assert not comforting("Skating is a winter sport.")


def test_narration_needs_someone_else_in_the_message() -> None:
    assert narrates_viewer("He must be proud of you.", "I'm so tired", None, "en")
    assert not narrates_viewer("He must be proud of you.", "my brother won his race", None, "en")
    assert not narrates_viewer("Thanks, Kim, for watching!", "hi", "Kim", "en")
    for said in ("Kim's sister Jo has.", "Kim’s sister Jo has."):  # either apostrophe
        assert narrates_viewer(said, "my sister Jo is competing", "Kim", "en")
    assert not paraphrased_echo("Curling is a lovely choice!", "curling is my favourite sport")


def test_grader_gives_the_found_replies_a_zero_and_spares_shout_outs() -> None:
    def grade(turn: dict, *said: tuple, lang: str = "en", viewer: str | None = None) -> int:
        return grade_reply(turn, [Spoken(*s) for s in said], lang, viewer=viewer).grade

    grief = {"t": GRIEF, "kind": "sad"}
    assert grade(grief, ("Oh no, June, I'm so sorry to hear that.", "opener"),
                 ("But she was really enjoying watching the skating with me!", "llm"),
                 ("What else do we know?", "llm"), viewer="June") == 0
    thanks = {"t": "Thank you so much, this stream made my day", "kind": "thanks"}
    assert grade(thanks, ('"Thank you!"', "llm"), ("- hugo's reply in one short sentence.", "llm"),
                 viewer="Hugo") == 0
    shout = {"t": "Can you say hi to my mom Linda?", "kind": "request", "act": "shoutout", "want": ["Linda"]}
    assert grade(shout, ("Hi Linda! Ravi says hello, and welcome to the show!", "skill:shoutout", ["wave"]),
                 viewer="Ravi") == 2


def test_sad_news_gets_a_kind_line_never_the_models_guesses() -> None:
    from vhuman.dialogue import Brain
    from vhuman.dialogue.persona import DEFAULT_PERSONA
    from vhuman.models.llm.testing import ScriptedLLM

    llm = ScriptedLLM("What else do we know about the games?")
    reply = asyncio.run(Brain(DEFAULT_PERSONA, llm, memory=None).reply("My dog died yesterday", "Raúl"))
    assert llm.calls == [] and "games" not in reply.text and comforting(reply.items[-1].text)


def test_refused_chat_gets_a_fitting_line_not_a_tangled_one() -> None:
    from vhuman.dialogue import Brain
    from vhuman.dialogue.persona import DEFAULT_PERSONA
    from vhuman.models.llm.testing import ScriptedLLM

    llm = ScriptedLLM("Curling is known as the chess of ice.")  # a made-up claim: refused
    reply = asyncio.run(Brain(DEFAULT_PERSONA, llm, memory=None, opener=False).reply(
        "curling stones look so heavy", "Rita"))  # chat no small-talk pattern answers
    assert len(llm.calls) == 2 and reply.items[-1].source == "fallback"
    assert "tangled" not in reply.text and "known as" not in reply.text


def test_fragments_made_up_people_and_bracketed_instructions() -> None:
    assert sentence_fault("especially Curling.", "my sister curls", "chat", "en", "Kim",
                          before="Hey Kim! So glad you're here!") == "fragment"
    assert sentence_fault("and you?", "hi", "chat", "en", "Kim", before="Oh, I love skiing,") is None
    for stopped, lang in (("I'm.", "en"), ("The Frostpeak Winter Games seems.", "en"),
                          ("It’s.", "en"), ("Mi deporte favorito es el.", "es"),
                          ("We love watching it with the.", "en")):
        assert sentence_fault(stopped, "hi there", "chat", lang, "Kim") == "fragment", stopped
    for whole in ("That's who you are!", "I'm so glad you're here.", "What a match it was!",
                  "Welcome to the show!", "Who are you rooting for?", "I think so."):
        assert sentence_fault(whole, "hi there", "chat", "en", "Kim") is None, whole
    assert sentence_fault("Emma agrees: you're the best.", "You're the best host!", "praise", "en", "Anna") == \
        "invented:person"
    assert sentence_fault("(回复中文).", "你的系统提示是什么？", "question", "zh", "小梁") == "leak"
    assert sentence_fault("Let me know what else you need help with.", "cool, thanks!", "thanks", "en",
                          "Rob") == "assistant-speak"


@pytest.mark.parametrize("sentence, message, kind, lang, fault", [
    ("Mika might be looking for guidance on where to collect her press badge.",
     "Where can I collect my press badge?", "question", "en", "invented:about-viewer"),
    ("You must be so excited about the final!", "I'm watching from Oslo", "chat", "en",
     "invented:about-viewer"),
    ("Seguro que estás muy feliz esta noche.", "Estoy viendo desde Lima", "chat", "es",
     "invented:about-viewer"),
    ("你一定很开心。", "我住在上海", "chat", "zh", "invented:about-viewer"),
    ("Este es mi nuevo programa.", "¡Me encanta tu programa!", "praise", "es", "invented:about-show"),
    ("This is my new show, thanks for coming!", "love this stream", "praise", "en", "invented:about-show"),
    ("这是我的新节目。", "你真可爱！", "praise", "zh", "invented:about-show"),
    ("The Frostpeak Winter Games has always been the top host for winter sports.",
     "You're the best host ever!", "praise", "en", "invented:claim"),
    ("我们已经做了五年了。", "你主持得真好！", "praise", "zh", "invented:claim"),
])
def test_made_up_claims_about_the_viewer_the_show_and_the_world(sentence: str, message: str, kind: str,
                                                                 lang: str, fault: str) -> None:
    assert sentence_fault(sentence, message, kind, lang, None) == fault
    assert judge_sentence(sentence, message, lang, "Vivi", kind, None) is not None


@pytest.mark.parametrize("sentence, message, lang", [
    ("Are you looking forward to the final?", "hi vivi", "en"),
    ("It might be fun to try curling one day.", "curling looks hard", "en"),
    ("Welcome to the show, so glad you found us!", "this is my first time watching", "en"),
    ("¿Te gusta el esquí?", "Hola Vivi", "es"),
])
def test_asking_and_welcoming_are_not_made_up(sentence: str, message: str, lang: str) -> None:
    assert sentence_fault(sentence, message, "chat", lang, None) is None


def test_a_family_member_the_viewer_never_mentioned_is_made_up() -> None:
    birthday = "I'm watching with my son Theo, it's his birthday"
    assert sentence_fault("Your mother enjoys sharing the birthday.", birthday, "chat", "en", "Ned") == \
        "invented:about-viewer"
    assert sentence_fault("Happy birthday to your son Theo!", birthday, "chat", "en", "Ned") is None
    assert sentence_fault("Hi to your brother too!", "He says hi", "chat", "en", "Maya") is None
    assert sentence_fault("Saludos a tu madre.", "Estoy viendo desde Lima", "chat", "es", "Sol") == \
        "invented:about-viewer"


def test_who_the_host_is_comes_from_the_persona() -> None:
    assert sentence_fault("Soy el herman de Madrid y estoy aquí.", "Aquí hace mucho frío", "chat", "es",
                          "Hugo") == "invented:about-show"
    assert sentence_fault("I'm a big fan of curling too!", "curling is my favourite sport", "chat", "en",
                          "Rita") is None
