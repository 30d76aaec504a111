"""moderngl (EGL) renderer: images, transparency, morphs, cameras, materials, errors."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from PIL import Image

from tests.avatar.rig_fixtures import MOUTH_Y, make_box_character, posed_frames, project
from vhuman.avatar.render import create_renderer
from vhuman.avatar.render.base import parse_color
from vhuman.avatar.render.camera import camera_preset
from vhuman.models.types import InputError, VhumanError

SIZE = 160
BG = (30, 42, 58)  # "#1e2a3a"


@pytest.fixture(scope="module")
def character():
    return make_box_character()


@pytest.fixture(scope="module")
def rest(character):
    return posed_frames(character)


def _fg(img: np.ndarray) -> np.ndarray:
    return np.abs(img[..., :3].astype(int) - BG).sum(-1) > 30


def test_renders_character_over_background(character, rest) -> None:
    with create_renderer("moderngl", character, SIZE, SIZE, camera="half_body") as r:
        img = r.render(*rest)
    assert img.shape == (SIZE, SIZE, 3) and img.dtype == np.uint8
    assert tuple(img[0, 0]) == BG and tuple(img[-1, -1]) == BG
    fg = _fg(img)
    assert fg[SIZE // 2, SIZE // 2] and 0.05 < fg.mean() < 0.6
    assert img[fg].mean(0)[0] > img[fg].mean(0)[2]  # warm skin tone, not grey


def test_transparent_background_has_zero_alpha_outside(character, rest) -> None:
    with create_renderer(
        "moderngl", character, SIZE, SIZE, camera="full_body", transparent=True, msaa=4
    ) as r:
        img = r.render(*rest)
    assert img.shape == (SIZE, SIZE, 4)
    assert img[0, 0, 3] == 0 and img[:, :10, 3].max() == 0
    assert img[SIZE // 2, SIZE // 2, 3] == 255
    edge = (img[..., 3] > 0) & (img[..., 3] < 255)
    assert edge.any()  # MSAA gives soft silhouettes, straight (not premultiplied) colour
    assert img[edge][:, :3].mean() > 100


def test_morph_changes_the_mouth_region_only(character, rest) -> None:
    mouth = posed_frames(character, morphs={"viseme_aa": 1.0})
    with create_renderer("moderngl", character, SIZE, SIZE, camera="portrait") as r:
        a, b = r.render(*rest), r.render(*mouth)
        cx, cy = project(r.camera, r.aspect, (0, sum(MOUTH_Y) / 2, 0.2), SIZE, SIZE)
    changed = np.abs(a.astype(int) - b.astype(int)).sum(-1) > 20
    assert changed.sum() > 50
    rows, cols = np.nonzero(changed)
    assert abs(rows.mean() - cy) < SIZE * 0.1 and abs(cols.mean() - cx) < SIZE * 0.1


def test_bad_input_raises_clear_errors(character, rest) -> None:
    pos, nrm = rest
    with create_renderer("moderngl", character, 64, 64) as r:
        with pytest.raises(InputError, match="positions\\[0\\]"):
            r.render([np.zeros((0, 3), np.float32), pos[1]], nrm)
        bad = pos[0].copy()
        bad[5, 1] = np.nan
        with pytest.raises(InputError, match="NaN"):
            r.render([bad, pos[1]], nrm)
        with pytest.raises(InputError, match="2 meshes"):
            r.render(pos[:1], nrm[:1])
    with pytest.raises(VhumanError, match="closed"):
        r.render(pos, nrm)
    with pytest.raises(InputError, match="backend"):
        create_renderer("vulkan", character)
    with pytest.raises(InputError, match="camera"):
        create_renderer("moderngl", character, 64, 64, camera="selfie")
    with pytest.raises(InputError, match="width"):
        create_renderer("moderngl", character, 0, 64)


def test_camera_presets_frame_the_character(character, rest) -> None:
    rows = {}
    with create_renderer("moderngl", character, SIZE, SIZE, camera="full_body") as r:
        for preset in ("full_body", "half_body", "portrait"):
            r.set_camera(preset)
            fg = _fg(r.render(*rest))
            occupied = np.nonzero(fg.any(axis=1))[0]
            rows[preset] = (occupied.min(), occupied.max())
        r.set_camera("orbit", angle=math.pi / 2)
        side = _fg(r.render(*rest))
        r.set_camera("orbit", angle=0.0)
        front = _fg(r.render(*rest))
    top, bottom = rows["full_body"]
    assert top > 0 and bottom < SIZE - 1 and bottom - top > 0.8 * SIZE  # whole body, margins
    assert rows["portrait"][1] == SIZE - 1 and rows["portrait"][0] > 0  # cut at the chest
    assert side.any(axis=0).sum() < 0.9 * front.any(axis=0).sum()  # 0.4 m deep vs 0.5 wide
    cam = camera_preset("portrait", character)
    assert cam.eye[1] > cam.target[1]  # looks slightly down
    assert (
        camera_preset("orbit", character, time=7.5).eye
        != camera_preset("orbit", character, time=0).eye
    )


def test_background_image_and_colour_parsing(character, rest, tmp_path) -> None:
    image = np.zeros((32, 48, 3), np.uint8)
    image[:, :24] = (200, 10, 10)
    image[:, 24:] = (10, 10, 200)
    path = tmp_path / "bg.png"
    Image.fromarray(image).save(path)
    with create_renderer("moderngl", character, 96, 64, camera="portrait", background=path) as r:
        img = r.render(*rest)
    assert tuple(img[2, 2]) == (200, 10, 10) and tuple(img[2, -3]) == (10, 10, 200)
    assert parse_color("#fff") == (1.0, 1.0, 1.0, 1.0)
    assert parse_color((255, 0, 0)) == (1.0, 0.0, 0.0, 1.0)
    with pytest.raises(InputError, match="background"):
        parse_color("#zz0000")
    with pytest.raises(InputError, match="does not exist"):
        create_renderer("moderngl", character, 64, 64, background=tmp_path / "missing.png")


def test_alpha_modes_blend_and_mask(character, rest) -> None:
    def visor_pixels(alpha_mode: str, alpha: float) -> np.ndarray:
        ch = dataclasses.replace(character, materials=list(character.materials))
        ch.materials[1] = dataclasses.replace(
            ch.materials[1], alpha_mode=alpha_mode, base_color=(1, 1, 1, alpha)
        )
        with create_renderer("moderngl", ch, SIZE, SIZE, camera="portrait") as r:
            img = r.render(*rest)
            cx, cy = project(r.camera, r.aspect, (0.0, 1.88, 0.23), SIZE, SIZE)
        return (
            img[int(cy) - 3 : int(cy) + 3, int(cx) - 12 : int(cx) + 12].reshape(-1, 3).astype(int)
        )

    opaque = visor_pixels("OPAQUE", 1.0)
    blend = visor_pixels("BLEND", 0.5)
    masked = visor_pixels("MASK", 0.3)  # below the 0.5 cutoff: the visor disappears
    without = make_box_character(with_visor=False)
    with create_renderer("moderngl", without, SIZE, SIZE, camera="portrait") as r:
        img = r.render(*posed_frames(without))
        cx, cy = project(r.camera, r.aspect, (0.0, 1.88, 0.23), SIZE, SIZE)
    bare = img[int(cy) - 3 : int(cy) + 3, int(cx) - 12 : int(cx) + 12].reshape(-1, 3).astype(int)
    assert np.abs(masked - bare).max() <= 2
    assert np.abs(opaque - bare).mean() > 20  # red/white stripes cover the face
    blend_gap = np.abs(blend - bare).mean()
    assert 0.2 * np.abs(opaque - bare).mean() < blend_gap < 0.8 * np.abs(opaque - bare).mean()


def test_accepts_torch_tensors(character) -> None:
    import torch

    pos, nrm = posed_frames(character)
    with create_renderer("moderngl", character, 64, 64) as r:
        a = r.render(pos, nrm)
        b = r.render([torch.from_numpy(p) for p in pos], [torch.from_numpy(n) for n in nrm])
    assert np.array_equal(a, b)


def test_render_packed_matches_per_mesh_render_and_reads_into_out(character) -> None:
    from vhuman.animation.clip import MotionClip
    from vhuman.avatar.rig import Rig

    clip = MotionClip.rest(2, morph_names=["viseme_aa"], bone_names=["chest"])
    clip.morph[1, 0] = 1.0
    clip.rotations[1, 0] = (0.0, 0.0, 0.2588, 0.9659)  # 30° about Z
    rig = Rig(character, device="cpu")
    packed = rig.evaluate_packed(clip, as_numpy=True)
    meshes = rig.evaluate(clip)
    with create_renderer("moderngl", character, 96, 96, camera="half_body") as r:
        out = np.zeros((96, 96, 3), np.uint8)
        a = r.render_packed(packed.positions[1], packed.normals[1], out=out)
        b = r.render([m.positions[1] for m in meshes], [m.normals[1] for m in meshes])
        rest = r.render_packed(packed.positions[0], packed.normals[0])
        with pytest.raises(InputError, match="packed positions"):
            r.render_packed(packed.positions[1][:-1], packed.normals[1])
        with pytest.raises(InputError, match="out must be"):
            r.render_packed(packed.positions[1], packed.normals[1], out=np.zeros((96, 96, 4)))
    assert a is out and np.array_equal(a, b)
    assert _fg(a).sum() > 500 and (np.abs(a.astype(int) - rest.astype(int)).sum(-1) > 20).sum() > 50
