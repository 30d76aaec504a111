"""glTF loading: hierarchy, skins, rigid props, morph names, materials, textures, clips, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tests.avatar.fixtures import (
    ARKIT,
    external_gltf,
    glb_parts,
    minimal_glb,
    mixamo_arkit_glb,
    write_glb,
)
from vhuman.avatar.errors import AvatarError
from vhuman.avatar.loader import load_avatar


def _rest_world(c) -> np.ndarray:  # type: ignore[no-untyped-def]
    sk = c.skeleton
    world = np.zeros((sk.num_joints, 4, 4))
    for j in range(sk.num_joints):
        m = np.eye(4)
        m[:3, :3] = Rotation.from_quat(sk.rest_rotation[j]).as_matrix() * sk.rest_scale[j]
        m[:3, 3] = sk.rest_translation[j]
        world[j] = m if sk.parents[j] < 0 else world[sk.parents[j]] @ m
    return world


def test_mixamo_file_loads_skeleton_morphs_prop_and_clip(tmp_path: Path) -> None:
    c = load_avatar(mixamo_arkit_glb(tmp_path))
    sk = c.skeleton
    assert sk.num_joints == 23 + 2  # skeleton + mesh node + hat
    assert all(sk.parents[j] < j for j in range(sk.num_joints))
    body = next(m for m in c.meshes if m.name == "Body")
    assert body.morph_names == ARKIT  # names from mesh.extras.targetNames
    hat = next(m for m in c.meshes if m.name == "Hat")
    world = _rest_world(c)
    head = sk.index("mixamorig:Head")
    # rigid prop: pre-transformed to its rest world place (2 x wide, turned 45 degrees)
    hat_center = hat.positions.mean(0)
    assert np.allclose(hat_center, world[head, :3, 3] + [0, 0.12, 0], atol=1e-5)
    assert np.ptp(hat.positions[:, 0]) == pytest.approx((0.1 + 0.05) / np.sqrt(2), rel=0.02)
    assert np.all(hat.joints[:, 0] == sk.index("Hat")) and np.all(hat.weights[:, 0] == 1)
    assert c.meshes  # the loop below must check something
    for m in c.meshes:  # rest skinning reproduces the bind-space positions
        mats = world[m.joints] @ sk.inverse_bind[m.joints]
        p = np.einsum("vkij,vj->vki", mats[..., :3, :3], m.positions) + mats[..., :3, 3]
        assert np.allclose((p * m.weights[..., None]).sum(1), m.positions, atol=1e-5)
    assert [clip.name for clip in c.clips] == ["turn"]
    ch = c.clips[0].channels[0]
    assert ch.path == "rotation" and ch.joint == sk.index("mixamorig:Hips")
    assert c.clips[0].duration == pytest.approx(1.0)


def test_external_gltf_with_texture_and_blend(tmp_path: Path) -> None:
    c = load_avatar(external_gltf(tmp_path))
    mat = c.materials[c.meshes[0].material]
    assert mat.alpha_mode == "BLEND" and mat.base_color[3] == pytest.approx(0.5)
    assert mat.texture is not None and mat.texture.shape == (4, 4, 4)
    assert tuple(mat.texture[0, 0]) == (200, 30, 40, 128)
    assert c.meshes[0].uvs is not None and c.num_triangles == 12


def test_missing_external_buffer_is_named(tmp_path: Path) -> None:
    path = external_gltf(tmp_path)
    (tmp_path / "scene.bin").unlink()
    with pytest.raises(AvatarError, match=r"scene.gltf: buffers\[0\].uri.*scene.bin"):
        load_avatar(path)


def test_missing_texture_falls_back_to_base_colour(tmp_path: Path) -> None:
    path = external_gltf(tmp_path)
    (tmp_path / "tex.png").unlink()
    c = load_avatar(path)
    assert c.materials[0].texture is None and c.materials[0].alpha_mode == "BLEND"


@pytest.mark.parametrize("uri", ["../secret.bin", "/etc/passwd", "http://example.com/a.bin",
                                 "sub/../../x.bin"])
def test_paths_escaping_the_asset_folder_are_refused(tmp_path: Path, uri: str) -> None:
    path = external_gltf(tmp_path)
    text = path.read_text().replace('"scene.bin"', f'"{uri}"')
    path.write_text(text)
    with pytest.raises(AvatarError, match="buffers"):
        load_avatar(path)


def _corrupt(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    doc, blob = glb_parts(minimal_glb(tmp_path, "seed.glb"))
    edit(doc)
    return write_glb(tmp_path / "bad.glb", doc, blob)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["buffers"][0].update(byteLength=2 * 1024**3), r"buffers\[0\].byteLength"),
    (lambda d: d["accessors"][0].update(count=10**6), r"accessors\[0\].*needs"),
    (lambda d: d["accessors"][1].update(count=4), r"accessors\[1\]"),
    (lambda d: d.update(extensionsRequired=["KHR_draco_mesh_compression"]), "unsupported"),
    (lambda d: d["meshes"][0]["primitives"][0].update(indices=99), r"accessors\[99\]"),
    (lambda d: d["nodes"][0].update(children=[0]), "parent"),
    (lambda d: d["asset"].update(version="1.0"), "asset.version"),
    (lambda d: d["nodes"][0].update(translation=[0, "x", 0]), "translation"),
    (lambda d: d["accessors"][0].update(componentType=1), "componentType"),
    (lambda d: d["meshes"][0]["primitives"][0].update(mode=0), "no triangles"),
])
def test_corrupt_fields_give_named_errors(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AvatarError, match=message):
        load_avatar(_corrupt(tmp_path, edit))


def test_nan_positions_and_truncation_are_reported(tmp_path: Path) -> None:
    seed = minimal_glb(tmp_path, "seed.glb")
    doc, blob = glb_parts(seed)
    view = doc["bufferViews"][doc["accessors"][0]["bufferView"]]
    data = bytearray(blob)
    data[view.get("byteOffset", 0): view.get("byteOffset", 0) + 4] = np.float32(np.nan).tobytes()
    with pytest.raises(AvatarError, match="NaN"):
        load_avatar(write_glb(tmp_path / "nan.glb", doc, bytes(data)))
    raw = seed.read_bytes()
    (tmp_path / "cut.glb").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(AvatarError, match="truncated"):
        load_avatar(tmp_path / "cut.glb")
    (tmp_path / "junk.glb").write_bytes(b"\x00garbage")
    with pytest.raises(AvatarError, match="not a glTF"):
        load_avatar(tmp_path / "junk.glb")
    with pytest.raises(AvatarError, match="not found"):
        load_avatar(tmp_path / "nope.glb")


def test_gltf_json_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gltf"
    bad.write_text('{\n  "asset": {"version": "2.0"},\n  "nodes": [,]\n}')
    with pytest.raises(AvatarError, match="line 3"):
        load_avatar(bad)
