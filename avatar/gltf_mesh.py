"""glTF primitives → bind-space :class:`MeshPart` objects, and glTF animations → clips.

See :mod:`avatar.gltf` for how skinned and rigid geometry share one bind space.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from vhuman.avatar.character import AnimationChannel, AnimationClip, Material, MeshPart
from vhuman.avatar.gltf_read import GltfData, as_int, read_accessor

log = logging.getLogger(__name__)

MorphLookup = dict[tuple[int, int], list[tuple[int, int]]]
"""(node index, glTF morph target index) -> [(mesh part, morph index in that part)]."""

_MAX_TRIANGLES = 1 << 24


def meshes_from(data: GltfData, order: list[int], joint_of: dict[int, int], world: np.ndarray,
                inverse_bind: np.ndarray, skin_ibm: list[dict[int, np.ndarray]],
                materials: list[Material], bind_fix: np.ndarray | None = None
                ) -> tuple[list[MeshPart], MorphLookup]:
    """Every triangle primitive of every mesh node, in bind space (see module doc).

    ``bind_fix`` (a rotation) is applied to skinned vertices, matching the inverse binds.
    """
    parts: list[MeshPart] = []
    lookup: MorphLookup = {}
    default_material = -1
    total = 0
    for node_i in order:
        node = data.get("nodes", node_i, "nodes")
        if node.get("mesh") is None:
            continue
        mesh_i = node["mesh"]
        mesh = data.get("meshes", mesh_i, f"nodes[{node_i}].mesh")
        prims = mesh.get("primitives")
        if not isinstance(prims, list) or not prims:
            raise data.fail(f"meshes[{mesh_i}].primitives", "expected a non-empty array")
        names = _target_names(mesh)
        skin_i = node.get("skin")
        if skin_i is not None:
            as_int(data, skin_i, f"nodes[{node_i}].skin", 0, len(skin_ibm) - 1)
        for pi, prim in enumerate(prims):
            where = f"meshes[{mesh_i}].primitives[{pi}]"
            if not isinstance(prim, dict):
                raise data.fail(where, "expected an object")
            result = _primitive(data, prim, where, joint_of[node_i], world, inverse_bind,
                                skin_i, skin_ibm, joint_of, names, bind_fix)
            if result is None:
                continue
            part, kept = result
            total += part.num_triangles
            if total > _MAX_TRIANGLES:
                raise data.fail("meshes", f"more than {_MAX_TRIANGLES} triangles")
            mat = prim.get("material")
            if mat is None:
                if default_material < 0:
                    materials.append(Material(name="default"))
                    default_material = len(materials) - 1
                part.material = default_material
            else:
                part.material = as_int(data, mat, f"{where}.material", 0, len(materials) - 1)
            part.name = str(mesh.get("name") or f"mesh{mesh_i}") + (f".{pi}" if pi else "")
            for k, target_index in enumerate(kept):
                lookup.setdefault((node_i, target_index), []).append((len(parts), k))
            parts.append(part)
    return parts, lookup


def _target_names(mesh: dict[str, Any]) -> list[str]:
    extras = mesh.get("extras")
    names = extras.get("targetNames") if isinstance(extras, dict) else None
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        return list(names)
    return []


def _primitive(data: GltfData, prim: dict, where: str, node_joint: int, world: np.ndarray,
               inverse_bind: np.ndarray, skin_i: int | None,
               skin_ibm: list[dict[int, np.ndarray]], joint_of: dict[int, int],
               names: list[str], bind_fix: np.ndarray | None = None
               ) -> tuple[MeshPart, list[int]] | None:
    attrs = prim.get("attributes")
    if not isinstance(attrs, dict) or "POSITION" not in attrs:
        raise data.fail(f"{where}.attributes", "POSITION is missing")
    pos = read_accessor(data, attrs["POSITION"], f"{where}.attributes.POSITION")
    if pos.shape[1] != 3:
        raise data.fail(f"{where}.attributes.POSITION", "must be VEC3")
    count = len(pos)
    tris = _triangles(data, prim, count, where)
    if tris is None or len(tris) == 0:
        log.info("%s: %s has no triangles; skipped", data.path.name, where)
        return None

    def attr(name: str, width: int) -> np.ndarray | None:
        if name not in attrs:
            return None
        arr = read_accessor(data, attrs[name], f"{where}.attributes.{name}")
        if arr.shape != (count, width):
            raise data.fail(f"{where}.attributes.{name}",
                            f"has {arr.shape[0]}x{arr.shape[1]} values for {count} vertices")
        return arr

    normals = attr("NORMAL", 3)
    uvs = attr("TEXCOORD_0", 2)
    deltas, dnormals, mnames = _targets(data, prim, where, count, names)
    skinned = skin_i is not None and "JOINTS_0" in attrs and "WEIGHTS_0" in attrs
    if skinned:
        assert skin_i is not None
        joints, weights = _skin_attrs(data, attrs, where, count, skin_i, joint_of)
        pos, normals, deltas = _to_first_bind(pos, normals, deltas, joints, weights,
                                              skin_ibm[skin_i], inverse_bind)
        if bind_fix is not None:
            rot = bind_fix[:3, :3]
            pos = pos @ rot.T
            normals = None if normals is None else normals @ rot.T
            deltas = None if deltas is None else deltas @ rot.T
    else:
        m = world[node_joint]
        pos = pos @ m[:3, :3].T + m[:3, 3]
        lin_n = np.linalg.inv(m[:3, :3]).T
        normals = None if normals is None else normals @ lin_n.T
        deltas = deltas @ m[:3, :3].T if deltas is not None else None
        joints = np.zeros((count, 4), np.int32)
        joints[:, 0] = node_joint
        weights = np.zeros((count, 4), np.float32)
        weights[:, 0] = 1.0
    if normals is None:
        normals = _vertex_normals(pos, tris)
    else:
        length = np.linalg.norm(normals, axis=1, keepdims=True)
        normals = np.where(length > 1e-12, normals / np.maximum(length, 1e-12), [0.0, 1.0, 0.0])
    keep = [k for k in range(len(mnames)) if deltas is not None and np.abs(deltas[k]).max() > 0]
    part = MeshPart(
        name="", positions=pos.astype(np.float32), normals=normals.astype(np.float32),
        indices=tris, joints=joints.astype(np.int32), weights=weights.astype(np.float32),
        uvs=None if uvs is None else uvs.astype(np.float32),
        morph_names=[mnames[k] for k in keep],
        morph_positions=deltas[keep].astype(np.float32) if keep and deltas is not None else None,
        morph_normals=(dnormals[keep].astype(np.float32)
                       if keep and dnormals is not None else None),
    )
    return part, keep


def _targets(data: GltfData, prim: dict, where: str, count: int, names: list[str]
             ) -> tuple[np.ndarray | None, np.ndarray | None, list[str]]:
    targets = prim.get("targets", [])
    if not isinstance(targets, list):
        raise data.fail(f"{where}.targets", "expected an array")
    if not targets:
        return None, None, []
    if len(names) != len(targets):
        if names:
            log.warning("%s: %s has %d morph targets but %d targetNames; numbering them",
                        data.path.name, where, len(targets), len(names))
        names = [f"morph{k}" for k in range(len(targets))]
    deltas = np.zeros((len(targets), count, 3))
    dnormals = None
    for k, target in enumerate(targets):
        tw = f"{where}.targets[{k}]"
        if not isinstance(target, dict):
            raise data.fail(tw, "expected an object")
        for key in ("POSITION", "NORMAL"):
            if key not in target:
                continue
            arr = read_accessor(data, target[key], f"{tw}.{key}")
            if arr.shape != (count, 3):
                raise data.fail(f"{tw}.{key}", f"has {arr.shape[0]} values for {count} vertices")
            if key == "POSITION":
                deltas[k] = arr
            else:
                dnormals = np.zeros_like(deltas) if dnormals is None else dnormals
                dnormals[k] = arr
    return deltas, dnormals, names


def _skin_attrs(data: GltfData, attrs: dict, where: str, count: int, skin_i: int,
                joint_of: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    skin = data.get("skins", skin_i, "skins")
    skin_joints = np.array([joint_of[j] for j in skin["joints"]], np.int64)
    sets = [("JOINTS_0", "WEIGHTS_0")] + ([("JOINTS_1", "WEIGHTS_1")] if "JOINTS_1" in attrs
                                          and "WEIGHTS_1" in attrs else [])
    js, ws = [], []
    for jn, wn in sets:
        j = read_accessor(data, attrs[jn], f"{where}.attributes.{jn}", float_out=False)
        w = read_accessor(data, attrs[wn], f"{where}.attributes.{wn}")
        if j.shape != (count, 4) or w.shape != (count, 4):
            raise data.fail(f"{where}.attributes.{jn}", f"needs {count} VEC4 values")
        if j.dtype.kind not in "iu" or (j.size and j.max() >= len(skin_joints)):
            raise data.fail(f"{where}.attributes.{jn}",
                            f"joint index beyond the skin's {len(skin_joints)} joints")
        js.append(j.astype(np.int64))
        ws.append(np.clip(w, 0.0, None))
    j_all, w_all = np.concatenate(js, 1), np.concatenate(ws, 1)
    top = np.argsort(-w_all, axis=1, kind="stable")[:, :4]
    j4 = np.take_along_axis(j_all, top, 1)
    w4 = np.take_along_axis(w_all, top, 1)
    total = w4.sum(axis=1, keepdims=True)
    empty = total[:, 0] <= 1e-8
    w4 = np.where(empty[:, None], np.array([1.0, 0, 0, 0]), w4 / np.maximum(total, 1e-8))
    return skin_joints[j4], w4


def _to_first_bind(pos: np.ndarray, normals: np.ndarray | None, deltas: np.ndarray | None,
                   joints: np.ndarray, weights: np.ndarray, ibm: dict[int, np.ndarray],
                   inverse_bind: np.ndarray) -> tuple[Any, Any, Any]:
    """Move vertices of a skin whose inverse binds differ from the kept ones (module doc)."""
    used = np.unique(joints[weights > 0])
    diff = [j for j in used if not np.allclose(ibm[int(j)], inverse_bind[j], atol=1e-6)]
    if not diff:
        return pos, normals, deltas
    log.warning("two skins bind %d shared joints differently; re-expressing vertices in "
                "the first skin's bind space", len(diff))
    strongest = joints[np.arange(len(joints)), np.argmax(weights, axis=1)]
    corr = np.stack([np.linalg.inv(inverse_bind[j]) @ ibm[int(j)] for j in strongest])
    pos = np.einsum("vij,vj->vi", corr[:, :3, :3], pos) + corr[:, :3, 3]
    if normals is not None:
        normals = np.einsum("vij,vj->vi", np.linalg.inv(corr[:, :3, :3]).transpose(0, 2, 1),
                            normals)
    if deltas is not None:
        deltas = np.einsum("vij,kvj->kvi", corr[:, :3, :3], deltas)
    return pos, normals, deltas


def _vertex_normals(pos: np.ndarray, tris: np.ndarray) -> np.ndarray:
    tri = pos[tris.astype(np.int64)]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n = np.zeros_like(pos)
    for k in range(3):
        np.add.at(n, tris[:, k].astype(np.int64), fn)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return np.where(length > 1e-20, n / np.maximum(length, 1e-20), [0.0, 1.0, 0.0])


def _triangles(data: GltfData, prim: dict, count: int, where: str) -> np.ndarray | None:
    """(F, 3) uint32 triangles of a TRIANGLES/STRIP/FAN primitive; None for points/lines."""
    mode = prim.get("mode", 4)
    if mode not in (4, 5, 6):
        log.info("%s: %s: skipping non-triangle primitive (mode %r)", data.path.name, where,
                 mode)
        return None
    if prim.get("indices") is not None:
        idx = read_accessor(data, prim["indices"], f"{where}.indices", float_out=False)
        if idx.shape[1] != 1 or idx.dtype.kind != "u":
            raise data.fail(f"{where}.indices", "must be unsigned integer scalars")
        idx = idx.reshape(-1).astype(np.int64)
    else:
        idx = np.arange(count, dtype=np.int64)
    if idx.size and idx.max() >= count:
        raise data.fail(f"{where}.indices", f"index {int(idx.max())} >= vertex count {count}")
    if mode == 4:
        tri = idx[: len(idx) // 3 * 3].reshape(-1, 3)
    elif len(idx) < 3:
        tri = np.zeros((0, 3), np.int64)
    elif mode == 5:
        k = np.arange(len(idx) - 2)
        tri = np.stack([idx[k], idx[k + 1], idx[k + 2]], 1)
        tri[1::2] = tri[1::2][:, [1, 0, 2]]
    else:
        k = np.arange(1, len(idx) - 1)
        tri = np.stack([np.full(len(k), idx[0]), idx[k], idx[k + 1]], 1)
    return tri.astype(np.uint32)


def clips(data: GltfData, joint_of: dict[int, int]) -> list[AnimationClip]:
    """glTF animations as clips of rotation/translation/scale channels on joints.

    CUBICSPLINE keys keep their values (tangents dropped) and play back as LINEAR; morph
    ``weights`` channels are skipped (faces are driven by the engine's own tracks).
    """
    out = []
    for ai, anim in enumerate(data.items("animations")):
        anim = data.get("animations", ai, "animations")
        samplers = anim.get("samplers", [])
        channels = anim.get("channels", [])
        if not isinstance(samplers, list) or not isinstance(channels, list):
            raise data.fail(f"animations[{ai}]", "samplers and channels must be arrays")
        result = []
        for ci, ch in enumerate(channels):
            cw = f"animations[{ai}].channels[{ci}]"
            target = ch.get("target") if isinstance(ch, dict) else None
            if not isinstance(target, dict):
                raise data.fail(cw, "needs a target object")
            path = target.get("path")
            if path == "weights" or target.get("node") is None:
                continue
            if path not in ("translation", "rotation", "scale"):
                raise data.fail(f"{cw}.target.path", f"unknown path {path!r}")
            node = as_int(data, target["node"], f"{cw}.target.node", 0, len(joint_of) - 1)
            si = as_int(data, ch.get("sampler"), f"{cw}.sampler", 0, len(samplers) - 1)
            sampler = samplers[si] if isinstance(samplers[si], dict) else {}
            sw = f"animations[{ai}].samplers[{si}]"
            times = read_accessor(data, sampler.get("input"), f"{sw}.input").reshape(-1)
            values = read_accessor(data, sampler.get("output"), f"{sw}.output")
            interp = sampler.get("interpolation", "LINEAR")
            if interp not in ("LINEAR", "STEP", "CUBICSPLINE"):
                raise data.fail(f"{sw}.interpolation", f"unknown {interp!r}")
            width = 4 if path == "rotation" else 3
            if interp == "CUBICSPLINE":
                if values.shape[0] != 3 * len(times):
                    raise data.fail(f"{sw}.output", "CUBICSPLINE needs 3 values per key")
                values, interp = values[1::3], "LINEAR"
            if values.shape != (len(times), width):
                raise data.fail(f"{sw}.output", f"has {values.shape[0]} values for "
                                                f"{len(times)} keys of {path}")
            if len(times) > 1 and np.any(np.diff(times) < 0):
                raise data.fail(f"{sw}.input", "key times must not decrease")
            result.append(AnimationChannel(joint_of[node], path, times.astype(np.float32),
                                           values.astype(np.float32), interp))
        name = anim.get("name")
        out.append(AnimationClip(name if isinstance(name, str) else f"clip{ai}", result))
    return out
