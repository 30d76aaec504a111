"""The show runner on a FakePerformer: order, chat, preemption, host control."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from vhuman.dialogue.moderation import default_moderator
from vhuman.stage.chat import ChatMessage, ChatQueue, ChatResponder
from vhuman.stage.show import ShowClock, ShowRunner, load_rundown, parse_rundown
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer, FakeQA

ROOT = Path(__file__).resolve().parents[2]
SPEED = 200.0  # show seconds per wall second


def _runner(rundown, *, speed: float = SPEED, qa=None, store=None):
    performer = FakePerformer(0.4, time_scale=speed)
    chat = ChatQueue(moderator=default_moderator())
    runner = ShowRunner(rundown, performer, chat=chat, qa=qa, store=store,
                        responder=ChatResponder(FakeBrain(), performer),
                        clock=ShowClock(speed))
    return runner, performer, chat


def _show(body: str, music: Path | None = None) -> object:
    return parse_rundown(f"show: {{title: Test}}\n{body}", base_dir=music)


async def _wait_for(cond, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.005)):
        if cond():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


def test_example_show_runs_in_order_with_overlay_and_log(tmp_path: Path) -> None:
    async def main() -> None:
        rundown = load_rundown(ROOT / "examples/shows/talk_show.yaml")
        store = SQLiteStore(tmp_path / "log.db")
        runner, performer, chat = _runner(rundown, speed=1000.0, store=store)
        task = runner.start()
        await _wait_for(lambda: runner.segment is not None and runner.segment.kind == "chat")
        await chat.submit(ChatMessage("Sam", "What music do you like?"))
        assert await asyncio.wait_for(task, 20) == "finished"
        spoken = performer.spoken()
        assert spoken[0].startswith("Good evening everyone")
        assert "Sam, thanks for asking about What music do you." in spoken
        assert spoken[-1] == "Stay kind, stay curious, and see you next week."
        kinds = [p.kind for p in performer.performed]
        assert kinds[-1] == "dance" and performer.performed[-1].extra["style"] == "celebration"
        overlays = [c[1]["card"] for c in performer.calls if c[0] == "show_overlay"]
        assert overlays[0]["name"] == "Friday Night Hoodie" and overlays[1] is None
        assert {"type": "card", "text": "Back in a moment"} in overlays
        events = [e.event for e in store.show_events(rundown.id)]
        assert events[0] == "show_started" and events[-1] == "show_ended"
        assert events.count("segment_started") == len(rundown.segments)
        assert "chat_answered" in events
    asyncio.run(main())


def test_chat_window_ends_after_n_messages_and_answers_by_name() -> None:
    async def main() -> None:
        rundown = _show("segments:\n  - type: chat\n    messages: 2\n    minutes: 10\n"
                        "    outro: Bye now\n")
        runner, performer, chat = _runner(rundown)
        for name, text in [("Ann", "How are you?"), ("Bob", "Where do you live?"),
                           ("Cy", "Is this live?")]:
            await chat.submit(ChatMessage(name, text))
        assert await asyncio.wait_for(runner.run(), 10) == "finished"
        spoken = performer.spoken()
        # equal priority: the freshest first (as a host reads a scrolling chat)
        assert spoken[0].startswith("Cy, thanks") and spoken[2].startswith("Bob, thanks")
        assert spoken[-1] == "Bye now" and runner.answered == 2
        assert len(chat) == 1  # Ann waits for the next chat window (or goes stale)
    asyncio.run(main())


def test_urgent_viewer_cuts_a_break_but_never_the_finale(tmp_path: Path) -> None:
    (tmp_path / "song.ogg").write_bytes(b"x")
    async def main() -> None:
        rundown = _show("preemption: {viewer_interrupts: [break, dance], "
                        "viewer_min_priority: 4}\nsegments:\n"
                        "  - type: break\n    duration: 60\n"
                        "  - type: dance\n    music: song.ogg\n    duration: 100\n"
                        "    finale: true\n", tmp_path)
        runner, performer, chat = _runner(rundown)
        task = runner.start()
        await _wait_for(lambda: runner.segment is not None)
        await chat.submit(ChatMessage("Old", "hello there"))          # first-timer, 2.5
        await chat.submit(ChatMessage("Old", "nice show tonight"))    # returning, 1.0
        await chat.submit(ChatMessage("Newbie", "Can you wave?"))     # question + new, 4.5
        await _wait_for(lambda: runner.answered == 1)
        assert performer.spoken()[0].startswith("Newbie, thanks")
        await _wait_for(lambda: runner.segment is not None and runner.segment.is_finale)
        await chat.submit(ChatMessage("Zed", "Who made your dance?"))
        await asyncio.sleep(0.1)
        interrupts_in_finale = performer.interrupts
        assert await asyncio.wait_for(task, 10) == "finished"
        assert performer.interrupts == interrupts_in_finale
        assert performer.performed[-1].kind == "dance" and performer.performed[-1].completed
        assert runner.answered == 1 and len(chat) >= 1  # Zed and Old still waiting
    asyncio.run(main())


def test_viewer_question_between_lines_of_a_say_segment() -> None:
    async def main() -> None:
        rundown = _show("preemption: {viewer_interrupts: [say]}\nsegments:\n"
                        "  - type: say\n    lines: [one two three, four five six, seven]\n")
        runner, performer, chat = _runner(rundown, speed=20.0)
        task = runner.start()
        await _wait_for(lambda: runner.current_line == "one two three")
        await chat.submit(ChatMessage("Kim", "Why is the sky blue?"))
        await asyncio.wait_for(task, 10)
        spoken = performer.spoken(completed_only=True)
        assert spoken[0] == "one two three"
        assert spoken[1].startswith("Kim, thanks")  # answered between lines, none cut
        assert spoken[-1] == "seven" and performer.interrupts == 0
    asyncio.run(main())


def test_pause_resume_repeats_the_cut_line_and_skip_and_stop() -> None:
    async def main() -> None:
        rundown = _show("segments:\n  - type: say\n    lines: [a b c d e f g h i j]\n"
                        "  - type: pause\n    duration: 1000\n"
                        "  - type: say\n    lines: [after the pause]\n"
                        "  - type: say\n    lines: [never said]\n")
        runner, performer, chat = _runner(rundown, speed=10.0)
        task = runner.start()
        await _wait_for(lambda: runner.current_line is not None)
        await asyncio.sleep(0.05)
        await runner.pause()
        assert runner.status()["state"] == "paused"
        clock_at_pause = runner.clock.now()
        await asyncio.sleep(0.1)
        assert runner.clock.now() == clock_at_pause  # show time stands still
        await runner.resume()
        await _wait_for(lambda: runner.segment is not None and runner.segment.kind == "pause")
        await runner.skip()
        await _wait_for(lambda: runner.current_line == "after the pause")
        await runner.stop()
        assert await asyncio.wait_for(task, 5) == "stopped"
        said = [p for p in performer.performed if p.text == "a b c d e f g h i j"]
        assert len(said) == 2 and not said[0].completed and said[1].completed
        assert "never said" not in performer.spoken()
        assert [e["event"] for e in runner.events].count("segment_skipped") == 1
    asyncio.run(main())


def test_host_say_cuts_in_and_the_cut_line_is_said_again() -> None:
    async def main() -> None:
        rundown = _show("segments:\n  - type: say\n    lines: [a b c d e f g h i j, end]\n")
        runner, performer, _ = _runner(rundown, speed=10.0)
        task = runner.start()
        await _wait_for(lambda: bool(performer.performed))
        await runner.host_say("Breaking news!")
        await asyncio.wait_for(task, 10)
        texts = [(p.text, p.completed) for p in performer.performed]
        assert texts == [("a b c d e f g h i j", False), ("Breaking news!", True),
                         ("a b c d e f g h i j", True), ("end", True)]
    asyncio.run(main())


def test_qa_segment_and_a_failing_segment_do_not_stop_the_show() -> None:
    async def main() -> None:
        rundown = _show("segments:\n  - type: chat\n    messages: 1\n"
                        "  - type: qa\n    questions:\n      - {text: 'When is the final?', "
                        "from: Ana of Daily News}\n      - What is the capital of Mars?\n"
                        "  - type: say\n    lines: [still here]\n")
        performer = FakePerformer(0.4, time_scale=SPEED)
        runner = ShowRunner(rundown, performer, clock=ShowClock(SPEED),
                            qa=FakeQA({"final": "The final is on Sunday at eight."}))
        assert await asyncio.wait_for(runner.run(), 10) == "finished"
        spoken = performer.spoken()
        assert spoken[:2] == ["Ana of Daily News asks: When is the final?",
                              "The final is on Sunday at eight."]
        assert "won't guess" in spoken[3]
        assert spoken[-1] == "still here"
        errors = [e for e in runner.events if e["event"] == "segment_error"]
        assert len(errors) == 1 and "chat needs" in errors[0]["error"]
    asyncio.run(main())


@pytest.mark.parametrize("loop,expected", [(2, 2), (1, 1)])
def test_rundown_loops(loop: int, expected: int) -> None:
    async def main() -> None:
        show = parse_rundown(f"show: {{title: L, loop: {loop}}}\nsegments:\n"
                             "  - type: say\n    lines: [hello]\n    repeat: 2\n")
        runner, performer, _ = _runner(show)
        await asyncio.wait_for(runner.run(), 5)
        assert performer.spoken() == ["hello"] * (2 * expected)
        assert runner.iteration == expected
    asyncio.run(main())


def test_run_show_front_door_with_a_performer_factory(tmp_path: Path) -> None:
    from vhuman.stage.show import run_show, run_show_async

    made: list[tuple[str, list[str]]] = []

    def factory(rundown, outputs):  # type: ignore[no-untyped-def]
        made.append((rundown.title, outputs))
        return FakePerformer(0.4, time_scale=SPEED)

    path = tmp_path / "mini.yaml"
    path.write_text("show: {title: Mini}\noutputs: [out/a.mp4]\nsegments:\n"
                    "  - type: say\n    lines: ['[happy] Hi there [wave]']\n")
    runner = asyncio.run(run_show_async(
        path, ["rtmp://127.0.0.1/live/x"], performer_factory=factory, brain=FakeBrain(),
        clock_speed=SPEED, database_url=f"sqlite:///{tmp_path}/log.db"))
    assert runner.state == "finished"
    assert made == [("Mini", ["rtmp://127.0.0.1/live/x"])]
    assert run_show(path, performer_factory=factory, clock_speed=SPEED) == 0
    assert made[-1] == ("Mini", ["out/a.mp4"])  # the rundown's own outputs by default
    performer = runner.performer
    assert isinstance(performer, FakePerformer)
    assert performer.calls[0][1]["gestures"] == ("wave",)
    assert SQLiteStore(tmp_path / "log.db").show_events("mini")[-1].event == "show_ended"


@pytest.mark.slow
def test_run_show_end_to_end_on_the_live_performer_to_mp4(tmp_path: Path) -> None:
    """``vhuman show`` for real: eSpeak voice, built-in avatar, an MP4 with both streams."""
    import av

    from vhuman.stage.show import run_show

    path = tmp_path / "e2e.yaml"
    path.write_text("show: {title: E2E}\nvoice: {backend: espeak}\nsegments:\n"
                    "  - type: say\n    lines: ['[happy] Hello everyone! [wave]']\n"
                    "  - type: pause\n    duration: 0.5\n")
    out = tmp_path / "e2e.mp4"
    assert run_show(path, [str(out)]) == 0
    with av.open(str(out)) as media:
        kinds = {s.type for s in media.streams}
        seconds = float(media.duration or 0) / 1_000_000
    assert kinds == {"video", "audio"} and 1.0 < seconds < 10.0


@pytest.mark.slow
def test_vhuman_show_green_screen_and_transparent_outputs_for_obs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``vhuman show --background green`` keys in OBS; ``--transparent`` writes VP9 alpha."""
    import av

    from vhuman.stage.cli import main

    path = tmp_path / "obs.yaml"
    path.write_text("show: {title: OBS}\nvoice: {backend: espeak}\nsegments:\n"
                    "  - type: say\n    lines: ['Hello there!']\n")
    green = tmp_path / "green.mp4"
    assert main(["show", str(path), "--background", "green", "--out", str(green)]) == 0
    with av.open(str(green)) as media:
        frame = next(media.decode(video=0)).to_ndarray(format="rgb24")
    r, g, b = (int(v) for v in frame[4, 4])
    assert g > 150 and r < 40 and b < 90, (r, g, b)  # chroma green around the character

    assert main(["show", str(path), "--transparent", "--out", str(green)]) == 2
    assert ".webm" in capsys.readouterr().err

    clear = tmp_path / "clear.webm"
    assert main(["show", str(path), "--transparent", "--out", str(clear)]) == 0
    with av.open(str(clear)) as media:
        stream = media.streams.video[0]
        assert stream.codec_context.name == "vp9"
        assert stream.metadata.get("alpha_mode", stream.metadata.get("ALPHA_MODE")) == "1"
