"""Singing in shows: the rundown's ``sing`` segment, the host's ``sing`` control, and the
live performer singing between spoken lines."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.show import RundownError, ShowClock, ShowRunner, parse_rundown
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer

SONG = """title: tiny
tempo: 120
notes:
  - [C3, 1, "la"]
  - [E3, 1, "la"]
  - [G3, 2, "sun"]
"""
HOST = "host-key-123"
H = {"X-API-Key": HOST}


def _song(folder: Path, name: str = "tiny.yaml", text: str = SONG) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sing_segment_validates_its_score_and_plays(tmp_path: Path) -> None:
    _song(tmp_path)
    body = ("show: {title: Songs}\nsegments:\n"
            "  - type: say\n    lines: [Hello]\n"
            "  - type: sing\n    score: tiny.yaml\n    style: dance\n    finale: true\n"
            "    intro: Here it comes.\n")
    rundown = parse_rundown(body, base_dir=tmp_path)
    seg = rundown.segments[1]
    assert seg.kind == "sing" and seg.is_finale and seg.priority == 90
    assert seg.estimated_seconds() >= 2.0  # the score's own length (2 s) plus the intro

    async def main() -> FakePerformer:
        performer = FakePerformer(0.01, time_scale=200.0)
        runner = ShowRunner(rundown, performer, clock=ShowClock(200.0))
        assert await asyncio.wait_for(runner.start(), 20) == "finished"
        return performer

    performer = asyncio.run(main())
    kinds = [p.kind for p in performer.performed]
    assert kinds == ["say", "say", "sing"]
    call = dict(performer.calls)["sing"]
    assert call["score"] == tmp_path / "tiny.yaml" and call["style"] == "dance" and call["finale"]


def test_example_sing_along_show_is_valid() -> None:
    from vhuman.stage.show import load_rundown

    root = Path(__file__).resolve().parents[2]
    rundown = load_rundown(root / "examples" / "shows" / "sing_along.yaml")
    songs = [s for s in rundown.segments if s.kind == "sing"]
    assert [s.score.name for s in songs] == ["twinkle.musicxml", "the_show_is_on.mid"]
    assert songs[-1].is_finale and rundown.estimated_seconds() > 50


def test_bad_scores_are_rundown_errors_naming_file_and_measure(tmp_path: Path) -> None:
    _song(tmp_path, "mute.yaml", "notes:\n  - [C4, 1]\n")
    _song(tmp_path, "bad.yaml", 'notes:\n  - [C4, 1, "a"]\n' * 1 + '  - [X9, 1, "b"]\n')
    for name, message in (("mute.yaml", "no lyrics"), ("bad.yaml", "measure 1 (note 2)"),
                          ("gone.yaml", "score file not found")):
        with pytest.raises(RundownError, match="segments") as info:
            parse_rundown(f"show: {{title: S}}\nsegments:\n  - type: sing\n    score: {name}\n",
                          base_dir=tmp_path)
        assert message in str(info.value)
    _song(tmp_path)
    with pytest.raises(RundownError, match="never interruptible"):
        parse_rundown("show: {title: S}\nsegments:\n  - type: sing\n    score: tiny.yaml\n"
                      "    finale: true\n    interruptible: true\n", base_dir=tmp_path)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, FakePerformer]]]:
    (tmp_path / "media").mkdir()
    _song(tmp_path / "media")
    _song(tmp_path, "outside.yaml")
    performers: dict[str, FakePerformer] = {}

    def performer(show_id: str, rundown: Any) -> FakePerformer:
        performers[show_id] = FakePerformer(0.01)
        return performers[show_id]

    settings = ServerSettings(api_keys={HOST: "host"}, media_root=tmp_path / "media",
                              output_root=tmp_path, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "p.db"))
    with TestClient(app) as c:
        yield c, performers


def test_host_control_sing_stays_inside_the_media_root(client, tmp_path: Path) -> None:
    c, performers = client
    ok = c.post("/v1/shows/main/control/sing", json={"score": "tiny.yaml", "style": "sway"},
                headers=H)
    assert ok.status_code == 200, ok.text
    call = dict(performers["main"].calls)["sing"]
    assert call["score"] == (tmp_path / "media" / "tiny.yaml").resolve()
    for score in (str(tmp_path / "outside.yaml"), "../outside.yaml", "/etc/passwd"):
        r = c.post("/v1/shows/main/control/sing", json={"score": score}, headers=H)
        assert r.status_code == 422 and "score" in r.text
    r = c.post("/v1/shows/main/control/sing", json={"score": "tiny.yaml", "style": "tango"},
               headers=H)
    assert r.status_code == 422
    r = c.post("/v1/shows/main/control/sing", json={"score": "tiny.yaml", "backing": "x.wav"},
               headers=H)
    assert r.status_code == 422 and "backing" in r.text


@pytest.mark.slow
def test_live_performer_sings_between_spoken_lines(tmp_path: Path) -> None:
    """Speech, a song, speech: all through the live engine (offline clock), in order,
    each line and the song audible where it belongs."""
    from vhuman.stage.offline import render_offline
    from vhuman.stage.say import RenderOptions

    score = _song(tmp_path)
    handles: list[Any] = []
    performers: list[Any] = []

    async def act(performer: Any) -> Any:
        performers.append(performer)
        performer.prepare_sing(score, style="still")  # sung in the background meanwhile
        handles.append(await performer.say("Here is my song."))
        handles.append(await performer.sing(score, style="still"))
        handles.append(await performer.say("Thank you!"))
        return handles[-1]

    async def main() -> Any:
        opts = RenderOptions(width=64, height=64, camera="full_body")
        return await render_offline(tmp_path / "live.mp4", opts, act, collect=True)

    run = asyncio.run(main())
    from vhuman.stage.live import songs as sing_module

    assert not sing_module._PREPARED  # the prepared song was the one played
    assert all(h.done.result() for h in handles)
    starts = [h.started.result() for h in handles]
    assert starts == sorted(starts)
    song = performers[0].speech.last_song
    assert song is not None and song.song.score.syllables()[0].text == "la"
    voice = [c for c in run.chunks if c.text]
    assert [c.text for c in voice][0].startswith("Here is my song")
    assert run.duration > song.duration + 1.0  # the song plays between the two lines
    assert np.max(np.abs(song.mix.samples)) > 0.05
