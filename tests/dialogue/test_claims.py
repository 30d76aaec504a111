"""The claim check: the model reacts, feels about the viewer's words or asks; it never
states what nobody gave the host."""

from __future__ import annotations

import asyncio

import pytest

from vhuman.dialogue.brain import Brain
from vhuman.dialogue.claims import new_words, unsupported_claim
from vhuman.dialogue.persona import DEFAULT_PERSONA
from vhuman.models.llm.testing import ScriptedLLM

KNOWN = ["Vivi hosts the Lumenvale winter games show: winter sports such as skiing, curling, "
         "ice hockey and skating."]


@pytest.mark.parametrize(("sentence", "message", "lang", "why"), [
    # first-person biography, "we" claims about the show, what the viewer did, made-up world
    ("I'm feeling very sad about having lived in Oslo for so long!", "I'm from Oslo", "en", "claim:about-host"),
    ("Don't forget my home island.", "hi Vivi", "en", "claim:about-host"),
    ("I've lived by the sea all my life.", "do you like the sea", "en", "claim:about-host"),
    ("We've got more seats now.", "is the arena full?", "en", "claim:about-show"),
    ("Our stadium is the biggest one.", "is the arena full?", "en", "claim:about-show"),
    ("You've been so lucky at hosting.", "I won a raffle", "en", "claim:about-viewer"),
    ("Hockey is played in an arena full of ice cream!", "Where is ice hockey played?", "en",
     "claim:unsupported"),
    ("Viví en Madrid muchos años.", "Soy de Madrid", "es", "claim:about-host"),
    ("Tenemos más asientos este año.", "¿Hay sitio?", "es", "claim:about-show"),
    ("我住在北京很多年了。", "我在上海", "zh", "claim:about-host"),
    ("我们有新的座位。", "还有座位吗", "zh", "claim:about-show"),
    ("你一直很幸运。", "我中奖了", "zh", "claim:about-viewer"),
    ("上海被称为东方明珠，指的是城市的中心。", "我在上海看直播", "zh", "claim:unsupported"),
    ("这句诗表达了他对奶奶的思念。", "我的奶奶昨天去世了", "zh", "claim:unsupported"),
])
def test_statements_nobody_gave_the_host_are_refused(sentence: str, message: str, lang: str,
                                                      why: str) -> None:
    assert unsupported_claim(sentence, message, lang, KNOWN) == why


@pytest.mark.parametrize(("sentence", "message", "lang"), [
    ("That sounds lovely!", "I'm making pancakes", "en"),  # a reaction
    ("What's your favourite event?", "I love the games", "en"),  # a question back
    ("Pancakes and winter sports, what a cozy evening!", "I'm making pancakes while I watch", "en"),
    ("I hope your dog feels better very soon.", "my dog is sick", "en"),  # a feeling on their words
    ("You're not alone tonight, we're all here with you.", "I feel lonely", "en"),
    ("Curling is so much fun to watch!", "do you like curling?", "en"),  # built from known words
    ("My pleasure, I loved singing it for you!", "that was lovely, thank you", "en"),
    ("¡Qué bonito, me encanta!", "Hoy nieva en Madrid", "es"),
    ("Estoy muy bien, gracias por preguntar.", "¿Cómo estás hoy?", "es"),
    ("和你聊天我也特别开心！", "你真棒！", "zh"),
    ("滑冰真的很优雅，我也很喜欢看！", "我最喜欢的运动是滑冰", "zh"),  # the viewer's own word
    ("愿你的奶奶安息，抱抱你。", "我的奶奶昨天去世了", "zh"),
    ("上海的朋友你好，欢迎一起看比赛！", "我在上海看直播", "zh"),
])
def test_reactions_feelings_and_questions_pass(sentence: str, message: str, lang: str) -> None:
    assert unsupported_claim(sentence, message, lang, KNOWN) is None


def test_new_words_compare_by_stem_and_skip_reactions() -> None:
    assert new_words("Skating in Oslo looks lovely", ["I love skating"]) == ["oslo"]
    assert new_words("The skater played", ["I love skating and playing"]) == []
    assert new_words("That looks wonderful!", []) == []


def test_the_brain_never_speaks_an_unsupported_statement() -> None:
    llm = ScriptedLLM("Oh I love that! We've got more seats in the new arena now.")
    brain = Brain(DEFAULT_PERSONA, llm, memory=None, opener=False)

    async def reply() -> list[tuple[str, str]]:
        return [(s.text, s.source) async for s in brain.reply_stream("The arena looks full tonight", "Sam")]

    said = asyncio.run(reply())
    assert ("Oh I love that!", "llm") in said
    assert not any("seats" in text for text, _ in said)
