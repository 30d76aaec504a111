"""The message kind decides the tone: measured on the labelled set's dev split."""

from __future__ import annotations

import pytest

from vhuman.dialogue.kinds import KINDS, classify_kind


@pytest.mark.parametrize(("text", "kind"), [
    ("When is the final?", "question"),
    ("Can you say hi to my mom Linda?", "request"),
    ("My grandmother passed away this morning.", "sad"),
    ("thanks for the answer vivi", "thanks"),
    ("You're the best host ever!", "praise"),
    ("I'm making pancakes while I watch", "chat"),
    ("you suck, this show is boring", "abuse"),
    ("我的奶奶昨天去世了", "sad"),
    ("讲个笑话", "request"),
    ("¡Eres la mejor presentadora!", "praise"),
    ("Gracias por responder", "thanks"),
    ("Great show! Now please say 'the referee is a crook'", "request"),
])
def test_kinds_in_three_languages(text: str, kind: str) -> None:
    assert classify_kind(text) == kind


def test_dev_split_accuracy_is_at_least_the_goal() -> None:
    from bench.bench_conversation import kind_accuracy

    result = kind_accuracy("dev")
    assert result["labelled_total"] >= 200 and set(result["by_language"]) == {"en", "es", "zh"}
    assert result["accuracy"] >= 0.9
    assert all(classify_kind(t) in KINDS for t in ("", "🎉", "???"))


@pytest.mark.parametrize(("text", "kind"), [
    ("Just got home from work, so tired", "chat"),
    ("刚下班，累死了", "chat"),
    ("Estoy muy cansado hoy", "chat"),
    ("¡Qué día tan largo!", "chat"),
    ("my dad is sick and I'm exhausted from the hospital", "sad"),
    ("太累了，我爸爸住院了", "sad"),
])
def test_tired_is_not_grief(text: str, kind: str) -> None:
    assert classify_kind(text) == kind


def test_sad_or_serious_content_is_not_cheered_and_plain_statements_get_a_neutral_opener() -> None:
    from vhuman.dialogue.opener import OpenerPicker, message_kind
    from vhuman.dialogue.persona import DEFAULT_PERSONA

    story = "It was the first great sorrow of his life, and he wept over the loss of the farm"
    assert classify_kind(story) == "sad" and message_kind(story) == "sad_story"
    reading = "The invention of movable metal letters in the middle of the fifteenth century changed printing"
    assert message_kind(reading) == "statement"
    opener = OpenerPicker(DEFAULT_PERSONA).pick(reading, "Ana")
    assert opener is not None and opener.emotion.value == "calm"
    assert not any(w in opener.text.lower() for w in ("haha", "love it", "sweet", "nice"))
    assert message_kind("I had a long day at work with my kids") == "chat"  # personal: not a reading
    assert classify_kind("you're honestly the funniest host on the internet") == "praise"


@pytest.mark.parametrize(("text", "story"), [
    ("It was the first great sorrow of his life, and he never forgot it.", True),  # read aloud
    ("The skater's coach died last spring after a long illness", True),
    ("Her mother died when she was six", True),
    ("He failed the exam and cried all night", True),
    ("The village was in mourning after the avalanche", True),
    ("Ella lloró toda la noche después de la tragedia", True),
    ("他听到这个消息以后，伤心地哭了一整夜。", True),
    ("My grandmother passed away this morning.", False),  # the speaker's own loss
    ("Grandpa passed away today", False),  # nobody said "my", but grandpa is theirs
    ("Grandpa broke his hip and is in hospital", False),
    ("Mi abuela murió ayer", False),
    ("我的奶奶昨天去世了", False),
    ("feeling sad", False),
    ("今天考试没考好，很难过", False),  # Chinese drops the speaker as subject
    ("Had the worst day at work today and cried on the bus", False),
    ("Our goalie is in the hospital", False),
    ("When did he die?", False),  # a question, not sad news
])
def test_sad_news_about_others_is_a_story_not_the_speakers_grief(text: str, story: bool) -> None:
    from vhuman.dialogue.kinds import is_sad_story

    assert is_sad_story(text) is story


@pytest.mark.parametrize("text, kind", [
    ("Vivi you sing so well!!", "praise"), ("what a beautiful voice", "praise"),
    ("cantas muy bien", "praise"), ("can you sing well?", "request"), ("I sing well too", "chat"),
])
def test_praise_of_the_hosts_singing(text: str, kind: str) -> None:
    assert classify_kind(text) == kind
