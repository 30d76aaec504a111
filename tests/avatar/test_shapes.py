"""Expression/viseme maps: ARKit combinations, direct names, jaw-bone fallback."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.avatar.fixtures import mixamo_arkit_glb
from tests.avatar.test_humanoid import _skeleton
from vhuman.avatar.character import Character, Material, MeshPart
from vhuman.avatar.loader import load_avatar
from vhuman.avatar.shapes import ARKIT_MAP, INTERNAL_SHAPES, build_shapes


def test_arkit_combinations(tmp_path: Path) -> None:
    c = load_avatar(mixamo_arkit_glb(tmp_path))
    src = c.meta["shape_source"]
    body = next(i for i, m in enumerate(c.meshes) if m.name == "Body")
    names = c.meshes[body].morph_names
    aa = {names[k]: w for _, k, w in c.shapes["viseme_aa"].morphs}
    assert src["viseme_aa"] == "arkit" and aa == {"jawOpen": 0.6}
    ou = {names[k]: w for _, k, w in c.shapes["viseme_ou"].morphs}
    assert ou["mouthPucker"] == 0.8 and ou["mouthFunnel"] == 0.3
    blink = {names[k] for _, k, _ in c.shapes["blink"].morphs}
    assert blink == {"eyeBlinkLeft", "eyeBlinkRight"}
    assert "sad" not in c.shapes  # nothing in the face can show it: not faked
    assert set(ARKIT_MAP) == set(INTERNAL_SHAPES)


def _face(morphs: list[str], jaw: bool) -> Character:
    pos = np.zeros((3, 3), np.float32)
    part = MeshPart("face", pos, pos + [0, 1, 0], np.array([[0, 1, 2]], np.uint32),
                    np.zeros((3, 4), np.int32), np.tile([1, 0, 0, 0], (3, 1)).astype(np.float32),
                    morph_names=morphs,
                    morph_positions=np.ones((len(morphs), 3, 3), np.float32) if morphs else None)
    sk = _skeleton(["head", "jaw"], [-1, 0])
    if jaw:
        sk.humanoid = {"head": 0, "jaw": 1}
    return Character("t", [part], [Material()], sk)


def test_direct_names_win_and_jaw_fallback() -> None:
    shapes, src = build_shapes(_face(["Wolf3D_Head.viseme_aa", "viseme_PP", "eyeBlinkLeft"],
                                     jaw=True))
    assert src["viseme_aa"] == "direct" and shapes["viseme_aa"].morphs == [(0, 0, 1.0)]
    assert src["blinkLeft"] == "arkit"
    assert "viseme_oh" not in shapes  # has mouth morphs: no jaw fallback mixing
    shapes, src = build_shapes(_face([], jaw=True))
    assert src["viseme_aa"] == "jaw" and shapes["viseme_aa"].jaw_open > 0.2
    assert shapes["viseme_PP"].jaw_open == 0.0
    assert shapes["viseme_aa"].jaw_open > shapes["viseme_ih"].jaw_open > 0
    shapes, src = build_shapes(_face([], jaw=False))
    assert list(shapes) == ["viseme_sil"]


def test_oculus_visemes_in_any_spelling_beat_arkit_combinations() -> None:
    names = ["viseme_I", "V_O", "visemeU", "vrc.v_ee", "VISEME_PP", "jawOpen", "mouthPucker",
             "mouthFunnel", "mouthStretchLeft", "mouthStretchRight"]
    shapes, src = build_shapes(_face(names, jaw=False))
    assert src["viseme_ih"] == "oculus" and shapes["viseme_ih"].morphs == [(0, 0, 1.0)]
    assert src["viseme_oh"] == "oculus" and shapes["viseme_oh"].morphs == [(0, 1, 1.0)]
    assert src["viseme_ou"] == "oculus" and shapes["viseme_ou"].morphs == [(0, 2, 1.0)]
    assert src["viseme_PP"] == "direct" and shapes["viseme_PP"].morphs == [(0, 4, 1.0)]
    assert src["viseme_aa"] == "arkit"  # no Oculus aa here: the ARKit combination stands in
    assert "viseme_E" not in src or src["viseme_E"] != "oculus"  # "ee" is not an Oculus name
