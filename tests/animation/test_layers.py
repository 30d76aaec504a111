import numpy as np
import pytest

from tests.animation.speech_fixtures import chunk
from vhuman.animation import quat as Q
from vhuman.animation.clip import MotionClip
from vhuman.animation.idle import idle_clip
from vhuman.animation.layers import MOUTH_SHAPES, PRIORITY, Layer, LayerStack, mask
from vhuman.animation.lipsync import lipsync
from vhuman.animation.performance import perform
from vhuman.models.types import InputError


def _const_clip(n, shapes=(), bones=(), value=0.0, euler=(0, 0, 0)):
    c = MotionClip.rest(n, 30, list(shapes), list(bones))
    c.morph[:] = value
    c.rotations[:] = Q.from_euler(np.array(euler, float))
    return c


def test_the_mouth_wins_over_idle_and_expression_whatever_the_order():
    n = 30
    mouth = _const_clip(n, MOUTH_SHAPES, value=0.0)
    mouth.morph[:, mouth.morph_names.index("viseme_PP")] = 1.0
    yawning_idle = _const_clip(n, ("viseme_aa", "jawOpen", "blink"), value=0.9)
    grin = _const_clip(n, ("viseme_E", "jawOpen", "smile"), value=0.8)
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        stack = LayerStack(n)
        layers = [
            Layer("lipsync", mouth, PRIORITY["lipsync"], shape_mask=mask(MOUTH_SHAPES)),
            Layer("idle", yawning_idle, PRIORITY["idle"], mode="additive"),
            Layer("expression", grin, PRIORITY["expression"]),
        ]
        for k in order:
            stack.add(layers[k])
        out = stack.evaluate()
        assert np.allclose(out.weights("viseme_PP"), 1.0)
        assert np.allclose(out.weights("viseme_aa"), 0.0) and np.allclose(
            out.weights("jawOpen"), 0.0
        )
        assert np.allclose(out.weights("viseme_E"), 0.0)
        assert np.allclose(out.weights("smile"), 0.8) and np.allclose(out.weights("blink"), 0.9)


def test_bone_masks_and_cross_fades():
    n = 60
    stack = LayerStack(n)
    stack.add(Layer("base", _const_clip(n, bones=("head", "neck"), euler=(0, 0, 0)), 0))
    wave = _const_clip(30, bones=("head", "neck"), euler=(40, 0, 0))
    stack.add(
        Layer("gesture", wave, 30, bone_mask={"head": 1.0}, start=0.5, fade_in=0.25, fade_out=0.25)
    )
    out = stack.evaluate()
    head = Q.to_euler(out.rotations[:, out.bone_index("head")])[:, 0]
    neck = Q.to_euler(out.rotations[:, out.bone_index("neck")])[:, 0]
    assert np.allclose(neck, 0.0, atol=1e-4)  # masked out
    assert np.allclose(head[:15], 0, atol=1e-4) and np.allclose(head[46:], 0, atol=1e-4)
    assert head[30] == pytest.approx(40, abs=1e-3)  # fully in
    assert 5 < head[18] < 35  # fading in: between the two poses
    assert np.all(np.diff(head[15:23]) >= -1e-6)


def test_additive_layers_stack_on_top_of_the_pose():
    n = 10
    stack = LayerStack(n)
    stack.add(Layer("base", _const_clip(n, bones=("head",), euler=(10, 0, 0)), 0))
    stack.add(
        Layer(
            "nod", _const_clip(n, bones=("head",), euler=(5, 0, 0)), 10, mode="additive", weight=0.5
        )
    )
    out = stack.evaluate()
    assert Q.to_euler(out.rotations[0, out.bone_index("head")])[0] == pytest.approx(12.5, abs=1e-3)
    with pytest.raises(InputError, match="mode"):
        Layer("x", _const_clip(2), mode="multiply")
    with pytest.raises(InputError, match="fps"):
        LayerStack(5, fps=25).add(Layer("x", _const_clip(2)))


def test_idle_never_overwrites_the_lipsync_mouth_in_perform():
    c = chunk([(" ", 0.2), ("ɑ", 0.2), ("m", 0.08), ("ɑ", 0.3), (" ", 0.2)])
    clip = perform([c], emotion="happy", intensity=1.0, seed=3)
    visemes = lipsync([c], num_frames=clip.num_frames)
    cols = [clip.morph_index(f"viseme_{v}") for v in ("sil", "PP", "aa")]
    assert np.allclose(clip.morph[:, cols], visemes[:, [0, 1, 10]], atol=1e-6)
    assert clip.weights("smile").max() > 0.5  # the expression still shows elsewhere on the face
    assert np.allclose(clip.weights("jawOpen"), 0.0)
    assert idle_clip(10, seed=0).morph_names == ["blink"]  # idle writes only the eyelids
