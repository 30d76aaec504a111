"""The built-in character: generated, cached, loadable, rigged, with working face shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygltflib
import pytest

from avatar.builtin import MORPH_NAMES, build_builtin_glb, builtin_avatar_path
from avatar.character import Character
from avatar.loader import load_avatar
from models.types import EXPRESSION_SHAPES, HUMANOID_BONES, VISEMES, viseme_shape_name


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Character:
    cache = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("VHUMAN_CACHE", str(cache))
    try:
        return load_avatar()
    finally:
        mp.undo()


def _morphed(c: Character, shape: str, weight: float = 1.0) -> list[np.ndarray]:
    out = [m.positions.copy() for m in c.meshes]
    for part, k, w in c.shapes[shape].morphs:
        out[part] += weight * w * c.meshes[part].morph_positions[k]
    return out


def _rest_world(c: Character) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    sk = c.skeleton
    world = np.zeros((sk.num_joints, 4, 4))
    for j in range(sk.num_joints):
        m = np.eye(4)
        m[:3, :3] = Rotation.from_quat(sk.rest_rotation[j]).as_matrix() * sk.rest_scale[j]
        m[:3, 3] = sk.rest_translation[j]
        world[j] = m if sk.parents[j] < 0 else world[sk.parents[j]] @ m
    return world


def test_glb_is_valid_gltf_with_named_targets_and_vrm(tmp_path: Path) -> None:
    path = build_builtin_glb(tmp_path / "host.glb")
    doc = pygltflib.GLTF2.load_binary(str(path))
    face = next(m for m in doc.meshes if m.extras.get("targetNames"))
    assert face.extras["targetNames"] == MORPH_NAMES
    assert all(len(p.targets) == len(MORPH_NAMES) for p in face.primitives)
    vrm = doc.extensions["VRMC_vrm"]
    assert set(vrm["humanoid"]["humanBones"]) == set(HUMANOID_BONES)
    assert {"aa", "ih", "ou", "ee", "oh", "blink", "happy", "sad", "angry", "surprised"} <= set(
        vrm["expressions"]["preset"])
    names = {n.name for n in doc.nodes}
    assert set(HUMANOID_BONES) <= names


def test_cache_generates_once_per_version(tmp_path: Path) -> None:
    first = builtin_avatar_path(tmp_path)
    stamp = first.stat().st_mtime_ns
    again = builtin_avatar_path(tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temp files left


def test_looks_like_a_full_humanoid(host: Character) -> None:
    assert 10_000 <= host.num_triangles <= 40_000
    lo, hi = host.bounds()
    assert 1.6 < hi[1] - lo[1] < 1.9 and lo[1] > -0.02  # stands on the floor, ~1.75 m
    assert len({m.name for m in host.materials}) >= 8  # skin, hair, eyes, clothes...
    hips = host.skeleton.humanoid["hips"]
    world = _rest_world(host)
    assert 0.9 < world[hips, 1, 3] < 1.05
    assert set(host.skeleton.humanoid) == set(HUMANOID_BONES)
    assert set(host.meta["humanoid_source"].values()) == {"vrm"}
    for m in host.meshes:
        assert np.all(np.isfinite(m.positions)) and np.allclose(m.weights.sum(1), 1, atol=1e-5)
        assert np.allclose(np.linalg.norm(m.normals, axis=1), 1, atol=1e-3)


def test_rest_pose_skinning_reproduces_positions(host: Character) -> None:
    world = _rest_world(host)
    for m in host.meshes:
        mats = world[m.joints] @ host.skeleton.inverse_bind[m.joints]
        p = np.einsum("vkij,vj->vki", mats[..., :3, :3], m.positions) + mats[..., :3, 3]
        p = (p * m.weights[..., None]).sum(1)
        assert np.abs(p - m.positions).max() < 1e-5


def test_elbow_weights_blend_smoothly(host: Character) -> None:
    sk = host.skeleton
    elbow = sk.humanoid["leftLowerArm"]
    upper = sk.humanoid["leftUpperArm"]
    world = _rest_world(host)
    ex = world[elbow, 0, 3]
    sleeve = next(m for m in host.meshes if m.name.startswith("Body")
                  and host.materials[m.material].name == "jacket")
    near = np.abs(sleeve.positions[:, 0] - ex) < 0.01
    w_low = np.where(sleeve.joints == elbow, sleeve.weights, 0).sum(1)[near]
    w_up = np.where(sleeve.joints == upper, sleeve.weights, 0).sum(1)[near]
    # vertices at the elbow share the two bones (no hard seam, no candy wrapper)
    assert near.sum() > 10 and np.all(w_low > 0.2) and np.all(w_up > 0.2)


def test_every_viseme_and_expression_is_mapped_directly(host: Character) -> None:
    wanted = [viseme_shape_name(v) for v in VISEMES] + list(EXPRESSION_SHAPES)
    assert set(wanted) <= set(host.shapes)
    for name in wanted:
        if name != "viseme_sil":
            assert host.shapes[name].morphs, name
            assert host.meta["shape_source"][name] == "direct"


def _mouth_opening(c: Character, shape: str | None) -> float:
    """Vertical extent of the dark mouth cavity (metres)."""
    pos = _morphed(c, shape) if shape else [m.positions for m in c.meshes]
    cav = [p for p, m in zip(pos, c.meshes, strict=False) if c.materials[m.material].name == "mouth"]
    y = np.concatenate(cav)[:, 1]
    return float(y.max() - y.min())


def _mouth_width(c: Character, shape: str | None) -> float:
    pos = _morphed(c, shape) if shape else [m.positions for m in c.meshes]
    lips = [p for p, m in zip(pos, c.meshes, strict=False) if c.materials[m.material].name == "lips"]
    x = np.concatenate(lips)[:, 0]
    return float(x.max() - x.min())


def test_visemes_are_visibly_distinct(host: Character) -> None:
    neutral = _mouth_opening(host, None)
    assert neutral < 0.003  # closed lips at rest
    assert _mouth_opening(host, "viseme_aa") > 0.02  # wide open
    assert _mouth_opening(host, "viseme_PP") <= neutral  # lips pressed
    assert _mouth_width(host, "viseme_ou") < 0.7 * _mouth_width(host, None)  # rounded
    assert _mouth_width(host, "viseme_E") > 1.1 * _mouth_width(host, None)  # wide
    shapes = [viseme_shape_name(v) for v in VISEMES if v.value != "sil"]
    flat = {s: np.concatenate(_morphed(host, s)) for s in shapes}
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            assert np.abs(flat[a] - flat[b]).max() > 5e-4, (a, b)


def test_blink_closes_the_eyes(host: Character) -> None:
    def lid_bottom(shape: str | None, side: float) -> float:
        pos = _morphed(host, shape) if shape else [m.positions for m in host.meshes]
        lash = [p for p, m in zip(pos, host.meshes, strict=False) if host.materials[m.material].name == "lash"]
        pts = np.concatenate(lash)
        eye = np.abs(pts[:, 0] - side * 0.047) < 0.01  # the lid edge (lash line) above it
        return float(pts[eye, 1].min())

    for side, shape in ((1.0, "blinkLeft"), (-1.0, "blinkRight")):
        assert lid_bottom(shape, side) < lid_bottom(None, side) - 0.02
        assert lid_bottom("blink", side) < lid_bottom(None, side) - 0.02
    assert abs(lid_bottom("blinkLeft", -1.0) - lid_bottom(None, -1.0)) < 1e-6
