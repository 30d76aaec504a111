"""glTF 2.0 → :class:`Character`: node hierarchy, meshes, skins, morphs, materials, clips.

Every scene node becomes a joint (topologically ordered). Positions are stored in "bind
space" so that ``Σ w · world_j(rest) · inverse_bind_j · p`` gives the glTF rest pose:

- skinned primitives keep their vertices; each joint takes the inverse bind matrix of the
  *first* skin that lists it. When a later skin binds the same joint differently (a
  different bind-shape), its vertices are moved into the first skin's bind space with
  ``inverse_bind_first⁻¹ · inverse_bind_this`` of each vertex's strongest joint (exact when,
  as usual, the skins differ by one common bind-shape matrix);
- unskinned (rigid) primitives are pre-transformed by their node's rest world matrix and
  bound with weight 1 to that node, whose inverse bind is ``world⁻¹``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from vhuman.animation.skeleton import Skeleton
from vhuman.avatar.character import Character
from vhuman.avatar.errors import AvatarError
from vhuman.avatar.gltf_mesh import clips, meshes_from
from vhuman.avatar.gltf_read import GltfData, as_floats, as_int, read_accessor, read_gltf
from vhuman.avatar.humanoid import map_humanoid, skeleton_joints
from vhuman.avatar.materials import read_materials
from vhuman.avatar.shapes import build_shapes
from vhuman.avatar.vrm import VrmInfo, read_vrm

log = logging.getLogger(__name__)

def load_gltf(path: str | Path) -> Character:
    """Load a .gltf/.glb/.vrm file into a :class:`Character` (raises :class:`AvatarError`)."""
    data = read_gltf(path)
    try:
        return _build(data)
    except AvatarError:
        raise
    except (RecursionError, MemoryError, OverflowError) as exc:
        raise data.fail("document", f"cannot be loaded ({type(exc).__name__})") from None


def _build(data: GltfData) -> Character:
    exts = data.doc.get("extensions") or {}
    is_vrm0 = isinstance(exts, dict) and "VRM" in exts and "VRMC_vrm" not in exts
    flip = np.diag([-1.0, 1.0, -1.0, 1.0])  # 180 degrees about +Y
    order, parents = _topology(data)
    joint_of = {node: j for j, node in enumerate(order)}
    local = [_node_local(data, n) for n in order]
    if is_vrm0:  # VRM 0.x characters face -Z; turn them to the engine's +Z
        local = [(flip @ m if parents[j] < 0 else m) for j, m in enumerate(local)]
    world = np.zeros((len(order), 4, 4))
    for j, m in enumerate(local):
        world[j] = m if parents[j] < 0 else world[parents[j]] @ m
    inverse_bind = np.linalg.inv(world)
    bind_fix = flip if is_vrm0 else None
    skin_ibm = _skins(data, joint_of, inverse_bind, bind_fix)
    materials = read_materials(data)
    meshes, lookup = meshes_from(data, order, joint_of, world, inverse_bind, skin_ibm, materials,
                                 bind_fix)
    if not meshes:
        raise data.fail("meshes", "the file has no triangles to show")
    trs = [_decompose(m) for m in local]
    skeleton = Skeleton(
        names=[_node_name(data, n) for n in order],
        parents=np.array(parents, np.int64),
        rest_translation=np.array([t for t, _, _ in trs], np.float32),
        rest_rotation=np.array([q for _, q, _ in trs], np.float32),
        rest_scale=np.array([s for _, _, s in trs], np.float32),
        inverse_bind=inverse_bind.astype(np.float32),
    )
    vrm: VrmInfo = read_vrm(data, joint_of, lookup)
    skinned = {j for table in skin_ibm for j in table}
    candidates = skeleton_joints(skeleton.parents, skinned) if skinned else None
    skeleton.humanoid, sources = map_humanoid(skeleton, world[:, :3, 3], vrm.humanoid,
                                              candidates)
    skeleton.validate()
    character = Character(
        name=data.path.stem, meshes=meshes, materials=materials, skeleton=skeleton,
        clips=clips(data, joint_of), source=data.path, format=vrm.format,
        meta={"humanoid_source": sources, "skin_joints": len(skinned),
              "skin_joint_ids": sorted(skinned), "vrm": vrm.meta, "look_at": vrm.look_at,
              "first_person": vrm.first_person, "generator": _generator(data)},
    )
    character.shapes, shape_sources = build_shapes(character, vrm.expressions, vrm.rules)
    character.meta["shape_source"] = shape_sources
    return character


def _generator(data: GltfData) -> str:
    gen = data.doc.get("asset", {}).get("generator", "")
    return gen if isinstance(gen, str) else ""


def _node_name(data: GltfData, node: int) -> str:
    name = data.get("nodes", node, "nodes").get("name")
    return name if isinstance(name, str) and name else f"node{node}"


def _topology(data: GltfData) -> tuple[list[int], list[int]]:
    """Node order (parents first) and each joint's parent *joint* index (-1 for roots)."""
    nodes = data.items("nodes")
    parent = [-1] * len(nodes)
    for i in range(len(nodes)):
        node = data.get("nodes", i, "nodes")
        children = node.get("children", [])
        if not isinstance(children, list):
            raise data.fail(f"nodes[{i}].children", "expected an array")
        for c in children:
            as_int(data, c, f"nodes[{i}].children", 0, len(nodes) - 1)
            if parent[c] != -1 or c == i:
                raise data.fail(f"nodes[{i}].children", f"node {c} has more than one parent")
            parent[c] = i
    order: list[int] = []
    stack = [i for i in range(len(nodes)) if parent[i] == -1][::-1]
    while stack:
        n = stack.pop()
        order.append(n)
        stack.extend(reversed(data.get("nodes", n, "nodes").get("children", [])))
    if len(order) != len(nodes):
        raise data.fail("nodes", "the node hierarchy contains a cycle")
    index = {n: j for j, n in enumerate(order)}
    return order, [index[parent[n]] if parent[n] >= 0 else -1 for n in order]


