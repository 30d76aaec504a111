"""A viewer asks the host to sing or dance: the responder does it, not just says it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from vhuman.dialogue import DEFAULT_PERSONA, Brain
from vhuman.models.llm.testing import ScriptedLLM
from vhuman.stage.chat import ChatMessage, ChatResponder
from vhuman.stage.testing_performer import FakePerformer

SONGS = Path(__file__).resolve().parents[2] / "examples" / "songs"


def test_sing_and_dance_requests_are_performed() -> None:
    brain = Brain(DEFAULT_PERSONA, ScriptedLLM("leave it to me!"), memory=None,
                  songs={"twinkle": SONGS / "twinkle.musicxml"})
    performer = FakePerformer(0.0)
    responder = ChatResponder(brain, performer)

    async def run() -> None:
        await responder.answer(ChatMessage("Lucy", "Can you sing a song for us?"))
        await responder.answer(ChatMessage("Tom", "dance!"))

    asyncio.run(run())
    kinds = [name for name, _ in performer.calls]
    assert "sing" in kinds and "dance" in kinds
    sung = next(args for name, args in performer.calls if name == "sing")
    assert sung["score"] == SONGS / "twinkle.musicxml"
