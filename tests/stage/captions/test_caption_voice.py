"""A person's words reach the live captions while they speak: the voice desk passes each
moderated partial transcript on, the final replaces it, a refused turn is taken back."""

from __future__ import annotations

import asyncio

from vhuman.dialogue.moderation import ModerationResult
from vhuman.stage.captions import Turn
from vhuman.stage.listen import ListenEvent
from vhuman.stage.listen.desk import VoiceDesk
from vhuman.stage.listen.listener import HeardTurn
from vhuman.stage.testing_performer import FakePerformer


class RefuseWord:
    def __init__(self, word: str) -> None:
        self.word = word

    def check_input(self, text: str, viewer: str) -> ModerationResult:
        if self.word in text.lower():
            return ModerationResult(False, f"blocklist:{self.word}", "")
        return ModerationResult(True, None, text)


def _events(turn: HeardTurn, partials: list[str], final: str) -> list[ListenEvent]:
    out = [ListenEvent("started", turn)]
    out += [ListenEvent("partial", turn, text=p) for p in partials]
    turn.text, turn.status, turn.end = final, "ok" if final else "empty", 3.0
    turn.speech_end_wall = turn.final_wall = 0.0
    return out + [ListenEvent("final", turn)]


def test_partials_final_and_withdrawal_reach_the_caption_hooks() -> None:
    partial: list[tuple[int, str]] = []
    final: list[tuple[int, str]] = []
    ana = HeardTurn("Ana", "guest", 0.5, language="en", confidence=0.9)
    rude = HeardTurn("Bo", "guest", 4.0, language="en", confidence=0.9)
    noise = HeardTurn("Cy", "guest", 8.0, language="en", confidence=0.9)

    async def scenario() -> None:
        performer = FakePerformer(0.001)
        await performer.start()
        desk = VoiceDesk(performer, moderator=RefuseWord("idiot"), show_id="main",
                         on_heard=lambda t, text: final.append((t.id, text)),
                         on_partial=lambda t, text: partial.append((t.id, text)))
        for event in (_events(ana, ["Thanks", "Thanks for having"], "Thanks for having me.")
                      + _events(rude, ["You are", "You are an idiot"], "You are an idiot.")
                      + _events(noise, ["Hmm"], "")):
            await desk.handle(event)
        await desk.drain()

    asyncio.run(scenario())
    assert final == [(ana.id, "Thanks for having me.")]
    # the refused partial never went out; the refused and the empty turns are taken back
    # (finished turns are answered in the background: compare per turn)
    def of(t: HeardTurn) -> list[str]:
        return [text for i, text in partial if i == t.id]
    assert of(ana) == ["Thanks", "Thanks for having"]
    assert of(rude) == ["You are", ""] and of(noise) == ["Hmm", ""]


def test_partial_and_final_captions_on_the_live_program() -> None:
    from vhuman.stage.live import LiveConfig, LivePerformer
    from vhuman.stage.server.routes.listen import heard_on_air, partial_on_air

    performer = LivePerformer(LiveConfig(fps=30, width=32, height=32, realtime=False))
    captioned: list[Turn] = []
    performer.caption = captioned.append  # type: ignore[method-assign]
    clock = iter([4.0, 5.0, 6.0])
    performer.program_time = lambda monotonic=None: next(clock)  # type: ignore[method-assign]

    class Session:
        runner = None

    session = Session()
    session.performer = performer  # type: ignore[attr-defined]
    turn = HeardTurn("Ana", "guest", 1.0, 3.0, text="Thanks for having me.", language="en",
                     speech_end_wall=0.0)
    partial_on_air(session, turn, "Thanks for")  # type: ignore[arg-type]
    heard_on_air(session, turn, "Thanks for having me.")  # type: ignore[arg-type]
    partial_on_air(session, turn, "")  # type: ignore[arg-type]
    assert [(t.key, t.final, t.text) for t in captioned] == [
        (f"voice-{turn.id}", False, "Thanks for"),
        (f"voice-{turn.id}", True, "Thanks for having me."),
        (f"voice-{turn.id}", True, "")]
    assert (captioned[0].start, captioned[0].end) == (4.0, 4.0)
    assert (captioned[1].start, captioned[1].end) == (3.0, 5.0)  # lasted as long as spoken
    assert captioned[2].withdrawn