def _node_local(data: GltfData, n: int) -> np.ndarray:
    node = data.get("nodes", n, "nodes")
    where = f"nodes[{n}]"
    if "matrix" in node:
        return as_floats(data, node["matrix"], f"{where}.matrix", 16).reshape(4, 4).T
    m = np.eye(4)
    t = as_floats(data, node.get("translation", [0, 0, 0]), f"{where}.translation", 3)
    q = as_floats(data, node.get("rotation", [0, 0, 0, 1]), f"{where}.rotation", 4)
    s = as_floats(data, node.get("scale", [1, 1, 1]), f"{where}.scale", 3)
    if np.linalg.norm(q) < 1e-8:
        raise data.fail(f"{where}.rotation", "is a zero quaternion")
    m[:3, :3] = Rotation.from_quat(q / np.linalg.norm(q)).as_matrix() * s
    m[:3, 3] = t
    return m


def _decompose(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Translation, xyzw quaternion, scale of an affine matrix (shear is dropped)."""
    scale = np.linalg.norm(m[:3, :3], axis=0)
    scale = np.where(scale < 1e-12, 1.0, scale)
    r = m[:3, :3] / scale
    if np.linalg.det(r) < 0:
        scale[0], r[:, 0] = -scale[0], -r[:, 0]
    u, _, vt = np.linalg.svd(r)
    q = Rotation.from_matrix(u @ vt).as_quat()
    return m[:3, 3].copy(), q, scale


def _skins(data: GltfData, joint_of: dict[int, int], inverse_bind: np.ndarray,
           bind_fix: np.ndarray | None = None) -> list[dict[int, np.ndarray]]:
    """Per skin: joint index -> that skin's inverse bind; fills ``inverse_bind`` in place.

    ``bind_fix`` (VRM 0.x turn) re-expresses bind space: ``ibm @ bind_fix⁻¹`` pairs with
    vertices multiplied by ``bind_fix``.
    """
    owner: dict[int, int] = {}
    out = []
    for si, skin in enumerate(data.items("skins")):
        where = f"skins[{si}]"
        skin = data.get("skins", si, "skins")
        joints = skin.get("joints")
        if not isinstance(joints, list) or not joints:
            raise data.fail(f"{where}.joints", "expected a non-empty array of nodes")
        jj = [joint_of[as_int(data, j, f"{where}.joints", 0, len(joint_of) - 1)] for j in joints]
        if skin.get("inverseBindMatrices") is not None:
            mats = read_accessor(data, skin["inverseBindMatrices"], f"{where}.inverseBindMatrices")
            if mats.shape != (len(jj), 16):
                raise data.fail(f"{where}.inverseBindMatrices",
                                f"has {mats.shape[0]} MAT4 for {len(jj)} joints")
            mats = mats.reshape(-1, 4, 4).transpose(0, 2, 1)  # column-major storage
        else:
            mats = np.tile(np.eye(4), (len(jj), 1, 1))
        if bind_fix is not None:
            mats = mats @ np.linalg.inv(bind_fix)
        table = {}
        for j, m in zip(jj, mats, strict=False):
            table[j] = m
            if j not in owner:
                owner[j] = si
                inverse_bind[j] = m
        out.append(table)
    return out
