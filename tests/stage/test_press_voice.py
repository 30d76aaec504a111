"""The press desk's microphone without a browser: the press kit's names and terms as the
recogniser's prompt (and the listener passing it on), a question already under way when
the microphone came on is not taken, and a microphone's record reads the same anywhere."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from vhuman.dialogue.turns import TurnSettings
from vhuman.models.asr import get_vad
from vhuman.models.asr.base import Transcription
from vhuman.stage.listen import Listener
from vhuman.stage.listen.listener import HeardTurn, ListenEvent
from vhuman.stage.server.routes.press_desk import recognition_prompt
from vhuman.stage.server.routes.press_voice import PressEar, report

ROOT = Path(__file__).resolve().parents[2]
RATE = 16000


def _state(docs: dict[str, dict[str, str]] | None) -> SimpleNamespace:
    qa = SimpleNamespace(kb=SimpleNamespace(docs=docs)) if docs is not None else None
    return SimpleNamespace(backends=SimpleNamespace(qa=qa))


def test_the_press_kit_names_and_terms_are_the_recognisers_prompt() -> None:
    docs = {name: {"text": (ROOT / "examples" / "kb" / name).read_text(), "title": name}
            for name in ("schedule.md", "venues.md")}
    prompt = recognition_prompt(_state(docs))
    assert prompt is not None and prompt.startswith("A reporter's question about ")
    for name in ("Crystal Arena", "Aurora Stadium", "Falkenhorn Jump", "Birchwood Range",
                 "Lake Varn", "Competition days"):
        assert name in prompt, prompt
    assert "\n" not in prompt and "The " not in prompt and len(prompt) < 700
    assert recognition_prompt(_state(None)) is None
    assert recognition_prompt(_state({})) is None


class PromptedRecognizer:
    name = "prompted"
    sample_rate = RATE

    def __init__(self) -> None:
        self.prompts: list[str | None] = []

    def transcribe(self, audio: np.ndarray, *, language: str | None = None,
                   prompt: str | None = None) -> Transcription:
        self.prompts.append(prompt)
        return Transcription("When is the final?", language="en", confidence=0.9,
                             language_probability=1.0, seconds=audio.size / RATE)


def test_the_listener_gives_its_prompt_to_the_recogniser() -> None:
    from vhuman.avatar.compat import shared_data_dir
    from vhuman.stage.listen.files import read_audio

    recognizer = PromptedRecognizer()
    listener = Listener(recognizer, get_vad("silero"), TurnSettings(), partials=False)
    listener.prompt = "A reporter's question about Crystal Arena."
    audio = np.concatenate([np.zeros(RATE, np.float32),
                            read_audio(shared_data_dir() / "speech" / "en_ljspeech_LJ001-0004.wav"),
                            np.zeros(2 * RATE, np.float32)])
    events = [e for i in range(0, audio.size, 320) for e in listener.feed(audio[i:i + 320])]
    assert [e.kind for e in events if e.kind == "final"] == ["final"]
    assert recognizer.prompts and set(recognizer.prompts) == {listener.prompt}


def _final(start: float, status: str = "ok") -> ListenEvent:
    now = time.monotonic()
    turn = HeardTurn("reporter", "reporter", start, end=start + 2.0, text="When is it?",
                     language="en", confidence=0.9, status=status,
                     speech_end_wall=now - 0.5, final_wall=now)
    return ListenEvent("final", turn)


def test_a_question_under_way_when_the_microphone_came_on_is_not_taken() -> None:
    ear = PressEar("Reporter")
    asyncio.run(ear.handle(_final(0.0)))  # speech from the first frame: its start was lost
    asyncio.run(ear.handle(_final(3.4)))
    asyncio.run(ear.handle(_final(0.0, status="empty")))
    out = report("peer", ear.record("listening", None))
    assert [t.status for t in out.heard] == ["clipped", "ok", "empty"]
    assert out.heard[1].recognised_s == 0.5 and out.heard[1].speech_s == 2.0
    assert all(0 <= t.age_s < 60 for t in out.heard)


def test_a_record_is_plain_json_read_the_same_elsewhere() -> None:
    import json

    ear = PressEar("Reporter")
    asyncio.run(ear.handle(ListenEvent("partial", _final(1.0).turn, text="When is")))
    record = json.loads(json.dumps(ear.record("listening", None)))
    out = report("p", record)
    assert out.partial == "When is" and out.state == "listening" and out.heard == []
    asyncio.run(ear.handle(_final(1.0)))
    record = json.loads(json.dumps(ear.record("closed", None)))
    assert record["owner"] == "Reporter"
    assert report("p", record).heard[0].text == "When is it?"
