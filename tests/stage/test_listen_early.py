"""Answers prepared on the words at a pause: committed when the final agrees, else dropped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from vhuman.dialogue.moderation import ModerationResult
from vhuman.dialogue.reply import ReplySentence
from vhuman.models.types import Emotion
from vhuman.stage.chat.responder import ChatResponder
from vhuman.stage.listen import ListenEvent
from vhuman.stage.listen.desk import VoiceDesk
from vhuman.stage.listen.early import ready_to_answer, same_words, words
from vhuman.stage.listen.listener import HeardTurn
from vhuman.stage.performer import SpeechHandle
from vhuman.stage.testing_performer import FakePerformer, FakeQA


class RememberingBrain:
    """Answers in two sentences and, like the dialogue brain, remembers the exchange only
    once the reply has ended; records what it was asked and what it remembered."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.remembered: list[str] = []

    async def reply_stream(self, message: str, viewer: str | None = None,
                           opener: bool | None = None,
                           context: object = None) -> AsyncIterator[ReplySentence]:
        self.asked.append(message)
        yield ReplySentence(f"About {message.rstrip('?.')}.", Emotion.HAPPY, 0.5, [], "kb", 0)
        yield ReplySentence("That is all.", Emotion.CALM, 0.3, [], "llm", 1)
        self.remembered.append(message)


class Counting:
    """Allows everything except ``word``; counts its calls."""

    def __init__(self, word: str = "idiot") -> None:
        self.word, self.calls = word, 0

    def check_input(self, text: str, viewer: str) -> ModerationResult:
        self.calls += 1
        if self.word in text.lower():
            return ModerationResult(False, f"blocklist:{self.word}", "")
        return ModerationResult(True, None, text)


class PreparingPerformer(FakePerformer):
    """Records the lines whose voice it was asked to synthesize ahead."""

    def __init__(self) -> None:
        super().__init__(0.001)
        self.prepared: list[tuple[str, int]] = []

    def prepare(self, text: str, *, emotion=None, intensity=None,
                priority: int = 0) -> SpeechHandle:
        self.prepared.append((text, priority))
        handle = SpeechHandle(text=text, kind="prepare", priority=priority)
        handle.mark_done(True)  # the voice is ready at once
        return handle


def heard(text: str, role: str = "guest") -> HeardTurn:
    return HeardTurn("Ana", role, 1.0, 2.5, text=text, language="en", confidence=0.8,
                     status="ok", speech_end_wall=0.0, final_wall=0.0)


def test_words_ignore_case_punctuation_and_filler():
    assert words("Um, when is the FINAL?") == ["when", "is", "the", "final"]
    assert words("决赛是哪天？") == ["决", "赛", "是", "哪", "天"]
    assert same_words("When is the final?", "when is the final, uh")
    assert not same_words("When is the final?", "When is the final match?")
    assert not same_words("", "")


def test_only_complete_sentences_are_answered_early():
    assert ready_to_answer("When is the final?", "en")
    assert not ready_to_answer("When is the", "en")  # trails off
    assert not ready_to_answer("Hello there", "en", closed=True)  # no sentence mark yet
    assert ready_to_answer("Hello there everyone.", "en", closed=True)
    assert not ready_to_answer("Yes.", "en")  # too short to be worth it
    assert ready_to_answer("决赛是哪天？", "zh")


def run_desk(events: list[ListenEvent], brain: RememberingBrain | None = None,
             **kwargs) -> tuple[VoiceDesk, FakePerformer]:
    async def scenario() -> tuple[VoiceDesk, FakePerformer]:
        performer = PreparingPerformer()
        await performer.start()
        responder = ChatResponder(brain, performer) if brain is not None else None
        desk = VoiceDesk(performer, responder=responder, **kwargs)
        for event in events:
            await desk.handle(event)
            await asyncio.sleep(0.01)  # the prepared answer runs meanwhile
        await desk.drain()
        await performer.idle()
        return desk, performer

    return asyncio.run(scenario())


def test_an_answer_prepared_at_the_pause_is_committed_when_the_final_agrees():
    brain = RememberingBrain()
    moderator = Counting()
    turn = heard("When is the final?")
    desk, performer = run_desk(
        [ListenEvent("pause", turn, text="When is the final?", language="en"),
         ListenEvent("final", turn)],
        moderator=moderator)
    assert desk.records[0]["early"] is None  # no brain: nothing to prepare
    turn = heard("When is the final, um?")
    desk, performer = run_desk(
        [ListenEvent("pause", turn, text="When is the final?", language="en"),
         ListenEvent("final", turn)],
        brain, moderator=moderator)
    record = desk.records[0]
    assert brain.asked == ["When is the final?"]  # asked once, before the end of the turn
    assert moderator.calls == 2  # the first desk's final and the prepared words: not again
    assert record["early"] == "committed" and record["answered_by"] == "brain"
    assert record["answer"] == "Ana, about When is the final. That is all."
    assert record["first_sentence_s"] is not None and record["early_ready_s"] is not None
    assert brain.remembered == ["When is the final?"]
    assert performer.spoken() == ["Ana, about When is the final.", "That is all."]
    assert performer.prepared == [("Ana, about When is the final.", 10)]  # its voice ahead


