"""``--check`` validates gesture names against the avatar the show will use: library
gestures and the avatar's own clips pass, anything else is located by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.avatar.fixtures import mixamo_arkit_glb
from vhuman.stage.show import check_rundown
from vhuman.stage.show.rundown import RundownError


def _write(tmp_path: Path, avatar: str, lines: str) -> Path:
    path = tmp_path / "show.yaml"
    path.write_text(f"show: {{title: T}}\navatar: {avatar}\nsegments:\n  - type: say\n"
                    f"    lines:\n{lines}")
    return path


def test_the_avatars_clips_are_gestures(tmp_path: Path) -> None:
    avatar = mixamo_arkit_glb(tmp_path)
    path = _write(tmp_path, str(avatar), "      - \"[Turn] Hello there [wave]\"\n"
                                         "      - {text: Bye, gestures: [turn, nod]}\n")
    rundown = check_rundown(path)
    assert rundown.segments[0].lines[0].gestures == ("Turn", "wave")


def test_unknown_gestures_are_located_and_name_what_exists(tmp_path: Path) -> None:
    avatar = mixamo_arkit_glb(tmp_path)
    path = _write(tmp_path, str(avatar), "      - Hello\n      - \"[ThumbsUp] Hi\"\n")
    with pytest.raises(RundownError) as info:
        check_rundown(path)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:7:")
    assert "unknown gesture 'ThumbsUp'" in problems[0]
    assert "the avatar's clips: turn" in problems[0]


def test_the_builtin_host_has_no_clips(tmp_path: Path) -> None:
    path = _write(tmp_path, "null", "      - {text: Hi, gestures: [turn]}\n")
    with pytest.raises(RundownError, match="the avatar has no clips"):
        check_rundown(path)
