"""CaptionTrack: cues from ticks (host lines, cut lines, people's turns) and files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vhuman.models.types import InputError
from vhuman.stage.captions import CaptionTrack, Heard, SpokenLine, Turn, Word
from vhuman.stage.captions.files import caption_paths, srt_text, vtt_text, write_captions
from vhuman.stage.outputs.base import Tick

FPS, SR = 10.0, 1000


def _line() -> SpokenLine:
    words = tuple(Word(w, 0.2 + 0.4 * i, 0.5 + 0.4 * i)
                  for i, w in enumerate("Good evening. Tonight we talk about rivers.".split()))
    return SpokenLine("Good evening. Tonight we talk about rivers.", words, 3.0, "en", "Ava")


def _tick(i: int, said: tuple = (), turns: tuple = ()) -> Tick:
    return Tick(index=i, pts=i / FPS, fps=FPS, image=np.zeros((2, 2, 3), np.uint8),
                audio=np.zeros(int(SR / FPS), np.float32), sample_rate=SR, said=said,
                turns=turns)


def test_a_whole_line_gives_its_cues_in_program_time() -> None:
    line, track = _line(), CaptionTrack()
    for i in range(50):
        said = (Heard(line, 1.0),) if 10 <= i < 40 else ()
        track.observe(_tick(i, said))
    track.close()
    cues = track.cues()
    assert [c.text for c in cues] == ["Good evening.", "Tonight we talk about rivers."]
    assert cues[0].start == pytest.approx(1.15)  # line at 1.0 s, first word 0.2 s in, 50 ms lead
    assert cues[1].start <= 1.0 + 0.2 + 0.4 * 2  # never after "Tonight"
    assert cues[-1].end == pytest.approx(1.0 + 0.5 + 0.4 * 6)
    assert all(c.speaker == "Ava" and c.role == "host" and c.language == "en" for c in cues)


def test_an_interrupted_line_keeps_only_what_was_heard() -> None:
    line, track = _line(), CaptionTrack()
    for i in range(30):
        said = (Heard(line, 1.0),) if 10 <= i < 17 else ()  # cut at 1.7 s
        track.observe(_tick(i, said))
    cues = track.cues()
    assert [c.text for c in cues] == ["Good evening."]
    assert cues[0].end <= 1.7 + 1e-9
    assert track.cut and track.cut[0][1] == pytest.approx(1.7)


def test_live_cues_fall_due_at_their_start() -> None:
    line, track = _line(), CaptionTrack()
    track.observe(_tick(0))
    track.observe(_tick(1, (Heard(line, 0.1),)))
    assert track.due(0.2) == []
    first = track.due(0.35)
    assert [c.text for c in first] == ["Good evening."]
    assert first[0].event()["type"] == "caption"
    assert [c.text for c in track.due(5.0)] == ["Tonight we talk about rivers."]
    assert track.due(9.0) == []


def test_people_turns_become_cues_with_their_speaker() -> None:
    track = CaptionTrack()
    turn = Turn("Maria", "guest", "Gracias por invitarme al programa.", "es", 2.0, 4.0)
    track.observe(_tick(0))
    track.observe(_tick(45, turns=(turn,)))
    (cue,) = track.cues()
    assert (cue.speaker, cue.role, cue.language) == ("Maria", "guest", "es")
    assert cue.start == pytest.approx(2.0) and cue.end == pytest.approx(4.0)
    with pytest.raises(InputError):
        Turn("x", "guest", " ", "en", 0, 1)
    with pytest.raises(InputError):
        Turn("x", "alien", "hi", "en", 0, 1)


def test_vtt_and_srt_files_read_back(tmp_path: Path) -> None:
    import srt
    import webvtt

    line, track = _line(), CaptionTrack()
    for i in range(45):
        track.observe(_tick(i, (Heard(line, 1.0),) if 10 <= i < 40 else (),
                            (Turn("Maria", "guest", "¿Y los ríos de montaña?", "es", 4.1, 5.0),)
                            if i == 44 else ()))
    track.close()
    vtt, srt_path = write_captions(tmp_path / "show.mp4", track.cues())
    assert (vtt, srt_path) == caption_paths(tmp_path / "show.mp4")
    captions = list(webvtt.read(str(vtt)))
    assert [c.text for c in captions][0] == "Good evening."
    assert captions[0].voice == "Ava" and captions[-1].voice == "Maria"
    assert "NOTE language: en" in vtt.read_text()
    assert "<lang es>" in vtt_text(track.cues())
    subs = list(srt.parse(srt_path.read_text()))
    assert subs[0].content == "Ava: Good evening."  # several speakers: names shown
    assert subs[-1].content.startswith("Maria: ")
    assert subs[0].start.total_seconds() == pytest.approx(1.15)
    assert srt_text([]) == ""


def test_live_captions_send_due_cues_and_cuts_and_forget_old_ones() -> None:
    from vhuman.stage.captions.live import LiveCaptions

    events: list[dict] = []
    live = LiveCaptions(events.append, lead_s=0.1)
    line = _line()
    for i in range(25):  # the line plays from 1.0 s and is cut at 2.4 s
        live.offer(_tick(i, (Heard(line, 1.0),) if 10 <= i < 24 else ()))
    kinds = [e["type"] for e in events]
    assert kinds[0] == "caption" and events[0]["text"] == "Good evening."
    assert events[0]["start"] <= 1.2 and kinds[-1] == "caption_cut"
    assert events[-1]["line"] == line.serial and events[-1]["at"] == pytest.approx(2.4)
    assert not any(e.get("text", "").startswith("rivers") for e in events)
    live.track.forget_before(100.0)
    assert live.track.cues() == []
    def broken(event: dict) -> None:
        raise RuntimeError("socket gone")
    quiet = LiveCaptions(broken)  # a failing sink never reaches the clock
    quiet.offer(_tick(0, (Heard(line, 0.0),)))
    quiet.offer(_tick(5, (Heard(line, 0.0),)))
    assert quiet.sent == 0
