"""``vhuman avatar play``: an avatar's own clip rendered to video, natively or retargeted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.avatar.fixtures import mixamo_arkit_glb
from vhuman.models.types import InputError


def test_avatar_play_renders_the_clip(tmp_path: Path):
    from vhuman.stage.avatar_play import render_avatar_clip
    from vhuman.stage.media import probe
    from vhuman.stage.say import RenderOptions

    path = mixamo_arkit_glb(tmp_path)
    opts = RenderOptions(width=64, height=64, fps=10.0, camera="full_body")
    out = render_avatar_clip(path, "turn", tmp_path / "clip.mp4", loops=2, options=opts)
    assert out.frames == 20 and probe(out.path).video_frames == 20
    on = render_avatar_clip(path, "turn", tmp_path / "on.mp4", on_builtin=True, options=opts)
    assert on.frames == 10
    with pytest.raises(InputError):
        render_avatar_clip(path, "turn", tmp_path / "x.mp4", loops=0, options=opts)
