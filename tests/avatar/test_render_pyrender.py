"""pyrender renderer: in-place buffer updates, transparency, morphs, errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.avatar.rig_fixtures import MOUTH_Y, make_box_character, posed_frames, project
from vhuman.avatar.render import create_renderer
from vhuman.avatar.render.platform import choose_platform
from vhuman.models.types import InputError

SIZE = 128
BG = (30, 42, 58)


@pytest.fixture(scope="module")
def character():
    return make_box_character()


@pytest.fixture(scope="module")
def renderer(character):
    r = create_renderer("pyrender", character, SIZE, SIZE, camera="portrait")
    yield r
    r.close()


def _fg(img: np.ndarray) -> np.ndarray:
    return np.abs(img[..., :3].astype(int) - BG).sum(-1) > 30


def test_renders_and_updates_vertices_in_place(renderer, character) -> None:
    rest = posed_frames(character)
    bent = posed_frames(character, bones={"chest": [0.0, 0.0, 0.2588, 0.9659]})  # 30° about Z
    a = renderer.render(*rest)
    b = renderer.render(*bent)
    c = renderer.render(*rest)
    assert a.shape == (SIZE, SIZE, 3) and tuple(a[0, 0]) == BG
    assert _fg(a)[SIZE // 2, SIZE // 2]
    assert (_fg(a) != _fg(b)).mean() > 0.05  # the new pose reached the GPU buffers
    assert np.abs(a.astype(int) - c.astype(int)).max() <= 1  # and back again


def test_morph_changes_the_mouth_region(renderer, character) -> None:
    a = renderer.render(*posed_frames(character))
    b = renderer.render(*posed_frames(character, morphs={"viseme_aa": 1.0}))
    changed = np.abs(a.astype(int) - b.astype(int)).sum(-1) > 20
    cx, cy = project(renderer.camera, renderer.aspect, (0, sum(MOUTH_Y) / 2, 0.2), SIZE, SIZE)
    rows, cols = np.nonzero(changed)
    assert len(rows) > 30
    assert abs(rows.mean() - cy) < SIZE * 0.1 and abs(cols.mean() - cx) < SIZE * 0.1


def test_transparent_rgba(character) -> None:
    with create_renderer("pyrender", character, 96, 96, camera="full_body", transparent=True) as r:
        img = r.render(*posed_frames(character))
    assert img.shape == (96, 96, 4)
    assert img[0, 0, 3] == 0 and img[48, 48, 3] == 255


def test_bad_input_and_platform_choice(renderer, character) -> None:
    pos, nrm = posed_frames(character)
    with pytest.raises(InputError, match="NaN"):
        renderer.render([np.full_like(pos[0], np.nan), pos[1]], nrm)
    with pytest.raises(InputError, match="positions\\[1\\]"):
        renderer.render([pos[0], np.zeros((0, 3), np.float32)], nrm)
    assert choose_platform("pyrender", "OSMesa") == "osmesa"
    assert choose_platform("moderngl") == "egl"
    with pytest.raises(InputError, match="EGL"):
        choose_platform("moderngl", "osmesa")
    with pytest.raises(InputError, match="platform"):
        choose_platform("pyrender", "wgl")
