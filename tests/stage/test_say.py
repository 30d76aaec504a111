"""The walking skeleton end to end: `vhuman say` → lip-synced MP4, and its bad input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from vhuman.animation.vocabulary import Viseme
from vhuman.models.types import InputError
from vhuman.stage.cli import main
from vhuman.stage.media import probe
from vhuman.stage.say import RenderOptions, render_clip

SMALL = RenderOptions(width=160, height=160, fps=25)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("say") / "hello.mp4"
    return render_clip("[wave] Hello, welcome to the big show!", out, emotion="happy",
                       options=SMALL, collect=True)


def test_mp4_is_h264_aac_and_video_matches_audio_length(clip) -> None:
    info = probe(clip.path)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == (160, 160)
    assert abs(info.audio_duration - clip.duration) < 0.01
    assert abs(info.video_duration - info.audio_duration) <= 1 / SMALL.fps + 1e-6
    assert clip.frames == info.video_frames


def test_audio_is_the_voice_and_phonemes_cover_it(clip) -> None:
    assert clip.duration > 1.0
    for chunk in clip.chunks:
        assert sum(p.duration for p in chunk.phonemes) == len(chunk.samples)
    assert np.abs(clip.audio).max() > 0.05


def test_motion_covers_every_video_frame_and_mouth_moves(clip) -> None:
    assert sum(m.num_frames for m in clip.motion) == clip.frames
    motion = clip.motion[0]
    # "Hello... the big show" opens the mouth. Piper samples its durations (noise_w), so one
    # vowel's peak varies from run to run (AA alone: 0.26-0.67); the open vowels together
    # always reach well past 0.3.
    vowels = [motion.morph_names.index(f"viseme_{v.value}") for v in (Viseme.AA, Viseme.E, Viseme.OH, Viseme.OU)]
    assert motion.morph[:, vowels].max() > 0.3


def test_frames_change_with_speech(clip) -> None:
    import av

    with av.open(str(clip.path)) as container:
        frames = [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]
    diffs = [np.abs(a - b).mean() for a, b in zip(frames, frames[1:], strict=False)]
    assert frames[len(frames) // 2].std() > 5  # a character, not a flat colour
    assert np.mean(diffs) > 0.05  # it moves


def test_transparent_webm_has_alpha(tmp_path: Path) -> None:
    opts = RenderOptions(width=96, height=96, fps=15, transparent=True)
    with pytest.raises(InputError, match="webm"):
        render_clip("Hi.", tmp_path / "x.mp4", options=opts)
    result = render_clip("Hi there.", tmp_path / "x.webm", options=opts)
    info = probe(result.path)
    assert info.video_codec == "vp9" and info.audio_codec == "opus"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["say", ""], "empty"),
        (["say", "   "], "empty"),
        (["say", "hi", "--emotion", "furious"], "unknown emotion 'furious'"),
        (["say", "hi", "--avatar", "/nonexistent/avatar.glb"], "avatar.glb"),
        (["say", "hi", "--size", "big"], "--size"),
        (["say", "hi", "--size", "101x100"], "even"),
        (["say", "hi", "--fps", "0"], "--fps"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args, message, tmp_path, capsys) -> None:
    code = main(["-q", *args, "-o", str(tmp_path / "o.mp4")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err


def test_corrupt_avatar_is_a_clear_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "broken.glb"
    bad.write_bytes(b"glTF\x02\x00\x00\x00garbage")
    assert main(["-q", "say", "hi", "--avatar", str(bad), "-o", str(tmp_path / "o.mp4")]) == 2
    assert "broken.glb" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_non_root(tmp_path: Path, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert main(["-q", "say", "hi", "-o", str(locked / "o.mp4")]) == 2


def test_unwritable_output(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["-q", "say", "hi", "-o", str(blocker / "o.mp4")]) == 2
    assert "cannot write output" in capsys.readouterr().err
    assert main(["-q", "say", "hi", "-o", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def test_cli_say_writes_video_and_plot(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cli.mp4"
    code = main(["-q", "say", "Peter bought a map.", "--size", "96x96", "--fps", "15",
                 "--background", "#00ff00", "-o", str(out), "--plot", str(tmp_path / "v.png")])
    assert code == 0, capsys.readouterr().err
    assert probe(out).video_frames > 10
    assert (tmp_path / "v.png").stat().st_size > 5000
    first = _first_frame(out)
    corner = first[:8, :8].reshape(-1, 3).mean(axis=0)
    assert corner[1] > 200 and corner[0] < 60 and corner[2] < 60  # green background


def _first_frame(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_bad_avatar_is_refused_before_anything_heavy_loads(tmp_path: Path) -> None:
    """Arguments are checked first: no model, voice or GL library is imported to refuse
    a missing avatar (the wall time of it is in ``bench say``)."""
    import subprocess
    import sys

    script = ("import sys; from stage.cli import main; "
              "rc = main(['-q', 'say', 'hi', '--avatar', '/nonexistent.glb', '-o', sys.argv[1]]); "
              "heavy = [m for m in ('torch', 'onnxruntime', 'moderngl', 'piper', 'librosa') "
              "if m in sys.modules]; print(rc, len(heavy), *heavy)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "o.mp4")],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split()[:2] == ["2", "0"], done.stdout + done.stderr
    assert "avatar file not found: /nonexistent.glb" in done.stderr


def test_verbose_is_about_vhuman_not_compiler_internals(tmp_path: Path) -> None:
    import logging

    assert main(["-v", "say", "hi", "--avatar", "/nonexistent.glb",
                 "-o", str(tmp_path / "o.mp4")]) == 2
    assert logging.getLogger("numba.core.ssa").getEffectiveLevel() == logging.WARNING
