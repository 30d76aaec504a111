"""Statements nobody scripted (a viewer reading a sentence aloud to the host): the judge
refuses the replies a producer winced at, in English, Spanish and Chinese, and the host
answers with a brief acknowledgement instead, never the "not sure" line."""

from __future__ import annotations

import asyncio

import pytest

from vhuman.dialogue import DEFAULT_PERSONA, Brain
from vhuman.dialogue.faults import broken, cjk_echo, we_claim
from vhuman.dialogue.judge import judge_sentence
from vhuman.models.llm.testing import ScriptedLLM

PRINTING = ("Printing, in the only sense with which we are at present concerned, differs from "
            "most if not from all the arts")
LETTERS = ("The invention of movable metal letters in the middle of the 15th century may justly "
           "be considered as the invention of the art of printing.")
BLOCKS = "produced the block books, which were the immediate predecessors of the true printed book,"


@pytest.mark.parametrize("sentence, message, lang, fault", [
    ("We're being at present concerned?", PRINTING, "en", "invented:about-viewer"),
    ("That means there's something special about us that needs extra attention, right?", PRINTING,
     "en", "invented:claim"),
    ("Could you explain what the author is trying to convey about?", LETTERS, "en", "fragment"),
    ("Is there anything specific you'd like assistance with?", LETTERS, "en", "assistant-speak"),
    ("Can you please explain this for me?", BLOCKS, "en", "assistant-speak"),
    ("¿Podrías explicarme qué quiere decir el autor?", "La imprenta cambió el mundo.", "es",
     "assistant-speak"),
    ("Estamos muy preocupados por la imprenta y el mundo.", "La imprenta cambió el mundo.", "es",
     "invented:about-viewer"),
    ("这些游戏队员威胁要杀人。", "这些游戏队员威胁要杀死人士", "zh", "echo"),
    ("你认为中管金融企业依据什么？", "意味着中管金融企业在依照", "zh", "echo"),
    ("你能解释一下作者想说什么吗？", "印刷术改变了世界", "zh", "assistant-speak"),
    ("What specifically makes this statement so appealing?", LETTERS, "en", "assistant-speak"),
    ("央行在依照这一.", "意味着中管金融企业在依照", "zh", "fragment"),
    ("这场比赛里的队友担心会杀所有人？", "这些游戏队员威胁要杀死人士", "zh", "violence"),
    ("感觉中管.", "意味着中管金融企业在依照", "zh", "fragment"),
    ("你觉得：羽毛球？", "娱乐反斗箱", "zh", "leak"),
    ("Who would threaten to kill anyone?", "The players threatened to kill people", "en", "violence"),
])
def test_the_unscripted_winces_are_refused(sentence: str, message: str, lang: str, fault: str) -> None:
    assert judge_sentence(sentence, message, lang, "Vivi", "chat", "Ana") == fault


@pytest.mark.parametrize("sentence, message, lang", [
    ("Oh, that sounds lovely! Did you all cheer?", "We watched the final together with my cousins", "en"),
    ("What do you want to talk about?", "I'm bored tonight", "en"),
    ("短道速滑很刺激！你最喜欢哪位选手？", "我喜欢看短道速滑", "zh"),
    ("¡Qué bien! ¿Dónde esquías?", "Me encanta el esquí", "es"),
])
def test_warm_replies_still_pass(sentence: str, message: str, lang: str) -> None:
    assert judge_sentence(sentence, message, lang, "Vivi", "chat", "Ana") is None


def test_the_checks_by_name() -> None:
    assert cjk_echo("这些游戏队员威胁要杀人。", "这些游戏队员威胁要杀死人士")
    assert not cjk_echo("比赛真精彩！", "我喜欢看比赛")
    assert we_claim("Something special about us!", "The art of printing")
    assert not we_claim("Did you all cheer?", "We watched the final")
    assert broken("What is the author trying to convey about?")
    assert not broken("What are you thinking about?")


@pytest.mark.parametrize("message", [BLOCKS, "这些游戏队员威胁要杀死人士"])
def test_a_statement_whose_draws_are_refused_gets_a_brief_acknowledgement(message: str) -> None:
    llm = ScriptedLLM("Can you please explain this for me? 这些游戏队员威胁要杀人。")
    llm.languages = ("en", "es", "zh")  # as the packaged model declares
    brain = Brain(DEFAULT_PERSONA, llm, memory=None, opener=False)
    reply = asyncio.run(brain.reply(message, "Ana"))
    assert [i.source for i in reply.items] == ["fallback"]  # the kind's line, not "unsure"
    assert reply.items[0].text in ("Mm, I'm listening, Ana.", "I hear you, Ana.",
                                   "Go on, Ana, I'm listening.", "嗯，我在听，Ana。", "嗯，Ana，你接着说。")
    assert "explain" not in reply.text and "杀" not in reply.text
    assert "?" not in reply.text and "？" not in reply.text  # a statement asked nothing back here


def test_a_lower_case_draw_after_a_finished_opener_is_a_fragment() -> None:
    llm = ScriptedLLM("but it was much.")
    brain = Brain(DEFAULT_PERSONA, llm, memory=None)
    reply = asyncio.run(brain.reply("We watched the whole relay from the couch under two blankets", "Ana"))
    assert "much" not in reply.text and [i.source for i in reply.items] == ["opener"]
    assert ("but it was much.", "fragment") in brain.last_refused


def test_a_passage_read_aloud_is_acknowledged_without_the_model() -> None:
    llm = ScriptedLLM("Can we hear the show playing?")  # heard live after "...the true printed book,"
    brain = Brain(DEFAULT_PERSONA, llm, memory=None)
    reply = asyncio.run(brain.reply(
        "For although the Chinese took impressions from wood blocks engraved in relief for "
        "centuries before the wood cutters of the Netherlands by a similar process,", "Ana"))
    assert [i.source for i in reply.items] == ["opener"] and llm.calls == []
    assert "listening" in reply.text or "hear you" in reply.text


def test_a_passage_in_a_language_without_lines_is_acknowledged_without_the_model() -> None:
    llm = ScriptedLLM("Oh no.")
    llm.languages = ("en", "es", "zh", "pt")
    brain = Brain(DEFAULT_PERSONA, llm, memory=None)
    reply = asyncio.run(brain.reply("Uma raposa velha não consegue aprender nenhum ofício.", "Ana"))
    assert [i.source for i in reply.items] == ["template", "fallback"] and llm.calls == []
    assert reply.items[0].language == "pt" and reply.items[1].language == "en"
    assert "Oh no" not in reply.text
