"""VRM expressions in full: texture-transform and material-colour binds, isBinary and the
override rules, checked on the VRM specification's self-checking sample (its validation
window shows green ticks only when every rule is applied right) and on VRM 0.x groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.avatar.fixtures import vrm0_file
from vhuman.animation.clip import MotionClip
from vhuman.avatar.character import MaterialBind, ShapeBinding
from vhuman.avatar.compat import shared_avatars_dir
from vhuman.avatar.expressions import ExpressionRules, material_frames
from vhuman.avatar.gltf_read import read_gltf
from vhuman.avatar.loader import load_avatar
from vhuman.avatar.render import create_renderer, render_motion
from vhuman.avatar.rig import Rig
from vhuman.avatar.vrm import _rules0

SHARED = shared_avatars_dir()
SAMPLE = "VRMC_vrm_expressions_isBinary_Overridden.vrm"
# (happy, blink) inputs: plain, binary thresholds, blink overridden by a partial smile
CASES = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.4, 1.0), (1.0, 0.0), (0.3, 0.4), (0.0, 0.6),
         (0.5, 0.7)]


def _render(character, cases):
    clip = MotionClip.rest(len(cases), 30.0, ["happy", "blink"], [])
    clip.morph[:] = np.asarray(cases, np.float32)
    renderer = create_renderer("moderngl", character, 96, 96, camera="full_body")
    try:
        return [img[..., :3].astype(int) for img in
                render_motion(Rig(character, device="cpu"), renderer, clip)]
    finally:
        renderer.close()


def _green_red(img):
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    green = (g > 110) & (r < 90) & (b < 90)
    red = (r > 150) & (g < 110) & (b < 90)
    return green.mean(), red.mean()


@pytest.mark.skipif(SHARED is None, reason="shared/data/avatars not present")
def test_self_checking_sample_shows_green_ticks_at_every_test_value():
    character = load_avatar(SHARED / SAMPLE)
    assert {"happy", "blink"} <= set(character.shapes)
    assert character.shapes["blink"].is_binary
    assert character.shapes["happy"].override_blink == "blend"
    for (happy, blink), img in zip(CASES, _render(character, CASES), strict=True):
        green, red = _green_red(img)
        assert green > 0.15 and red < 0.002, (happy, blink, green, red)
    # without the override rule a smiling blink would show: the sample notices (red)
    character.shapes["vrm:happy"].override_blink = "none"
    character.shapes["vrm:blink"].is_binary = False
    green, red = _green_red(_render(character, [(0.4, 1.0)])[0])
    assert red > 0.05


def test_binary_and_override_rules():
    class Face:
        shapes = {"blink": ShapeBinding(is_binary=True),
                  "happy": ShapeBinding(override_blink="blend", override_mouth="block"),
                  "viseme_aa": ShapeBinding()}

    rules = ExpressionRules(Face(), ("blink", "happy", "viseme_aa"))  # type: ignore[arg-type]
    w = np.array([[0.6, 0.0, 0.8], [1.0, 0.4, 0.8], [0.4, 0.0, 0.8], [1.0, 1.0, 0.5]])
    out = rules.apply(w)
    assert out[0].tolist() == pytest.approx([1.0, 0.0, 0.8])  # binary rounds up
    assert out[1].tolist() == pytest.approx([0.0, 0.4, 0.0])  # blended binary blink -> off
    assert out[2].tolist() == pytest.approx([0.0, 0.0, 0.8])  # binary rounds down
    assert out[3].tolist() == pytest.approx([0.0, 1.0, 0.0])  # mouth blocked by happy


def test_material_colour_binds_blend_from_the_authored_value():
    class Avatar:
        from vhuman.avatar.character import Material

        materials = [Material(base_color=(1.0, 1.0, 1.0, 1.0))]
        shapes = {"angry": ShapeBinding(materials=[MaterialBind(0, "color", (1.0, 0.0, 0.0, 1.0))])}

    frames = material_frames(Avatar(), ("angry",), np.array([[0.0], [0.5], [1.0]]))  # type: ignore[arg-type]
    assert frames is not None
    assert frames.colors[:, 0, 1].tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert frames.uv[:, 0].tolist() == [[0.0, 0.0, 1.0, 1.0]] * 3


def test_vrm0_material_values(tmp_path: Path):
    data = read_gltf(vrm0_file(tmp_path))
    name = data.items("materials")[0]["name"]
    group = {"isBinary": True, "materialValues": [
        {"materialName": name, "propertyName": "_Color", "targetValue": [1, 0, 0, 1]},
        {"materialName": name, "propertyName": "_MainTex_ST", "targetValue": [0.5, 0.5, 0.5, 0]},
        {"materialName": "missing", "propertyName": "_Color", "targetValue": [1, 0, 0, 1]},
    ]}
    rules = _rules0(group, data)
    assert rules.is_binary
    kinds = {b.kind: b.target for b in rules.materials}
    assert kinds["color"] == (1.0, 0.0, 0.0, 1.0)
    assert kinds["uv"] == (0.5, 0.5, 0.5, 0.5)  # Unity's V from the bottom -> glTF's


def test_override_look_at_holds_the_eyes():
    from vhuman.animation import quat

    character = load_avatar(None)
    character.shapes["surprised"].override_look_at = "block"
    rig = Rig(character, device="cpu")
    clip = MotionClip.rest(2, 30.0, ["surprised"], ["leftEye"])
    clip.rotations[:, 0] = quat.from_euler(np.array([0.0, 20.0, 0.0]))
    clip.morph[1, 0] = 1.0
    world = rig.joint_transforms(clip).numpy()
    rest = rig.joint_transforms(MotionClip.rest(1, 30.0, [], [])).numpy()[0]
    eye = character.skeleton.humanoid["leftEye"]
    assert not np.allclose(world[0, eye, :3, :3], rest[eye, :3, :3], atol=1e-3)  # looks aside
    assert np.allclose(world[1, eye, :3, :3], rest[eye, :3, :3], atol=1e-4)  # held while surprised


def _performances():
    """Face weights of every way the engine drives a face: say (speech + emotion), every
    emotion at every intensity, a dance and a sung song."""
    from tests.animation.speech_fixtures import chunk, random_speech
    from vhuman.animation.performance import perform
    from vhuman.animation.sing import sing_motion
    from vhuman.avatar.compat import dance_clip
    from vhuman.models.types import Emotion

    speech = chunk(random_speech(8, seed=3))
    yield "say", perform([speech], fps=10.0, emotion="happy", intensity=1.0)
    for emo in Emotion:
        for inten in (0.3, 0.6, 1.0):
            yield f"{emo.value} {inten}", perform([], fps=10.0, emotion=emo, intensity=inten,
                                                  duration=1.2)
    yield "dance", dance_clip(4.0, fps=10.0)
    beats = np.arange(0.0, speech.duration, 0.5)
    yield "sing", sing_motion(speech, beats=beats, fps=10.0, intensity=1.0)


def _telling_frames(clip, k: int = 4) -> np.ndarray:
    """Frame indices where the face is busiest (the largest total weight), and the last."""
    total = np.asarray(clip.morph).sum(axis=1)
    busiest = np.argsort(-total, kind="stable")[:k]
    return np.unique(np.concatenate([busiest, [clip.num_frames - 1]]))


@pytest.mark.skipif(SHARED is None, reason="shared/data/avatars not present")
def test_self_check_panel_stays_green_through_every_performance():
    character = load_avatar(SHARED / SAMPLE)
    picked = [(name, clip, _telling_frames(clip)) for name, clip in _performances()]
    names = sorted({n for _, clip, _ in picked for n in clip.morph_names})
    rows, labels = [], []
    for name, clip, frames in picked:
        for f in frames:
            row = np.zeros(len(names), np.float32)
            for k, n in enumerate(clip.morph_names):
                row[names.index(n)] = clip.morph[f, k]
            rows.append(row)
            labels.append((name, int(f)))
    face = MotionClip.rest(len(rows), 30.0, names, [])
    face.morph[:] = np.stack(rows)
    rules = ExpressionRules(character, tuple(names))
    happy = rules.expression_weights(face.morph)[:, rules.out_names.index("vrm:happy")]
    assert happy.max() == pytest.approx(1.0)  # full smiles are in there, clamped to 1
    effective = rules.apply(face.morph)  # one weight per VRM expression, rules applied
    whole = [k for k, n in enumerate(rules.out_names) if n.startswith("vrm:")]
    assert effective[:, whole].min() >= 0.0 and effective[:, whole].max() <= 1.0
    binary = effective[:, [k for k in whole if rules.binary[k]]]
    assert set(np.unique(binary).tolist()) <= {0.0, 1.0}
    renderer = create_renderer("moderngl", character, 96, 96, camera="full_body")
    try:
        images = list(render_motion(Rig(character, device="cpu"), renderer, face))
    finally:
        renderer.close()
    for label, img in zip(labels, images, strict=True):
        green, red = _green_red(img[..., :3].astype(int))
        assert green > 0.15 and red < 0.002, (label, green, red)


def test_shapes_through_one_vrm_expression_share_one_clamped_weight(tmp_path: Path):
    character = load_avatar(vrm0_file(tmp_path))
    assert character.shapes["smile"].expressions == {"happy": 0.7}
    rules = ExpressionRules(character, ("happy", "smile", "blink"))
    assert "vrm:happy" in rules.out_names and "happy" not in rules.out_names
    out = rules.apply(np.array([[1.0, 1.0, 0.0], [0.2, 0.2, 0.0]], np.float32))
    k = rules.out_names.index("vrm:happy")
    assert out[:, k].tolist() == pytest.approx([1.0, 0.34])  # 1 + 0.7 clamped; 0.2 + 0.14
