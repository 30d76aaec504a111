"""Interview segments: the host asks, listens to the guest's turns, follows up and wraps
up within the time limit (show clock; a FakePerformer speaks)."""

from __future__ import annotations

import asyncio

import pytest

from vhuman.stage.captions import Turn
from vhuman.stage.show import ShowClock, ShowRunner, parse_rundown
from vhuman.stage.show.interview import follow_up
from vhuman.stage.show.rundown import RundownError
from vhuman.stage.testing_performer import FakePerformer

SPEED = 25.0  # show seconds per wall second: answers (<= 20 show s) wait 0.8 s of wall time


class ProgramPerformer(FakePerformer):
    """A fake with a program layout (as the live performer has)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.layouts: list[str] = []

    def set_layout(self, layout: str) -> None:
        self.layouts.append(layout)

RUNDOWN = """show: {title: Talk}
segments:
  - type: interview
    id: bridges
    guest: Ana Lopez
    topic: bridges
    minutes: %(minutes)s
    answer_s: 20
    layout: side_by_side
    questions:
      - What got you into building bridges?
      - What is the hardest bridge you have built?
      - What comes next for you?
"""


def _run(minutes: float, answers: dict[int, str | None]) -> tuple[ShowRunner, ProgramPerformer]:
    """Play the interview; the guest answers question ``i`` (by the order the host asked
    it, follow-ups included) with ``answers[i]`` (None or missing: silence)."""
    rundown = parse_rundown(RUNDOWN % {"minutes": minutes})
    performer = ProgramPerformer(0.4, time_scale=SPEED)
    runner = ShowRunner(rundown, performer, clock=ShowClock(SPEED))

    async def guest() -> None:
        asked = 0
        while runner.state in ("ready", "running"):
            spoken = performer.spoken()
            questions = [s for s in spoken if s.endswith("?")]
            if len(questions) > asked:
                await asyncio.sleep(0.01)  # the question is played out
                text = answers.get(asked)
                asked += 1
                if text:
                    now = runner.clock.now()
                    runner.heard(Turn("Ana Lopez", "guest", text, "en", now, now + 2))
            await asyncio.sleep(0.002)

    async def main() -> None:
        task = runner.start()
        helper = asyncio.create_task(guest())
        assert await asyncio.wait_for(task, 30) == "finished"
        helper.cancel()

    asyncio.run(main())
    return runner, performer


def test_asks_listens_follows_up_and_wraps_up() -> None:
    answers = {0: "My grandfather built suspension bridges over mountain rivers in Peru.",
               1: "Oh, fun.",  # follow-up to answer 0 gets a short reply
               2: "The Millau viaduct, because of the wind.",
               3: "More of them."}
    runner, performer = _run(5, answers)
    (record,) = runner.interviews
    spoken = performer.spoken()
    assert spoken[0].startswith("Joining us now is Ana Lopez, to talk about bridges")
    assert record.asked[0] == "What got you into building bridges?"
    assert record.answers[0].startswith("My grandfather")
    # the follow-up picks up the answer's own words, not the question's
    assert record.follow_ups[0].startswith("You mentioned ") and "bridges" not in \
        record.follow_ups[0].split(".")[0]
    assert spoken[-1] == "That's all we have time for. Thank you so much, Ana Lopez!"
    assert record.ended_at <= 5 * 60
    assert performer.layouts == ["side_by_side"]  # the segment's layout, set on start
    assert any(e["event"] == "interview_answer" for e in runner.events)


def test_silence_moves_on_and_the_time_limit_holds() -> None:
    runner, performer = _run(1, {})  # nobody answers; one minute
    (record,) = runner.interviews
    assert record.unanswered >= 1 and not record.answers
    assert "Let's move on." in performer.spoken()
    assert record.skipped >= 1  # not every question fits in a minute of silences
    ended = [e for e in runner.events if e["event"] == "segment_ended"][0]["clock"]
    started = [e for e in runner.events if e["event"] == "segment_started"][0]["clock"]
    assert ended - started <= 60.0 + 1.0  # wrap-up included, within the limit


def test_follow_up_questions_and_bad_segments() -> None:
    assert follow_up("Why?", "Yes.", "bridges") == "Could you tell us a little more about that?"
    assert "cantilever" in follow_up("What do you build?",
                                     "Mostly I design very long cantilever spans for the railways.",
                                     "bridges")
    with pytest.raises(RundownError):
        parse_rundown("show: {title: T}\nsegments:\n  - {type: interview, guest: A, "
                      "topic: t, questions: [], minutes: 1}\n")
