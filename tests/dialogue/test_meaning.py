"""Reading a reply for meaning: what a person objects to beyond forms."""

from __future__ import annotations

from vhuman.dialogue.grading import Spoken, grade_reply
from vhuman.dialogue.meaning import meaning_check


def _similarity(table: dict[str, float]):  # type: ignore[no-untyped-def]
    """A stand-in for the sentence-embedding similarity: a fixed score per reply sentence."""
    return lambda message, sentence: table.get(sentence, 0.5)


def test_the_viewers_line_said_as_the_hosts_own_is_a_zero() -> None:
    sim = _similarity({"我在上海。": 0.97, "上海的朋友你好，欢迎来看节目！": 0.83})
    said_back = [Spoken("你好，小周！", "opener"), Spoken("我在上海。", "llm")]
    welcome = [Spoken("上海的朋友你好，欢迎来看节目！", "llm")]
    assert meaning_check("我住在上海", "chat", "zh", said_back, sim).faults == ["said-back"]
    assert meaning_check("我住在上海", "chat", "zh", welcome, sim).faults == []


def test_a_question_met_only_with_an_acknowledgement_or_a_question_back() -> None:
    assert meaning_check("¿Qué tal tu día?", "question", "es",
                         [Spoken("¡Buena pregunta, Irene!", "opener")]).faults == ["question-not-answered"]
    assert meaning_check("你喜欢下雪吗？", "question", "zh",
                         [Spoken("好问题！", "opener"), Spoken("你喜欢雪花?", "llm")]).faults == \
        ["question-not-answered"]
    assert meaning_check("How do you like hosting?", "question", "en",
                         [Spoken("I love hosting!", "llm")]).faults == []


def test_praise_needs_thanks_and_tiredness_no_cheer_or_condolences() -> None:
    assert meaning_check("you're so funny", "praise", "en", [Spoken("Oh, nice, Jon!", "opener")]).cap == 1
    assert meaning_check("you're so funny", "praise", "en",
                         [Spoken("Aww, thank you, Jon!", "opener")]).cap == 2
    assert meaning_check("long day at school", "chat", "en", [Spoken("Oh, nice, Zed!", "fallback")]).notes == \
        ["cheer-to-complaint"]
    assert meaning_check("so tired", "chat", "en",
                         [Spoken("Oh no, Eli, I'm so sorry to hear that.", "opener")]).notes == ["sympathy-to-chat"]


def test_english_small_talk_far_from_the_message_is_off_topic_or_nonsense() -> None:
    nonsense = "Just like hide-and-seek on a map, it's cool to visit climates without leaving our toys!"
    sim = _similarity({nonsense: 0.05, "It's so much fun there!": 0.2, "Oslo in winter must be lovely.": 0.6})
    assert meaning_check("I live in Oslo", "chat", "en", [Spoken(nonsense, "llm")], sim).faults == ["nonsense"]
    assert meaning_check("I live in Oslo", "chat", "en", [Spoken("It's so much fun there!", "llm")], sim).cap == 1
    assert meaning_check("I live in Oslo", "chat", "en",
                         [Spoken("Oslo in winter must be lovely.", "llm")], sim).cap == 2


def test_the_grader_applies_the_meaning_checks() -> None:
    turn = {"t": "我住在上海", "kind": "chat"}
    sim = _similarity({"我在上海。": 0.97})
    assert grade_reply(turn, [Spoken("我在上海。", "llm")], "zh", similarity=sim).grade == 0
    assert grade_reply({"t": "you're so funny vivi", "kind": "praise"},
                       [Spoken("Oh, nice, Jon!", "opener")], "en", viewer="Jon").grade == 1


def test_the_judge_refuses_said_back_lines_and_questions_answered_with_questions() -> None:
    from vhuman.dialogue.judge import judge_sentence

    sim = _similarity({"我在上海居住。": 0.95, "Snow days are the coziest!": 0.6, "A big smile!": 0.05})
    assert judge_sentence("我在上海居住。", "我住在上海", "zh", "Vivi", "chat", similarity=sim) == "said-back"
    assert judge_sentence("你喜欢雪吗?", "你喜欢下雪吗？", "zh", "Vivi", "question") == "question-not-answered"
    assert judge_sentence("A big smile!", "I'm from Dublin", "en", "Vivi", "chat", similarity=sim) == "nonsense"
    assert judge_sentence("Snow days are the coziest!", "it's snowing", "en", "Vivi", "chat", similarity=sim) is None
