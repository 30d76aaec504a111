"""Heard turns in the show: brain for guests, Q&A for reporters, moderation, barge-in, log."""

from __future__ import annotations

import asyncio

import numpy as np

from vhuman.avatar.compat import shared_data_dir
from vhuman.dialogue.moderation import ModerationResult
from vhuman.stage.chat.responder import ChatResponder
from vhuman.stage.listen import ListenEvent
from vhuman.stage.listen.config import ListenConfig
from vhuman.stage.listen.desk import VoiceDesk
from vhuman.stage.listen.files import read_audio
from vhuman.stage.listen.listener import HeardTurn
from vhuman.stage.listen.session import ListenSession
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer, FakeQA

SPEECH = shared_data_dir() / "speech"


class RefuseWord:
    """A moderator that refuses any message containing ``word``."""

    def __init__(self, word: str) -> None:
        self.word = word

    def check_input(self, text: str, viewer: str) -> ModerationResult:
        if self.word in text.lower():
            return ModerationResult(False, f"blocklist:{self.word}", "")
        return ModerationResult(True, None, text)


def turn(text: str, role: str = "guest", status: str = "ok", speaker: str = "Ana") -> HeardTurn:
    return HeardTurn(speaker, role, 1.0, 2.5, text=text, language="en", confidence=0.8,
                     status=status, speech_end_wall=0.0, final_wall=0.0)


def test_guest_reporter_refused_and_unsupported_turns(tmp_path):
    async def scenario():
        performer = FakePerformer(0.001)
        await performer.start()
        brain = FakeBrain(sentences=1)
        store = SQLiteStore(tmp_path / "log.db")
        desk = VoiceDesk(performer, responder=ChatResponder(brain, performer),
                         qa=FakeQA({"final": "The final is on Sunday."}),
                         moderator=RefuseWord("idiot"), store=store, show_id="main")
        for t in (turn("Tell me about skiing"), turn("When is the final?", role="reporter",
                                                      speaker="Press"),
                  turn("you idiot"), turn("", status="unsupported_language"),
                  turn("", status="unsupported_language"), turn("stop", role="host")):
            await desk.handle(ListenEvent("final", t))
        await desk.drain()
        await performer.idle()
        return brain, performer, store.show_events("main")

    brain, performer, events = asyncio.run(scenario())
    heard = [e.data for e in events if e.event == "heard"]
    assert len(heard) == 6
    assert brain.asked == [("Tell me about skiing", "Ana")]  # only the allowed guest turn
    guest, reporter, refused, notice, silent, host = heard
    assert guest["answered_by"] == "brain" and guest["answer"].startswith("Ana, thanks for asking")
    assert guest["speaker"] == "Ana" and guest["role"] == "guest" and guest["language"] == "en"
    assert guest["start"] == 1.0 and guest["end"] == 2.5 and guest["confidence"] == 0.8
    assert reporter["answered_by"] == "qa" and reporter["answer"] == "The final is on Sunday."
    assert reporter["sources"][0]["doc"] == "facts.md"
    assert refused["moderation"] == "blocklist:idiot" and refused["answer"] is None
    assert notice["answered_by"] == "notice" and silent["answer"] is None  # told once
    assert host["answer"] is None
    assert "The final is on Sunday." in performer.spoken()


def test_a_spoken_question_reaches_the_brain_and_a_person_barges_in(tmp_path):
    """Real speech through the real listener: the brain gets the words; a second speaker
    talking while the host answers interrupts it."""
    async def scenario():
        performer = FakePerformer(0.4)  # slow speech: still talking when the person speaks
        await performer.start()
        brain = FakeBrain(sentences=3)
        desk = VoiceDesk(performer, responder=ChatResponder(brain, performer))
        session = ListenSession(ListenConfig(), desk, speaker="Ana", performer=performer,
                                echo=False)
        await session.start()
        audio = read_audio(SPEECH / "en_ljspeech_LJ001-0004.wav")
        gap = np.zeros(16000 * 2, np.float32)
        for piece in (audio, gap):
            for i in range(0, piece.size, 320):
                session.push(piece[i:i + 320])
        while not performer.status()["speaking"]:
            await asyncio.sleep(0.05)
        again = read_audio(SPEECH / "en_ljspeech_LJ001-0005.wav")[: 16000 * 2]
        for i in range(0, again.size, 320):
            session.push(again[i:i + 320])
        await session.close()
        await desk.drain()
        return brain, performer, desk, session

    brain, performer, desk, session = asyncio.run(scenario())
    assert brain.asked and "block books" in brain.asked[0][0].lower()
    assert brain.asked[0][1] == "Ana"
    assert desk.barge_ins >= 1 and performer.interrupts >= 1
    assert session.status()["turns"] == 2 and session.status()["state"] == "closed"
    first = desk.records[0]
    assert first["final_s"] is not None and first["first_audio_s"] is not None


