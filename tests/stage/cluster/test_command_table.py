"""The typed remote command table: every command survives its trip as JSON, garbage and
unknown operations are refused, and a decoded command calls the performer's typed method."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import ValidationError

from vhuman.models.types import Emotion
from vhuman.stage.cluster import command_table as table
from vhuman.stage.cluster.command_table import decode, encode, perform
from vhuman.stage.testing_performer import FakePerformer

COMMANDS = [
    table.Say(text="Hello there", emotion=Emotion.HAPPY, intensity=0.8, priority=5,
              gestures=("wave", "nod")),
    table.Interrupt(reason="host say-now"),
    table.SetEmotion(emotion=Emotion.SAD, intensity=0.3),
    table.Gesture(name="wave"),
    table.Dance(music=Path("/media/song.wav"), duration=12.5, style="sway"),
    table.Sing(score=Path("/media/twinkle.musicxml"), backing="score", transpose=-12,
               finale=True),
    table.ShowOverlay(card={"name": "Mug", "price": 12.0}),
    table.ShowOverlay(card=None),
    table.SetShot(shot="guest", transition="ease", seconds=1.2),
    table.Pause(),
    table.HostSay(text="We are back", priority=100),
    table.StartShow(),
    table.Transcribe(kind="host", handles=(3, 4), text="Hi", sources=("faq.md",)),
    table.Complete(text="hi", viewer="Ann", history=(("user", "hello"),), max_tokens=40),
    table.WebRtcAnswer(sdp="v=0", kind="offer", client="10.0.0.1"),
    table.GuestCall(method="invite", args={"name": "Ann"}),
    table.Timeline(),
    table.Reorder(order=("bye", "hello")),
    table.Insert(segment={"type": "say", "lines": ["Breaking news!"]}, after="hello"),
    table.ChatView(),
    table.AnswerNow(message=7),
    table.SkipMessage(message=7),
    table.BlockViewer(viewer="Ann"),
    table.UnblockViewer(viewer="Ann"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.op)
def test_every_command_survives_its_trip_as_json(command: object) -> None:
    back = decode(encode(command))  # type: ignore[arg-type]
    assert back == command and type(back) is type(command)


def test_only_model_time_runs_beside_the_others() -> None:
    assert [c.op for c in COMMANDS if c.concurrent] == ["show.complete", "chat.answer_now"]


@pytest.mark.parametrize("raw", ['{"op": "performer.__init__"}', '{"op": "performer.say"}',
                                 '{"op": "performer.gesture", "name": "wave", "extra": 1}',
                                 '{"op": "guests", "method": "delete_everything"}', "not json"])
def test_unknown_incomplete_or_garbage_commands_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        decode(raw)


def test_a_decoded_command_calls_the_performers_typed_method() -> None:
    async def main() -> FakePerformer:
        perf = FakePerformer(time_scale=0.01)
        await perf.start()
        handle = await perform(perf, decode(encode(table.Say(text="Hi all", emotion=Emotion.HAPPY))))  # type: ignore[arg-type]
        assert handle is not None and handle.text == "Hi all"
        await perform(perf, decode(encode(table.SetEmotion(emotion=Emotion.SAD))))  # type: ignore[arg-type]
        await perform(perf, decode(encode(table.Gesture(name="nod"))))  # type: ignore[arg-type]
        await perform(perf, decode(encode(table.ShowOverlay(card={"name": "Mug"}))))  # type: ignore[arg-type]
        await handle.wait()
        await perf.close()
        return perf
    perf = asyncio.run(main())
    assert perf.spoken() == ["Hi all"] and perf.emotion is Emotion.SAD
    assert perf.gestures == ["nod"] and perf.overlay == {"name": "Mug"}
