"""A running show tells the host what is on now and next: "what's next?" is answered
from the live rundown, not from the knowledge base."""

from __future__ import annotations

import asyncio
from pathlib import Path

from vhuman.dialogue import Brain
from vhuman.dialogue.moderation import default_moderator
from vhuman.dialogue.on_air import OnAir, answer_on_air
from vhuman.dialogue.persona import DEFAULT_PERSONA
from vhuman.stage.chat import ChatQueue, ChatResponder
from vhuman.stage.show import ShowClock, ShowRunner, load_rundown
from vhuman.stage.testing_performer import FakePerformer

ROOT = Path(__file__).resolve().parents[3]


def test_whats_next_comes_from_the_running_rundown() -> None:
    async def main() -> None:
        rundown = load_rundown(ROOT / "examples/shows/talk_show.yaml")
        performer = FakePerformer(0.4, time_scale=1000.0)
        brain = Brain(DEFAULT_PERSONA, llm=None, memory=None)
        runner = ShowRunner(rundown, performer, chat=ChatQueue(moderator=default_moderator()),
                            responder=ChatResponder(brain, performer), clock=ShowClock(1000.0))
        assert runner.on_air() is None and (await brain.reply("what's next?", "Sam")).source != "skill:on_air"
        task = runner.start()
        for _ in range(4000):
            if runner.segment is not None and runner.segment.kind == "chat":
                break
            await asyncio.sleep(0.005)
        assert runner.on_air() == OnAir("chat time: your questions in the chat", "a look at the Friday Night Hoodie")
        reply = await brain.reply("what's next?", "Sam")
        assert reply.source == "skill:on_air" and reply.text == "Next up: a look at the Friday Night Hoodie."
        spanish = await brain.reply("¿Qué hay ahora?", "Ana")
        assert spanish.text.startswith("Ahora mismo: chat time")
        await runner.stop()
        await asyncio.wait_for(task, 20)
        assert runner.on_air() is None
    asyncio.run(main())


def test_answer_on_air_lines() -> None:
    live = OnAir("a dance", None)
    assert answer_on_air("what's next?", "en", live) == "This is the last part of the show: a dance."
    assert answer_on_air("接下来是什么？", "zh", OnAir("一首歌", "聊天")) == "接下来是聊天。"
    assert answer_on_air("what's on now?", "en", OnAir("a song: twinkle", "a dance")) == \
        "Right now it's a song: twinkle. Next up: a dance."
    assert answer_on_air("what's next?", "en", None) is None
    assert answer_on_air("how many athletes?", "en", live) is None
