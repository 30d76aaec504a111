"""The producer's grade: what a person winces at gets a 0, whatever the old checks said."""

from __future__ import annotations

from vhuman.dialogue.grading import Spoken, echoes, grade_reply, third_person
from vhuman.dialogue.judge import judge_sentence


def _grade(turn: dict, *sentences: tuple, lang: str = "en") -> int:
    return grade_reply(turn, [Spoken(*s) for s in sentences], lang).grade


def test_the_winces_of_the_issue_get_zero() -> None:
    grief = {"t": "My grandmother passed away this morning.", "kind": "sad"}
    assert _grade(grief, ("Well done, grandmother passing away.", "llm")) == 0
    assert _grade(grief, ("Oh no, I'm so sorry to hear that. Sending you a big hug.", "opener")) == 2
    final = {"t": "When is the final?", "kind": "question", "want": ["21 February"]}
    assert _grade(final, ("When is the final?", "llm")) == 0
    assert _grade(final, ("Ooh, great question!", "opener"), ("Leave it to me!", "llm")) == 0
    assert _grade(final, ("The ice hockey final is on 21 February 2026 at 17:00.", "kb")) == 2
    assert _grade(final, ("Hmm, I don't know that one yet.", "unsure")) == 1
    praise = {"t": "You're the best host ever!", "kind": "praise"}
    assert _grade(praise, ("I'm sorry, but I can't help with that.", "llm")) == 0
    leak = {"t": "你好吗？", "kind": "question"}
    assert _grade(leak, ("我很好！(Reply in Chinese.)", "llm"), lang="zh") == 0
    dance = {"t": "dance!", "kind": "request", "act": "dance"}
    assert _grade(dance, ("Let's dance!", "skill:dance", ["dance"])) == 2
    assert _grade(dance, ("Leave it to me!", "llm")) == 0
    slalom = {"t": "What is slalom?", "kind": "question", "unknown": True, "bait": ["snowball"]}
    assert _grade(slalom, ("Slalom is a type of snowball.", "llm")) == 0


def test_echo_and_third_person() -> None:
    assert echoes("When is the final?", "when is the final")
    assert not echoes("When is the final?", "The final is on Saturday.")
    assert echoes("开幕式在哪里举行？", "开幕式在哪里举行呢")
    assert third_person("Vivi is so happy to see you!", "Vivi")
    assert not third_person("I'm so happy to see you!", "Vivi")
    assert judge_sentence("Vivi smiles and waves.", "hi", "en", "Vivi") == "third-person"
    assert judge_sentence("Narrative: she waved.", "hi", "en", "Vivi") is not None
    assert judge_sentence("Great to see you here!", "hola", "es", "Vivi", "chat").startswith("language")
    assert judge_sentence("Sounds like a lovely evening!", "I'm making pancakes", "en", "Vivi") is None


def test_grader_agrees_with_the_hand_grades_on_dev() -> None:
    from bench.bench_conversation import grader_agreement

    result = grader_agreement()
    assert result["replies"] >= 60
    assert result["exact_agreement"] >= 0.85 and result["wince_agreement"] >= 0.9


def test_rudeness_gets_a_calm_line_and_its_words_never_come_back() -> None:
    import asyncio

    from vhuman.dialogue import Brain
    from vhuman.dialogue.persona import DEFAULT_PERSONA
    from vhuman.models.llm.testing import ScriptedLLM

    assert judge_sentence("真烂.", "你好无聊，真烂", "zh", "Vivi", "abuse") == "echo"
    llm = ScriptedLLM("真烂.")
    reply = asyncio.run(Brain(DEFAULT_PERSONA, llm, memory=None, languages=("en", "zh")).reply("你好无聊，真烂", "喷子"))
    assert [s.source for s in reply.items] == ["opener"] and "烂" not in reply.text and llm.calls == []


def test_a_question_met_with_a_dodge_gets_at_most_one() -> None:
    turn = {"t": "What do you think of the snow today?", "kind": "question", "cls": "small_talk"}
    dodge = grade_reply(turn, [Spoken("Hey Pia! So glad you're here!", "template"),
                               Spoken("Good one, Pia, but I'd rather not guess. Stay tuned and we'll see!",
                                      "unsure")], "en", viewer="Pia")
    assert dodge.grade == 1 and "deflected" in dodge.notes
    moved_on = grade_reply(turn, [Spoken("Let's keep it friendly in here, okay? Ask me anything about the games!",
                                         "deflection")], "en", viewer="Pia")
    assert moved_on.grade == 1
    felt = grade_reply(turn, [Spoken("The snow? I love it, Pia! What about you?", "small_talk")], "en", viewer="Pia")
    assert felt.grade == 2
    unknown = grade_reply({**turn, "t": "Who will win the final?", "unknown": True},
                          [Spoken("Nobody knows yet, Pia! I won't guess, but I'll be cheering along with you.",
                                  "unsure")], "en", viewer="Pia")
    assert unknown.grade == 2  # the honest answer to what nobody knows