def test_only_moderated_turns_reach_the_captions(tmp_path):
    """What people say is captioned (and heard by interviews) only after moderation: a
    refused turn never goes on air, not even as text."""
    captioned: list[tuple[str, str, str]] = []

    async def scenario():
        performer = FakePerformer(0.001)
        await performer.start()
        desk = VoiceDesk(performer, responder=ChatResponder(FakeBrain(sentences=1), performer),
                         moderator=RefuseWord("idiot"), show_id="main",
                         on_heard=lambda t, text: captioned.append((t.speaker, t.role, text)))
        for t in (turn("Tell me about skiing"), turn("you idiot"),
                  turn("", status="unsupported_language"), turn("stop", role="host")):
            await desk.handle(ListenEvent("final", t))
        await desk.drain()
        await performer.idle()

    asyncio.run(scenario())
    assert captioned == [("Ana", "guest", "Tell me about skiing")]


def test_a_heard_turn_is_captioned_on_the_live_program_in_program_time() -> None:
    """The turn ends on the program clock when its end of speech arrived, lasts as long as
    it was spoken, and a running show's interview hears it too."""
    from vhuman.stage.live import LiveConfig, LivePerformer
    from vhuman.stage.server.routes.listen import heard_on_air

    performer = LivePerformer(LiveConfig(fps=30, width=32, height=32, realtime=False))
    captioned, interview = [], []
    performer.caption = captioned.append  # type: ignore[method-assign]
    performer.program_time = lambda monotonic=None: 10.0  # type: ignore[method-assign]

    class Runner:
        heard = interview.append

    class Session:
        def __init__(self) -> None:
            self.performer = performer
            self.runner = Runner()

    heard_on_air(Session(), turn("Hello from the studio"), "Hello from the studio")  # type: ignore[arg-type]
    said = captioned[0]
    assert (said.speaker, said.role, said.text) == ("Ana", "guest", "Hello from the studio")
    assert (said.start, said.end) == (8.5, 10.0)  # spoken 1.0..2.5 s on the mic's clock
    assert interview == [said]


def test_partials_reach_their_consumer_and_the_log_counts_them(tmp_path):
    async def scenario():
        performer = FakePerformer(0.001)
        await performer.start()
        seen: list[str] = []
        desk = VoiceDesk(performer, responder=ChatResponder(FakeBrain(sentences=1), performer),
                         on_partial=lambda t, text: seen.append(text),
                         on_heard=lambda t, text: None)  # the final caption replaces them
        t = turn("When is the final?")
        for text, stable in (("When is", ""), ("When is the", "When is")):
            await desk.handle(ListenEvent("partial", t, text=text, stable=stable))
        await desk.handle(ListenEvent("final", t))
        await desk.drain()
        return seen, desk.records

    seen, records = asyncio.run(scenario())
    assert seen == ["When is", "When is the"]
    assert records[0]["partials"] == 2 and records[0]["stable_before_end"] == "When is"


def test_many_partials_of_one_turn_are_not_a_flood_and_its_final_is_still_heard():
    """Partials come every half second while a person speaks: the chat flood and repeat
    limits (6 messages / 10 s, 3 repeats) must neither hide them nor refuse the final."""
    from vhuman.dialogue.moderation.moderator import default_moderator

    async def scenario():
        performer = FakePerformer(0.001)
        await performer.start()
        shown: list[str] = []
        heard: list[str] = []
        desk = VoiceDesk(performer, moderator=default_moderator(),
                         on_partial=lambda t, text: shown.append(text),
                         on_heard=lambda t, text: heard.append(text))
        t = turn("It was the first great sorrow of his life.")
        words = t.text.split()
        for i in range(1, 21):  # 20 revisions, several the same
            text = " ".join(words[:min(i, len(words))])
            await desk.handle(ListenEvent("partial", t, text=text))
        await desk.handle(ListenEvent("partial", t, text="you idiot"))  # rules still apply
        await desk.handle(ListenEvent("final", t))
        await desk.drain()
        return shown, heard

    shown, heard = asyncio.run(scenario())
    assert len(shown) == 20 and "you idiot" not in shown and "" not in shown
    assert heard == ["It was the first great sorrow of his life."]