def test_a_prepared_answer_is_dropped_unsaid_when_the_person_goes_on():
    async def scenario():
        performer = FakePerformer(0.001)
        await performer.start()
        brain = RememberingBrain()
        desk = VoiceDesk(performer, responder=ChatResponder(brain, performer))
        turn = heard("When is the final match of the season?")
        await desk.handle(ListenEvent("pause", turn, text="When is the final?", language="en"))
        await asyncio.sleep(0.05)
        assert performer.spoken() == []  # prepared, not said
        await desk.handle(ListenEvent("final", turn))
        await desk.drain()
        await performer.idle()
        return brain, desk, performer

    brain, desk, performer = asyncio.run(scenario())
    assert brain.asked == ["When is the final?", "When is the final match of the season?"]
    assert brain.remembered == ["When is the final match of the season?"]  # never the dropped one
    assert desk.records[0]["early"] == "dropped"
    assert all("season" in s or s == "That is all." for s in performer.spoken())


def test_a_preview_is_kept_when_the_pause_agrees_and_replaced_when_it_does_not():
    brain = RememberingBrain()
    turn = heard("When is the final?")
    desk, performer = run_desk(  # a partial's words, then the pause's own: the same
        [ListenEvent("pause", turn, text="When is the final?", language="en", preview=True),
         ListenEvent("pause", turn, text="When is the final?", language="en"),
         ListenEvent("final", turn)], brain)
    assert brain.asked == ["When is the final?"]  # prepared once, on the preview
    assert desk.records[0]["early"] == "committed"
    brain = RememberingBrain()
    turn = heard("When is the hockey final?")
    desk, performer = run_desk(  # the preview missed a word the pause heard
        [ListenEvent("pause", turn, text="When is the final?", language="en", preview=True),
         ListenEvent("pause", turn, text="When is the hockey final?", language="en"),
         ListenEvent("final", turn)], brain)
    assert brain.asked == ["When is the final?", "When is the hockey final?"]
    assert brain.remembered == ["When is the hockey final?"]  # the preview's answer unsaid
    assert desk.records[0]["early"] == "committed"
    assert performer.spoken()[0] == "Ana, about When is the hockey final."


def test_a_stable_partial_closing_a_sentence_prepares_a_reporters_answer():
    qa = FakeQA({"final": "The final is on Sunday."})
    turn = heard("When is the final?", role="reporter")
    desk, performer = run_desk(
        [ListenEvent("partial", turn, text="When is the final? And", stable="When is the"),
         ListenEvent("partial", turn, text="When is the final? And the",
                     stable="When is the final? And"),  # trails off: not yet
         ListenEvent("partial", turn, text="When is the final?", stable="When is the final?"),
         ListenEvent("final", turn)],
        qa=qa, moderator=Counting())
    record = desk.records[0]
    assert record["early"] == "committed" and record["answered_by"] == "qa"
    assert record["answer"] == "The final is on Sunday."
    assert "The final is on Sunday." in performer.spoken()
    assert performer.prepared == [("The final is on Sunday.", 20)]


def test_refused_words_are_never_prepared_and_the_host_operator_is_not_answered():
    brain = RememberingBrain()
    turn = heard("You are an idiot, right?")
    host = heard("Cut to the next segment now.", role="host")
    desk, performer = run_desk(
        [ListenEvent("pause", turn, text="You are an idiot, right?", language="en"),
         ListenEvent("final", turn),
         ListenEvent("pause", host, text="Cut to the next segment now.", language="en"),
         ListenEvent("final", host)],
        brain, moderator=Counting())
    assert brain.asked == []
    assert desk.records[0]["moderation"] == "blocklist:idiot"
    assert [r["early"] for r in desk.records] == [None, None]


def test_the_brain_writes_on_once_the_first_sentences_voice_is_ready():
    """The language model would take the cores from the opener's voice: the rest of the
    reply is asked for only when the first sentence's voice is synthesized."""
    order: list[str] = []

    class Brain(RememberingBrain):
        async def reply_stream(self, message, viewer=None, opener=None, context=None):
            yield ReplySentence("Good question!", Emotion.HAPPY, 0.5, [], "opener", 0)
            order.append("model writes on")
            yield ReplySentence("It is on Sunday.", Emotion.CALM, 0.3, [], "llm", 1)

    class SlowVoice(PreparingPerformer):
        def prepare(self, text, *, emotion=None, intensity=None, priority=0):
            handle = SpeechHandle(text=text, kind="prepare", priority=priority)
            loop = asyncio.get_running_loop()
            loop.call_later(0.2, lambda: (order.append("voice ready"), handle.mark_done(True)))
            return handle

    async def scenario():
        performer = SlowVoice()
        await performer.start()
        desk = VoiceDesk(performer, responder=ChatResponder(Brain(), performer))
        await desk.handle(ListenEvent("final", heard("When is the final?")))
        await desk.drain()
        await performer.idle()
        return desk, performer

    desk, performer = asyncio.run(scenario())
    assert order == ["voice ready", "model writes on"]
    assert performer.spoken() == ["Ana, good question!", "It is on Sunday."]
    assert desk.records[0]["early"] is None and desk.records[0]["first_sentence_s"] is not None
