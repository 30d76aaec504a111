"""People's captions in revisions: partial transcripts as live cues (id + rev), replaced by
the final one, withdrawn when refused; only finals reach files and stay burned in."""

from __future__ import annotations

import numpy as np
import pytest

from vhuman.models.types import InputError
from vhuman.stage.captions import CaptionTrack, Cue, Turn
from vhuman.stage.captions.burn import CaptionBurner
from vhuman.stage.captions.live import LiveCaptions
from vhuman.stage.outputs.base import Tick

FPS, SR = 10.0, 1000


def _tick(i: int, turns: tuple = ()) -> Tick:
    return Tick(index=i, pts=i / FPS, fps=FPS, image=np.zeros((2, 2, 3), np.uint8),
                audio=np.zeros(int(SR / FPS), np.float32), sample_rate=SR, turns=turns)


def _said(text: str, at: float, *, final: bool, key: str = "ana:1") -> Turn:
    return Turn("Ana", "guest", text, "en", max(0.0, at - 1.0), at, key=key, final=final)


def test_partials_are_live_revisions_and_the_final_replaces_them() -> None:
    events: list[dict] = []
    live = LiveCaptions(events.append, lead_s=0.1)
    live.offer(_tick(0))
    live.offer(_tick(10, (_said("Thanks for", 1.0, final=False),)))
    live.offer(_tick(20, (_said("Thanks for having me on", 2.0, final=False),)))
    live.offer(_tick(30, (_said("Thanks for having me on the show.", 3.0, final=True),)))
    caps = [e for e in events if e["type"] == "caption"]
    assert [(e["id"], e["rev"], e["final"]) for e in caps] == \
        [("ana:1", 1, False), ("ana:1", 2, False), ("ana:1", 3, True)]
    assert [e["text"] for e in caps] == ["Thanks for", "Thanks for having me on",
                                         "Thanks for having me on the show."]
    assert caps[0]["start"] == pytest.approx(1.0)  # shown from when the words arrived
    # files hold only what was finally said, over the time it was said
    (cue,) = live.track.cues()
    assert cue.text == "Thanks for having me on the show." and cue.final
    assert (cue.start, cue.end) == (pytest.approx(2.0), pytest.approx(3.0))
    # a revision that arrives after the final changes nothing
    live.offer(_tick(31, (_said("Thanks for having", 3.1, final=False),)))
    assert len([e for e in events if e["type"] == "caption"]) == 3
    # host cues keep the plain protocol: no id/rev/final
    assert "id" not in Cue(0.0, 1.0, "Good evening.", "Host", "host", "en", line=3).event()


def test_a_long_final_gives_several_cues_with_rising_revisions() -> None:
    track = CaptionTrack(origin=0.0)
    track.feed(1.0, 0.1, (), (_said("So what I wanted", 1.0, final=False),))
    words = " ".join(["bridges"] * 24)
    track.feed(5.0, 0.1, (), (Turn("Ana", "guest", words, "en", 1.0, 5.0, key="ana:1"),))
    sent = track.due(10.0)
    assert [c.rev for c in sent] == list(range(2, 2 + len(sent))) and len(sent) >= 3
    assert all(c.final for c in sent)  # settled words, shown one cue after another
    assert all(len(c.text.split("\n")) <= 2 for c in sent)


def test_a_partial_shows_its_last_two_lines_only() -> None:
    track = CaptionTrack(origin=0.0)
    text = " ".join(f"word{i}" for i in range(40))
    track.feed(9.0, 0.1, (), (_said(text, 9.0, final=False),))
    (cue,) = track.due(9.5)
    lines = cue.text.split("\n")
    assert len(lines) == 2 and lines[-1].endswith("word39")
    assert track.cues() == []  # nothing for the files yet
    assert [c.id for c in track.partials()] == ["ana:1"]


def test_a_withdrawn_turn_cuts_its_partial_caption() -> None:
    events: list[dict] = []
    live = LiveCaptions(events.append)
    live.offer(_tick(0))
    live.offer(_tick(5, (_said("some words", 0.5, final=False),)))
    live.offer(_tick(9, (Turn("Ana", "guest", "", "en", 0.0, 0.9, key="ana:1"),)))
    assert events[-1] == {"type": "caption_cut", "id": "ana:1"}
    assert live.track.cues() == [] and live.track.partials() == []
    with pytest.raises(InputError):  # without a key an empty turn is still refused
        Turn("Ana", "guest", "", "en", 0.0, 1.0)


def test_burned_in_partial_is_replaced_by_its_final() -> None:
    burner = CaptionBurner(320, 180)
    image = np.zeros((180, 320, 3), np.uint8)
    burner.add_turn(_said("Thanks for", 1.0, final=False))
    painted = burner.paint(image, 1.0, 0.1, ())
    assert painted.any()  # the partial is on screen at once
    shown = burner.current(1.05)
    assert shown is not None and shown.text == "Thanks for" and not shown.final
    burner.add_turn(_said("Thanks for having me.", 2.0, final=True))
    burner.paint(image, 1.2, 0.1, ())
    shown = burner.current(1.25)
    assert shown is not None and shown.text == "Thanks for having me." and shown.final
    assert burner.track.partials() == []
