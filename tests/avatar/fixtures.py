"""Small glTF / VRM files built with pygltflib in temp folders for the avatar tests.

- :func:`mixamo_arkit_glb`: skinned humanoid with Mixamo bone names, ARKit morphs, a rigid
  rotated prop and an animation;
- :func:`vrm0_file` / :func:`vrm1_file`: VRM 0.x and 1.0 with meaningless node names,
  humanoid metadata and expressions;
- :func:`external_gltf`: .gltf with an external .bin, a PNG texture and a BLEND material;
- :func:`minimal_glb`: a one-triangle file (the seed for fuzzing).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as gl
from PIL import Image

# (mixamo name, parent index, local translation) — a 22-joint humanoid standing at hips 1 m
MIXAMO = [
    ("Armature", -1, (0, 0, 0)), ("mixamorig:Hips", 0, (0, 1.0, 0)),
    ("mixamorig:Spine", 1, (0, 0.1, 0)), ("mixamorig:Spine1", 2, (0, 0.12, 0)),
    ("mixamorig:Spine2", 3, (0, 0.12, 0)), ("mixamorig:Neck", 4, (0, 0.16, 0)),
    ("mixamorig:Head", 5, (0, 0.1, 0)),
    ("mixamorig:LeftShoulder", 4, (0.05, 0.12, 0)), ("mixamorig:LeftArm", 7, (0.12, 0, 0)),
    ("mixamorig:LeftForeArm", 8, (0.25, 0, 0)), ("mixamorig:LeftHand", 9, (0.22, 0, 0)),
    ("mixamorig:RightShoulder", 4, (-0.05, 0.12, 0)), ("mixamorig:RightArm", 11, (-0.12, 0, 0)),
    ("mixamorig:RightForeArm", 12, (-0.25, 0, 0)), ("mixamorig:RightHand", 13, (-0.22, 0, 0)),
    ("mixamorig:LeftUpLeg", 1, (0.09, -0.05, 0)), ("mixamorig:LeftLeg", 15, (0, -0.42, 0)),
    ("mixamorig:LeftFoot", 16, (0, -0.42, 0)), ("mixamorig:LeftToeBase", 17, (0, -0.06, 0.1)),
    ("mixamorig:RightUpLeg", 1, (-0.09, -0.05, 0)), ("mixamorig:RightLeg", 19, (0, -0.42, 0)),
    ("mixamorig:RightFoot", 20, (0, -0.42, 0)), ("mixamorig:RightToeBase", 21, (0, -0.06, 0.1)),
]
ARKIT = ["jawOpen", "mouthFunnel", "mouthPucker", "eyeBlinkLeft", "eyeBlinkRight",
         "mouthSmileLeft", "mouthSmileRight", "mouthClose"]


class GltfBuilder:
    """Tiny helper around pygltflib: add arrays as accessors, nodes, meshes; write files."""

    def __init__(self) -> None:
        self.doc = gl.GLTF2(asset=gl.Asset(version="2.0", generator="vhuman tests"))
        self.data = bytearray()

    def accessor(self, array: np.ndarray, kind: str, ctype: int, minmax: bool = False) -> int:
        raw = np.ascontiguousarray(array).tobytes()
        while len(self.data) % 4:
            self.data.append(0)
        self.doc.bufferViews.append(gl.BufferView(buffer=0, byteOffset=len(self.data),
                                                  byteLength=len(raw)))
        self.data += raw
        acc = gl.Accessor(bufferView=len(self.doc.bufferViews) - 1, componentType=ctype,
                          count=int(len(array)), type=kind)
        if minmax:
            acc.min = np.min(array, 0).tolist()
            acc.max = np.max(array, 0).tolist()
        self.doc.accessors.append(acc)
        return len(self.doc.accessors) - 1

    def skeleton(self, joints: list[tuple[str, int, tuple[float, ...]]]) -> list[int]:
        base = len(self.doc.nodes)
        for name, _parent, t in joints:
            self.doc.nodes.append(gl.Node(name=name, translation=[float(v) for v in t],
                                          children=[]))
        for i, (_, parent, _) in enumerate(joints):
            if parent >= 0:
                self.doc.nodes[base + parent].children.append(base + i)
        return list(range(base, base + len(joints)))

    def world_positions(self, joints: list[tuple[str, int, tuple[float, ...]]]) -> np.ndarray:
        out = np.zeros((len(joints), 3))
        for i, (_, parent, t) in enumerate(joints):
            out[i] = np.array(t) + (out[parent] if parent >= 0 else 0)
        return out

    def material(self, name: str, rgba: tuple[float, ...], mode: str = "OPAQUE",
                 texture: int | None = None) -> int:
        pbr = gl.PbrMetallicRoughness(baseColorFactor=list(rgba))
        if texture is not None:
            pbr.baseColorTexture = gl.TextureInfo(index=texture)
        self.doc.materials.append(gl.Material(name=name, alphaMode=mode,
                                              pbrMetallicRoughness=pbr))
        return len(self.doc.materials) - 1

    def mesh(self, name: str, pos: np.ndarray, tris: np.ndarray, material: int | None = None,
             joints: np.ndarray | None = None, weights: np.ndarray | None = None,
             morphs: dict[str, np.ndarray] | None = None, uvs: np.ndarray | None = None) -> int:
        attrs = gl.Attributes(POSITION=self.accessor(pos.astype(np.float32), gl.VEC3, gl.FLOAT,
                                                     True))
        if joints is not None and weights is not None:
            attrs.JOINTS_0 = self.accessor(joints.astype(np.uint16), gl.VEC4, gl.UNSIGNED_SHORT)
            attrs.WEIGHTS_0 = self.accessor(weights.astype(np.float32), gl.VEC4, gl.FLOAT)
        if uvs is not None:
            attrs.TEXCOORD_0 = self.accessor(uvs.astype(np.float32), gl.VEC2, gl.FLOAT)
        prim = gl.Primitive(attributes=attrs, material=material,
                            indices=self.accessor(tris.astype(np.uint16).reshape(-1),
                                                  gl.SCALAR, gl.UNSIGNED_SHORT))
        mesh = gl.Mesh(name=name, primitives=[prim])
        if morphs:
            prim.targets = [{"POSITION": self.accessor(d.astype(np.float32), gl.VEC3, gl.FLOAT,
                                                       True)} for d in morphs.values()]
            mesh.extras = {"targetNames": list(morphs)}
        self.doc.meshes.append(mesh)
        return len(self.doc.meshes) - 1

    def skin(self, joint_nodes: list[int], world: np.ndarray) -> int:
        ibm = np.tile(np.eye(4, dtype=np.float32), (len(joint_nodes), 1, 1))
        ibm[:, :3, 3] = -world
        acc = self.accessor(ibm.transpose(0, 2, 1).reshape(-1, 16), gl.MAT4, gl.FLOAT)
        self.doc.skins.append(gl.Skin(joints=joint_nodes, inverseBindMatrices=acc))
        return len(self.doc.skins) - 1

    def write(self, path: Path, binary: bool = True, roots: list[int] | None = None) -> Path:
        if roots is None:
            children = {c for n in self.doc.nodes for c in (n.children or [])}
            roots = [i for i in range(len(self.doc.nodes)) if i not in children]
        self.doc.scenes = [gl.Scene(nodes=roots)]
        self.doc.scene = 0
        self.doc.buffers = [gl.Buffer(byteLength=len(self.data))]
        if binary:
            self.doc.set_binary_blob(bytes(self.data))
            self.doc.save_binary(str(path))
        else:
            bin_name = path.with_suffix(".bin").name
            (path.parent / bin_name).write_bytes(bytes(self.data))
            self.doc.buffers[0].uri = bin_name
            path.write_text(self.doc.to_json())
        return path


def box(center: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """A cube (8 vertices, 12 triangles)."""
    c = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    tris = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                     [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])
    return center + c * size / 2, tris


def _skinned_body(b: GltfBuilder, joints: list[tuple[str, int, tuple[float, ...]]],
                  nodes: list[int], morph_names: list[str]) -> tuple[int, int]:
    """One cube per bone, rigidly weighted to it; morphs move the head cube."""
    world = b.world_positions(joints)
    pos, tris, jj = [], [], []
    for i in range(1, len(joints)):
        p, t = box(world[i], 0.04)
        tris.append(t + sum(len(x) for x in pos))
        pos.append(p)
        jj.append(np.full(len(p), i))
    positions = np.concatenate(pos)
    joint_idx = np.zeros((len(positions), 4), int)
    joint_idx[:, 0] = np.concatenate(jj)
    weights = np.zeros((len(positions), 4))
    weights[:, 0] = 1.0
    head = np.concatenate(jj) == [n for n, _, _ in joints].index(
        next(n for n, _, _ in joints if n.lower().endswith("head")))
    morphs = {}
    for k, name in enumerate(morph_names):
        d = np.zeros_like(positions)
        d[head, 1] = -0.01 * (k + 1)
        morphs[name] = d
    mesh = b.mesh("Body", positions, np.concatenate(tris), b.material("skin", (1, .8, .7, 1)),
                  joint_idx, weights, morphs)
    skin = b.skin(nodes, world)
    return mesh, skin


def mixamo_arkit_glb(folder: Path) -> Path:
    """Skinned Mixamo-named humanoid with ARKit morphs, a rotated rigid prop, an animation."""
    b = GltfBuilder()
    nodes = b.skeleton(MIXAMO)
    mesh, skin = _skinned_body(b, MIXAMO, nodes, ARKIT)
    b.doc.nodes.append(gl.Node(name="BodyMesh", mesh=mesh, skin=skin))
    p, t = box(np.zeros(3), 0.05)
    prop = b.mesh("Hat", p, t, b.material("hat", (0.2, 0.2, 0.8, 1)))
    b.doc.nodes.append(gl.Node(name="Hat", mesh=prop, translation=[0, 0.12, 0],
                               rotation=[0, 0.3826834, 0, 0.9238795], scale=[2, 1, 1]))
    b.doc.nodes[nodes[6]].children.append(len(b.doc.nodes) - 1)  # hat on the head
    times = b.accessor(np.array([[0.0], [0.5], [1.0]], np.float32), gl.SCALAR, gl.FLOAT, True)
    rots = np.array([[0, 0, 0, 1], [0, 0.2588, 0, 0.9659], [0, 0, 0, 1]], np.float32)
    vals = b.accessor(rots, gl.VEC4, gl.FLOAT)
    b.doc.animations.append(gl.Animation(
        name="turn", samplers=[gl.AnimationSampler(input=times, output=vals)],
        channels=[gl.AnimationChannel(sampler=0, target=gl.AnimationChannelTarget(
            node=nodes[1], path="rotation"))]))
    return b.write(folder / "mixamo.glb")


_VRM_BONES = {1: "hips", 2: "spine", 3: "chest", 4: "upperChest", 5: "neck", 6: "head",
              7: "leftShoulder", 8: "leftUpperArm", 9: "leftLowerArm", 10: "leftHand",
              11: "rightShoulder", 12: "rightUpperArm", 13: "rightLowerArm", 14: "rightHand",
              15: "leftUpperLeg", 16: "leftLowerLeg", 17: "leftFoot", 18: "leftToes",
              19: "rightUpperLeg", 20: "rightLowerLeg", 21: "rightFoot", 22: "rightToes"}
_VOWELS = ["Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O", "Fcl_EYE_Close",
           "Fcl_ALL_Joy"]


def _vrm_base(mirror: bool) -> tuple[GltfBuilder, list[int], int]:
    joints = [(f"bone{i}" if i else "Root", p, (-t[0], t[1], -t[2]) if mirror else t)
              for i, (_, p, t) in enumerate(MIXAMO)]
    joints[6] = ("bone6_head", joints[6][1], joints[6][2])
    b = GltfBuilder()
    nodes = b.skeleton(joints)
    mesh, skin = _skinned_body(b, joints, nodes, _VOWELS)
    b.doc.nodes.append(gl.Node(name="Face", mesh=mesh, skin=skin))
    return b, nodes, len(b.doc.nodes) - 1


def vrm0_file(folder: Path) -> Path:
    """VRM 0.x: faces -Z (as VRM 0 does), blendshape groups A/I/U/E/O/Blink/Joy."""
    b, nodes, face = _vrm_base(mirror=True)
    presets = ["a", "i", "u", "e", "o", "blink", "joy"]
    b.doc.extensionsUsed = ["VRM"]
    b.doc.extensions = {"VRM": {
        "exporterVersion": "test", "meta": {"title": "vrm0 test", "author": "tests"},
        "humanoid": {"humanBones": [{"bone": n, "node": nodes[i]} for i, n in _VRM_BONES.items()]},
        "blendShapeMaster": {"blendShapeGroups": [
            {"name": p.upper(), "presetName": p, "binds": [{"mesh": 0, "index": k, "weight": 100}]}
            for k, p in enumerate(presets)]},
        "firstPerson": {"firstPersonBone": nodes[6], "lookAtTypeName": "Bone",
                        "firstPersonBoneOffset": {"x": 0, "y": 0.06, "z": 0}},
    }}
    return b.write(folder / "avatar0.vrm")


def vrm1_file(folder: Path) -> Path:
    """VRM 1.0 with humanoid bones and preset expressions bound by node."""
    b, nodes, face = _vrm_base(mirror=False)
    presets = ["aa", "ih", "ou", "ee", "oh", "blink", "happy"]
    b.doc.extensionsUsed = ["VRMC_vrm"]
    b.doc.extensions = {"VRMC_vrm": {
        "specVersion": "1.0", "meta": {"name": "vrm1 test", "authors": ["tests"]},
        "humanoid": {"humanBones": {n: {"node": nodes[i]} for i, n in _VRM_BONES.items()}},
        "expressions": {"preset": {p: {"morphTargetBinds": [
            {"node": face, "index": k, "weight": 1.0}]} for k, p in enumerate(presets)}},
        "lookAt": {"type": "bone", "offsetFromHeadBone": [0, 0.06, 0]},
    }}
    return b.write(folder / "avatar1.vrm")


def png_bytes(rgba: tuple[int, int, int, int] = (200, 30, 40, 128), size: int = 4) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (size, size), rgba).save(buf, "PNG")
    return buf.getvalue()


def external_gltf(folder: Path) -> Path:
    """A .gltf + .bin + PNG texture, one textured BLEND material, no skin."""
    (folder / "tex.png").write_bytes(png_bytes())
    b = GltfBuilder()
    b.doc.images.append(gl.Image(uri="tex.png"))
    b.doc.textures.append(gl.Texture(source=0))
    mat = b.material("glass", (1, 1, 1, 0.5), "BLEND", texture=0)
    p, t = box(np.array([0, 1.0, 0]), 0.5)
    uvs = (p[:, :2] - p[:, :2].min(0)) / np.ptp(p[:, :2], 0)
    mesh = b.mesh("Box", p, t, mat, uvs=uvs)
    b.doc.nodes.append(gl.Node(name="Box", mesh=mesh))
    return b.write(folder / "scene.gltf", binary=False)


def minimal_glb(folder: Path, name: str = "tri.glb") -> Path:
    """One triangle on one node: the smallest valid avatar-ish file."""
    b = GltfBuilder()
    mesh = b.mesh("Tri", np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float),
                  np.array([[0, 1, 2]]), b.material("m", (1, 1, 1, 1)))
    b.doc.nodes.append(gl.Node(name="Tri", mesh=mesh))
    return b.write(folder / name)


def glb_parts(path: Path) -> tuple[dict[str, Any], bytes]:
    """(JSON dict, BIN chunk) of a .glb, for tests that corrupt fields."""
    doc = gl.GLTF2.load_binary(str(path))
    blob = doc.binary_blob() or b""
    return json.loads(doc.to_json()), blob


def write_glb(path: Path, doc: dict[str, Any], blob: bytes) -> Path:
    """Assemble a .glb from a JSON dict and a BIN chunk without validating anything."""
    js = json.dumps(doc).encode()
    js += b" " * (-len(js) % 4)
    blob = blob + b"\0" * (-len(blob) % 4)
    chunks = (len(js).to_bytes(4, "little") + b"JSON" + js
              + len(blob).to_bytes(4, "little") + b"BIN\0" + blob)
    path.write_bytes(b"glTF" + (2).to_bytes(4, "little")
                     + (12 + len(chunks)).to_bytes(4, "little") + chunks)
    return path
