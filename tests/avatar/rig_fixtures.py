"""A tiny skinned character for rig and renderer tests (no loader or built-in needed).

A 2 m tall box "body" skinned to hips / chest / head joints (chest has a twisted rest
orientation so the normalized-rotation path is exercised), with two morph targets on the
face ("mouthOpen" dents the mouth, "smile"), and a textured, alpha-blended, double-sided
visor quad bound rigidly to the head. Optionally a jaw joint driving the mouth region.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from vhuman.animation.skeleton import Skeleton
from vhuman.avatar.character import Character, Material, MeshPart, ShapeBinding

HALF_W, HALF_D, HEIGHT = 0.25, 0.2, 2.0
MOUTH_Y = (1.66, 1.78)


def _grid_face(origin, u, v, nu, nv):
    """A (nu+1)x(nv+1) vertex grid spanning origin + [0,1]u + [0,1]v, outward = u x v."""
    origin, u, v = (np.asarray(a, np.float64) for a in (origin, u, v))
    s, t = np.meshgrid(np.linspace(0, 1, nu + 1), np.linspace(0, 1, nv + 1), indexing="ij")
    pos = origin + s[..., None] * u + t[..., None] * v
    n = np.cross(u, v)
    n /= np.linalg.norm(n)
    idx = np.arange((nu + 1) * (nv + 1)).reshape(nu + 1, nv + 1)
    a, b, c, d = idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]
    tris = np.concatenate(
        [np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)]
    )
    uv = np.stack([s, t], -1).reshape(-1, 2)
    return pos.reshape(-1, 3), np.tile(n, (len(uv), 1)), uv, tris


def box_mesh(nu: int = 10, nv: int = 40):
    """Positions, normals, uvs, triangles of the body box (flat-shaded faces)."""
    w, d, h = HALF_W, HALF_D, HEIGHT
    faces = [
        ((-w, 0, d), (2 * w, 0, 0), (0, h, 0)),  # front (+Z)
        ((w, 0, -d), (-2 * w, 0, 0), (0, h, 0)),  # back
        ((w, 0, d), (0, 0, -2 * d), (0, h, 0)),  # right side (+X)
        ((-w, 0, -d), (0, 0, 2 * d), (0, h, 0)),  # left side
        ((-w, h, d), (2 * w, 0, 0), (0, 0, -2 * d)),  # top
        ((-w, 0, -d), (2 * w, 0, 0), (0, 0, 2 * d)),  # bottom
    ]
    parts = [_grid_face(o, u, v, nu, nv if abs(v[1]) > 0 else nu) for o, u, v in faces]
    pos, nrm, uv, tris, offset = [], [], [], [], 0
    for p, n, t, f in parts:
        pos.append(p)
        nrm.append(n)
        uv.append(t)
        tris.append(f + offset)
        offset += len(p)
    return (
        np.concatenate(pos).astype(np.float32),
        np.concatenate(nrm).astype(np.float32),
        np.concatenate(uv).astype(np.float32),
        np.concatenate(tris).astype(np.uint32),
    )


def checker_texture(size: int = 16, alpha: int = 255) -> np.ndarray:
    """An RGBA checkerboard (red / white)."""
    cells = (np.add.outer(np.arange(size), np.arange(size)) // 4) % 2
    tex = np.zeros((size, size, 4), np.uint8)
    tex[cells == 0] = (220, 40, 40, alpha)
    tex[cells == 1] = (250, 250, 250, alpha)
    return tex


def make_box_character(with_jaw: bool = False, with_visor: bool = True) -> Character:
    """The test character (see module docstring); deterministic."""
    names = ["Armature", "Hips", "Chest", "Head"]
    parents = [-1, 0, 1, 2]
    rest_t = [[0, 0, 0], [0, 0, 0], [0, 1.0, 0], [0, 0.6, 0]]
    rest_r = Rotation.from_euler("y", [[0], [0], [90], [-90]], degrees=True).as_quat()
    if with_jaw:
        names.append("Jaw")
        parents.append(3)
        rest_t.append([0, 0.12, 0.05])
        rest_r = np.vstack([rest_r, [0, 0, 0, 1]])
    j = len(names)
    rest_t = np.asarray(rest_t, np.float32)
    rest_r = np.asarray(rest_r, np.float32)
    world = np.zeros((j, 4, 4))
    for i in range(j):
        local = np.eye(4)
        local[:3, :3] = Rotation.from_quat(rest_r[i]).as_matrix()
        local[:3, 3] = rest_t[i]
        world[i] = local if parents[i] < 0 else world[parents[i]] @ local
    humanoid = {"hips": 1, "chest": 2, "head": 3}
    if with_jaw:
        humanoid["jaw"] = 4
    skeleton = Skeleton(
        names=names,
        parents=np.asarray(parents),
        rest_translation=rest_t,
        rest_rotation=rest_r,
        rest_scale=np.ones((j, 3), np.float32),
        inverse_bind=np.linalg.inv(world).astype(np.float32),
        humanoid=humanoid,
    )

    pos, nrm, uv, tris = box_mesh()
    v = len(pos)
    y = pos[:, 1]
    joints = np.zeros((v, 4), np.int32)
    weights = np.zeros((v, 4), np.float32)
    blend = np.clip((y - 0.8) / 0.4, 0.0, 1.0)  # hips -> chest over 0.8..1.2 m
    joints[:, 0], joints[:, 1] = 1, 2
    weights[:, 0], weights[:, 1] = 1 - blend, blend
    head = y >= 1.6 - 1e-6
    joints[head, 0], weights[head, 0], weights[head, 1] = 3, 1.0, 0.0
    front = nrm[:, 2] > 0.5
    mouth = front & (y > MOUTH_Y[0] - 1e-6) & (y < MOUTH_Y[1] + 1e-6) & (np.abs(pos[:, 0]) < 0.13)
    if with_jaw:
        chin = head & (y < MOUTH_Y[1]) & (pos[:, 2] > 0)
        joints[chin, 0] = 4
    deltas = np.zeros((2, v, 3), np.float32)
    deltas[0, mouth] = (0.0, -0.02, -0.12)  # mouthOpen: a deep dent
    corners = (
        front & (np.abs(pos[:, 0]) > 0.08) & (np.abs(pos[:, 0]) < 0.2) & (np.abs(y - 1.72) < 0.03)
    )
    deltas[1, corners, 1] = 0.03  # smile: corners up
    body = MeshPart(
        name="Body",
        positions=pos,
        normals=nrm,
        indices=tris,
        joints=joints,
        weights=weights,
        material=0,
        uvs=uv,
        morph_names=["mouthOpen", "smile"],
        morph_positions=deltas,
    )
    meshes = [body]
    materials = [Material(name="skin", base_color=(0.85, 0.55, 0.45, 1.0))]
    if with_visor:
        quad_p = np.array(
            [[-0.2, 1.82, 0.23], [0.2, 1.82, 0.23], [0.2, 1.94, 0.23], [-0.2, 1.94, 0.23]],
            np.float32,
        )
        meshes.append(
            MeshPart(
                name="Visor",
                positions=quad_p,
                normals=np.tile(np.float32([0, 0, 1]), (4, 1)),
                indices=np.array([[0, 1, 2], [0, 2, 3]], np.uint32),
                joints=np.tile(np.int32([3, 0, 0, 0]), (4, 1)),
                weights=np.tile(np.float32([1, 0, 0, 0]), (4, 1)),
                material=1,
                uvs=np.array([[0, 1], [1, 1], [1, 0], [0, 0]], np.float32),
            )
        )
        materials.append(
            Material(
                name="visor",
                base_color=(1.0, 1.0, 1.0, 0.7),
                texture=checker_texture(),
                alpha_mode="BLEND",
                double_sided=True,
            )
        )
    shapes = {
        "viseme_aa": ShapeBinding(morphs=[(0, 0, 1.0)]),
        "smile": ShapeBinding(morphs=[(0, 1, 1.0)]),
        "jawOpen": ShapeBinding(jaw_open=0.4),
    }
    return Character(
        name="box", meshes=meshes, materials=materials, skeleton=skeleton, shapes=shapes
    )


def posed_frames(
    character: Character, morphs: dict[str, float] | None = None, bones: dict | None = None
):
    """(positions, normals) lists for one frame of ``character`` with the given shape
    weights and normalized bone rotations (xyzw), evaluated on the CPU rig."""
    from vhuman.animation.clip import MotionClip
    from vhuman.avatar.rig import Rig

    morphs, bones = morphs or {}, bones or {}
    clip = MotionClip.rest(
        1, morph_names=list(morphs) or ["viseme_aa"], bone_names=list(bones) or ["hips"]
    )
    for i, w in enumerate(morphs.values()):
        clip.morph[0, i] = w
    for i, q in enumerate(bones.values()):
        clip.rotations[0, i] = q
    out = Rig(character, device="cpu").evaluate(clip, as_numpy=True)
    return [m.positions[0] for m in out], [m.normals[0] for m in out]


def project(camera, aspect: float, point, width: int, height: int) -> tuple[float, float]:
    """Pixel (column, row) of a world point through a render camera (row 0 = top)."""
    clip = (
        camera.projection(aspect) @ camera.view_matrix() @ np.append(np.asarray(point, float), 1.0)
    )
    ndc = clip[:3] / clip[3]
    return (ndc[0] + 1) / 2 * width, (1 - ndc[1]) / 2 * height
