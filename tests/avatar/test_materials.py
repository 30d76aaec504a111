"""Material extensions avatars use: KHR_texture_transform, KHR_materials_unlit,
KHR_materials_emissive_strength, VRM MToon (shade, rim, outline) and MToon UV animation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.avatar.fixtures import glb_parts, minimal_glb, write_glb
from vhuman.animation.clip import MotionClip
from vhuman.avatar.compat import shared_avatars_dir
from vhuman.avatar.loader import load_avatar
from vhuman.avatar.render import create_renderer, render_motion
from vhuman.avatar.rig import Rig

SHARED = shared_avatars_dir()


def _triangle(tmp_path: Path, material: dict) -> Path:
    doc, blob = glb_parts(minimal_glb(tmp_path))
    doc["materials"][0].update(material)
    doc.setdefault("extensionsUsed", []).extend(material.get("extensions", {}).keys())
    return write_glb(tmp_path / "m.glb", doc, blob)


def test_extensions_are_read(tmp_path: Path):
    path = _triangle(tmp_path, {
        "emissiveFactor": [0.5, 0.25, 0.0],
        "extensions": {
            "KHR_materials_unlit": {},
            "KHR_materials_emissive_strength": {"emissiveStrength": 4.0},
            "VRMC_materials_mtoon": {"specVersion": "1.0", "shadeColorFactor": [0.2, 0.1, 0.3],
                                     "shadingShiftFactor": -0.2, "outlineWidthMode":
                                     "worldCoordinates", "outlineWidthFactor": 0.01,
                                     "parametricRimColorFactor": [1, 1, 1]},
        },
        "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1]},
    })
    m = load_avatar(path).materials[0]
    assert m.unlit and m.emissive == pytest.approx((2.0, 1.0, 0.0))
    assert m.toon is not None and m.toon.shade_color == pytest.approx((0.2, 0.1, 0.3))
    assert m.toon.outline_width == pytest.approx(0.01) and m.toon.shading_shift == -0.2


def test_unlit_colour_is_shown_as_authored(tmp_path: Path):
    path = _triangle(tmp_path, {"extensions": {"KHR_materials_unlit": {}},
                                "doubleSided": True,
                                "pbrMetallicRoughness": {"baseColorFactor": [0.2, 0.6, 0.9, 1]}})
    character = load_avatar(path)
    renderer = create_renderer("moderngl", character, 64, 64, camera="full_body",
                               background="#000000")
    try:
        img = next(render_motion(Rig(character, device="cpu"), renderer,
                                 MotionClip.rest(1, 30.0, [], [])))[..., :3]
    finally:
        renderer.close()
    lit = img[img.sum(-1) > 30]
    want = (np.array([0.2, 0.6, 0.9]) ** (1 / 2.2)) * 255  # linear factor -> sRGB pixel
    assert len(lit) > 50 and np.abs(np.median(lit, axis=0) - want).max() < 4


@pytest.mark.skipif(SHARED is None, reason="shared/data/avatars not present")
def test_mtoon_uv_animation_moves_the_textures_with_time():
    character = load_avatar(SHARED / "VRMC_materials_mtoon_UV_Animation_Test.vrm")
    scroll = {m.name: m.toon.uv_scroll for m in character.materials if m.toon}
    assert scroll["ScrollX"] == (1.0, 0.0) and scroll["ScrollY"] == (0.0, 1.0)
    from vhuman.avatar.inspect import report_for

    assert "MToon UV animation x3, unlit x3" in report_for(character).to_text()
    rig = Rig(character, device="cpu")
    clip = MotionClip.rest(1, 30.0, [], [])
    renderer = create_renderer("moderngl", character, 96, 96, camera="full_body")
    try:
        a, b, c = (next(render_motion(rig, renderer, clip, t)).astype(int)
                   for t in (0.0, 0.25, 0.0))
    finally:
        renderer.close()
    assert np.abs(a - b).mean() > 2.0 and np.array_equal(a, c)


@pytest.mark.skipif(SHARED is None, reason="shared/data/avatars not present")
def test_texture_transform_shows_one_atlas_cell():
    character = load_avatar(SHARED / "VRMC_vrm_expressions_isBinary_Overridden.vrm")
    assert character.materials[0].uv_transform == pytest.approx((0, 0, 0.125, 0.125, 0))
