"""A line's gestures may name the avatar's own clips (tags and ``gestures``); an unknown
gesture is left out and the line is still spoken."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.avatar.fixtures import mixamo_arkit_glb
from vhuman.models.tts import get_tts
from vhuman.stage.live import LiveConfig, LivePerformer


def test_tags_and_gestures_name_the_avatars_clips(tmp_path: Path, caplog) -> None:
    avatar = mixamo_arkit_glb(tmp_path)  # one clip: "turn"
    perf = LivePerformer(LiveConfig(width=64, height=64, avatar=str(avatar)),
                         tts=get_tts("espeak"))
    queued: list = []
    perf._check_started = lambda: None  # type: ignore[method-assign]
    perf.speech.put = queued.append  # type: ignore[method-assign]
    with caplog.at_level("WARNING"):
        asyncio.run(perf.say("[Turn] Hello there [wave]", gestures=["moonwalk", "TURN"]))
    (line,) = queued
    assert line.text == "Hello there"
    assert [name for _, name in line.cues] == ["turn", "wave"]
    assert line.gestures == ("TURN",)
    assert "gesture left out, the line is spoken" in caplog.text and "moonwalk" in caplog.text
