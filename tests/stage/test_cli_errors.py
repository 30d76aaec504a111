"""CLI errors are one line with exit status 2, and a failed render leaves no output file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.avatar.fixtures import mixamo_arkit_glb
from vhuman.stage.cli import main
from vhuman.stage.say import no_partial_output


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("vhuman: error: ")
    return err[0]


def test_unknown_camera_is_one_line_and_writes_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.mp4"
    assert main(["say", "hi", "--camera", "closeup", "-o", str(out)]) == 2
    assert "unknown camera 'closeup'" in _one_line_error(capsys)
    assert not out.exists()


def test_failed_avatar_play_leaves_no_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "clip.mp4"
    avatar = mixamo_arkit_glb(tmp_path)
    assert main(["avatar", "play", str(avatar), "--clip", "nope", "-o", str(out)]) == 2
    assert "has no clip 'nope' (clips: turn)" in _one_line_error(capsys)
    assert not out.exists()


def test_no_partial_output_removes_only_what_the_failure_touched(tmp_path: Path) -> None:
    made = tmp_path / "made.mp4"
    with pytest.raises(RuntimeError), no_partial_output(made):
        made.write_bytes(b"")
        raise RuntimeError("encoder died")
    assert not made.exists()
    kept = tmp_path / "kept.mp4"
    kept.write_bytes(b"an earlier clip")
    with pytest.raises(RuntimeError), no_partial_output(kept):
        raise RuntimeError("failed before writing")
    assert kept.read_bytes() == b"an earlier clip"
