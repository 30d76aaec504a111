"""The built-in character: generated, cached, loadable, rigged, with working face shapes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pygltflib
import pytest

from vhuman.animation.vocabulary import (
    EXPRESSION_SHAPES,
    HUMANOID_BONES,
    VISEMES,
    viseme_shape_name,
)
from vhuman.avatar.builtin import MORPH_NAMES, build_builtin_glb, builtin_avatar_path
from vhuman.avatar.character import Character
from vhuman.avatar.loader import load_avatar


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
    assert host.meshes  # the loop below must check something
    for m in host.meshes:
        assert np.all(np.isfinite(m.positions)) and np.allclose(m.weights.sum(1), 1, atol=1e-5)
        assert np.allclose(np.linalg.norm(m.normals, axis=1), 1, atol=1e-3)


def test_rest_pose_skinning_reproduces_positions(host: Character) -> None:
    world = _rest_world(host)
    assert host.meshes  # the loop below must check something
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


def _material_vertices(c: Character, name: str, positions: list[np.ndarray] | None = None
                       ) -> np.ndarray:
    pos = positions if positions is not None else [m.positions for m in c.meshes]
    parts = [p for p, m in zip(pos, c.meshes, strict=True) if c.materials[m.material].name == name]
    return np.concatenate(parts) if parts else np.zeros((0, 3))


def test_hair_is_a_separate_two_tone_mesh_rigid_on_the_head(host: Character) -> None:
    hair = [m for m in host.meshes if m.name.startswith("Hair")]
    assert hair, [m.name for m in host.meshes]
    head = host.skeleton.humanoid["head"]
    for m in hair:
        assert np.all(m.joints[:, 0] == head) and np.allclose(m.weights[:, 0], 1.0)
    tones = {host.materials[m.material].base_color[:3] for m in hair}
    assert len(tones) >= 2  # a main colour and a shade
    pts = np.concatenate([m.positions for m in hair])
    lo, hi = host.bounds()
    assert pts[:, 1].max() == pytest.approx(hi[1], abs=1e-6)  # hair is the top of the head
    # bangs in front of the forehead, locks down the sides to the jaw, a ponytail behind
    face_front = max(m.positions[:, 2].max() for m in host.meshes if m.name.startswith("Face"))
    fringe = pts[(pts[:, 1] > 1.66) & (pts[:, 1] < 1.70) & (np.abs(pts[:, 0]) < 0.03)]
    assert len(fringe) and fringe[:, 2].max() > face_front - 0.02
    for s in (1.0, -1.0):
        side = pts[s * pts[:, 0] > 0.09]
        assert side[:, 1].min() < 1.50
    assert pts[:, 2].min() < -0.17 and pts[pts[:, 2] < -0.15, 1].min() < 1.48


def _covered(t: np.ndarray, x0: float, y0: float, step: float, n: int
             ) -> list[np.ndarray]:
    """(ray, depth, triangle) for each of an n x n grid of +Z rays that hits a triangle."""
    lo = np.floor((t[:, :, :2].min(1) - [x0, y0]) / step).astype(np.int64)
    hi = np.floor((t[:, :, :2].max(1) - [x0, y0]) / step).astype(np.int64)
    size = (hi - lo).max(1) + 1
    out = []
    for k in np.unique(2 ** np.ceil(np.log2(size)).astype(np.int64)):
        sel = np.flatnonzero((size <= k) & (size > k // 2))
        di, dj = np.divmod(np.arange(k * k), k)
        gi, gj = lo[sel, :1] + di, lo[sel, 1:] + dj
        a, b, c = (t[sel, i, None] for i in range(3))
        x, y = x0 + (gi + 0.5) * step - c[..., 0], y0 + (gj + 0.5) * step - c[..., 1]
        den = ((b[..., 1] - c[..., 1]) * (a[..., 0] - c[..., 0])
               + (c[..., 0] - b[..., 0]) * (a[..., 1] - c[..., 1]))
        den = np.where(np.abs(den) < 1e-14, np.nan, den)
        l1 = ((b[..., 1] - c[..., 1]) * x + (c[..., 0] - b[..., 0]) * y) / den
        l2 = ((c[..., 1] - a[..., 1]) * x + (a[..., 0] - c[..., 0]) * y) / den
        hit = (l1 >= 0) & (l2 >= 0) & (l1 + l2 <= 1) & (gj >= 0) & (gj < n)
        depth = l1 * a[..., 2] + l2 * b[..., 2] + (1 - l1 - l2) * c[..., 2]
        out.append(((gi * n + gj)[hit], depth[hit], np.broadcast_to(sel[:, None], hit.shape)[hit]))
    return [np.concatenate(v) for v in zip(*out, strict=True)]


def _near_coincident(c: Character, y0: float, y1: float, angle: float, n: int = 96,
                     gap: float = 5e-4) -> float:
    """Share of parallel view rays (from ``angle`` round the character, bind pose) whose two
    nearest surfaces are of different materials less than ``gap`` apart: where those
    surfaces would depth-fight (speckle) on screen."""
    pos = np.concatenate([m.positions for m in c.meshes]).astype(np.float64)
    offs = np.cumsum([0] + [m.num_vertices for m in c.meshes])
    tris = np.concatenate([m.indices.astype(np.int64) + o
                           for m, o in zip(c.meshes, offs[:-1], strict=True)])
    mats = np.concatenate([np.full(m.num_triangles, m.material) for m in c.meshes])
    co, si = np.cos(angle), np.sin(angle)
    p = np.stack([co * pos[:, 0] - si * pos[:, 2], pos[:, 1], si * pos[:, 0] + co * pos[:, 2]], 1)
    t = p[tris]
    keep = (t[:, :, 1].max(1) > y0) & (t[:, :, 1].min(1) < y1)
    t, mats = t[keep], mats[keep]
    ray, depth, tri = _covered(t, float(t[:, :, 0].min()), y0, (y1 - y0) / n, n)
    order = np.lexsort((-depth, ray))
    ray, depth, mat = ray[order], depth[order], mats[tri[order]]
    first = np.flatnonzero(np.r_[True, ray[1:] != ray[:-1]])
    second = first + 1
    second = second[second < len(ray)]
    second = second[ray[second] == ray[second - 1]]
    fights = (depth[second - 1] - depth[second] < gap) & (mat[second - 1] != mat[second])
    return float(fights.sum()) / len(first)


@pytest.mark.parametrize("angle", [0.0, np.pi / 4, np.pi / 2, np.pi, -np.pi / 2])
def test_collar_and_chest_layers_never_depth_fight(host: Character, angle: float) -> None:
    # shirt, tie, collar points, lapels, badge and collars are stacked millimetres apart:
    # from the front, sides and back no two of them may (nearly) coincide
    assert _near_coincident(host, 1.30, 1.48, angle) < 0.01
    assert _near_coincident(host, 1.10, 1.40, angle) < 0.01


def test_depth_fight_check_sees_coplanar_layers(host: Character) -> None:
    # the check above is not blind: a copy of the jacket in another material is caught
    jacket = next(i for i, m in enumerate(host.materials) if m.name == "jacket")
    twin = next(m for m in host.meshes if m.material == jacket)
    copy = Character("twin", [twin, dataclasses.replace(twin, material=jacket + 1)],
                     host.materials, host.skeleton)
    assert _near_coincident(copy, 1.10, 1.40, 0.0) > 0.5


def _pose_arms_down(c: Character, degrees: float = 65.0) -> list[np.ndarray]:
    """Bind-pose meshes skinned with both upper arms lowered from the T-pose (numpy LBS)."""
    from scipy.spatial.transform import Rotation

    sk = c.skeleton
    local = np.zeros((sk.num_joints, 4, 4))
    for j in range(sk.num_joints):
        local[j] = np.eye(4)
        local[j, :3, :3] = Rotation.from_quat(sk.rest_rotation[j]).as_matrix()
        local[j, :3, 3] = sk.rest_translation[j]
    for side, s in (("left", -1.0), ("right", 1.0)):
        j = sk.humanoid[f"{side}UpperArm"]
        local[j, :3, :3] = local[j, :3, :3] @ Rotation.from_euler("z", s * degrees,
                                                                   degrees=True).as_matrix()
    world = np.zeros_like(local)
    for j in range(sk.num_joints):
        world[j] = local[j] if sk.parents[j] < 0 else world[sk.parents[j]] @ local[j]
    out = []
    assert c.meshes  # the loop below must check something
    for m in c.meshes:
        mats = world[m.joints] @ sk.inverse_bind[m.joints]
        p = np.einsum("vkij,vj->vki", mats[..., :3, :3], m.positions) + mats[..., :3, 3]
        out.append((p * m.weights[..., None]).sum(1))
    return out


def test_chest_props_stay_flat_on_the_chest_when_the_arms_lower(host: Character) -> None:
    posed = _pose_arms_down(host)
    hands = _material_vertices(host, "skin", posed)
    assert hands[:, 1].min() < 1.0  # the arms really hang down
    for name in ("badge", "lapel", "tie"):
        rest, moved = _material_vertices(host, name), _material_vertices(host, name, posed)
        chest = (np.abs(rest[:, 0]) < 0.13) & (rest[:, 1] > 1.1) & (rest[:, 1] < 1.4)
        shift = (moved - rest)[chest]  # lapel material on the chest (not the cuffs)
        # the piece moves as one (no corner dragged along by the arm): no stretching
        assert np.abs(shift - shift.mean(0)).max() < 0.004, name


def test_host_props_headset_mic_at_the_mouth_and_badge_on_the_chest(host: Character) -> None:
    mic = _material_vertices(host, "mic")
    lips = _material_vertices(host, "lips")
    assert len(mic) and len(lips)
    gap = np.linalg.norm(mic.mean(0) - lips.mean(0))
    assert 0.02 < gap < 0.07  # beside the mouth, not in it
    assert mic[:, 2].min() > lips[:, 2].max() - 0.02  # in front of the face
    badge = _material_vertices(host, "badge")
    assert 1.1 < badge[:, 1].mean() < 1.3 and badge[:, 0].mean() > 0.05  # the left chest


def test_generation_is_deterministic(tmp_path: Path) -> None:
    """The host is generated by code: the same bytes every time (its speed is in bench render)."""
    build_builtin_glb(tmp_path / "a.glb")
    build_builtin_glb(tmp_path / "b.glb")
    assert (tmp_path / "a.glb").read_bytes() == (tmp_path / "b.glb").read_bytes()
