"""Rendering benchmark: render-only and skin+render fps per backend, size and character.

Characters: the built-in avatar (when the loader is available) and a ~30k-triangle
textured, skinned humanoid-ish mesh generated here. Also torch skinning ms/frame for a
batch of 60 frames. Every figure is measured in this run; ratios are side by side.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SIZES = {"512x512": (512, 512), "1280x720": (1280, 720)}
BACKENDS = ("moderngl", "pyrender")


def _load_builtin() -> Any | None:
    try:
        from avatar.loader import load_avatar

        return load_avatar(None)
    except Exception as exc:  # the loader may not exist yet on a partial checkout
        log.info("built-in via avatar.loader unavailable: %s", exc)
    try:
        from avatar.builtin import builtin_avatar_path
        from avatar.gltf import load_gltf

        return load_gltf(builtin_avatar_path())
    except Exception as exc:
        log.warning("built-in avatar unavailable: %s", exc)
        return None


def synthetic_character(target_tris: int = 30_000, seed: int = 0) -> Any:
    """A textured, skinned humanoid-ish character (capsule limbs, sphere head) of about
    ``target_tris`` triangles, with a bind-pose skeleton on the humanoid map."""
    import trimesh

    from animation.skeleton import Skeleton
    from avatar.character import Character, Material, MeshPart, ShapeBinding

    # joint name, parent, world position (T-pose), humanoid bone
    joints = [
        ("hips", -1, (0, 0.95, 0)), ("spine", 0, (0, 1.1, 0)), ("chest", 1, (0, 1.3, 0)),
        ("neck", 2, (0, 1.5, 0)), ("head", 3, (0, 1.6, 0)),
        ("leftUpperArm", 2, (0.2, 1.45, 0)), ("leftLowerArm", 5, (0.48, 1.45, 0)), ("leftHand", 6, (0.74, 1.45, 0)),
        ("rightUpperArm", 2, (-0.2, 1.45, 0)), ("rightLowerArm", 8, (-0.48, 1.45, 0)), ("rightHand", 9, (-0.74, 1.45, 0)),
        ("leftUpperLeg", 0, (0.1, 0.9, 0)), ("leftLowerLeg", 11, (0.1, 0.5, 0)), ("leftFoot", 12, (0.1, 0.08, 0)),
        ("rightUpperLeg", 0, (-0.1, 0.9, 0)), ("rightLowerLeg", 14, (-0.1, 0.5, 0)), ("rightFoot", 15, (-0.1, 0.08, 0)),
    ]  # fmt: skip
    names = [j[0] for j in joints]
    parents = np.array([j[1] for j in joints])
    world = np.array([j[2] for j in joints], np.float32)
    local = np.array(
        [world[i] - (world[p] if p >= 0 else 0) for i, p in enumerate(parents)], np.float32
    )
    # (joint a, joint b, radius): capsules between joints; head is a sphere on "head"
    limbs = [(0, 2, 0.16), (2, 3, 0.17), (5, 6, 0.05), (6, 7, 0.04), (8, 9, 0.05), (9, 10, 0.04),
             (11, 12, 0.07), (12, 13, 0.05), (14, 15, 0.07), (15, 16, 0.05)]  # fmt: skip
    per_part = target_tris // (len(limbs) + 2)
    parts = []
    for a, b, radius in limbs:
        count = max(8, int(math.sqrt(per_part / 2)))
        cap = trimesh.creation.capsule(
            height=float(np.linalg.norm(world[b] - world[a])), radius=radius, count=[count, count]
        )
        axis = world[b] - world[a]
        rot = trimesh.geometry.align_vectors([0, 0, 1], axis / np.linalg.norm(axis))
        cap.apply_transform(rot)
        cap.apply_translation((world[a] + world[b]) / 2)
        parts.append((cap, a, b))
    sub = max(1, int(round(math.log(max(per_part * 2, 80) / 20, 4))))
    head = trimesh.creation.icosphere(subdivisions=min(sub, 6), radius=0.12)
    head.apply_translation(world[4] + [0, 0.1, 0])
    parts.append((head, 4, 4))
    pos, nrm, tris, jts, wts, offset = [], [], [], [], [], 0
    for mesh, a, b in parts:
        v = np.asarray(mesh.vertices, np.float32)
        seg = world[b] - world[a]
        t = (
            np.zeros(len(v))
            if a == b
            else np.clip((v - world[a]) @ seg / max(seg @ seg, 1e-9), 0, 1)
        )
        w_b = np.clip((t - 0.75) / 0.25, 0, 1) * 0.5  # blend into the next joint near its end
        jts.append(
            np.stack(
                [np.full(len(v), a), np.full(len(v), b), np.zeros(len(v)), np.zeros(len(v))], 1
            )
        )
        wts.append(np.stack([1 - w_b, w_b, np.zeros(len(v)), np.zeros(len(v))], 1))
        pos.append(v)
        nrm.append(np.asarray(mesh.vertex_normals, np.float32))
        tris.append(np.asarray(mesh.faces) + offset)
        offset += len(v)
    pos_a = np.concatenate(pos)
    centred = pos_a - pos_a.mean(0)
    uvs = np.stack(
        [0.5 + np.arctan2(centred[:, 0], centred[:, 2]) / (2 * np.pi), 1 - (pos_a[:, 1] / 1.8)], 1
    )
    rng = np.random.default_rng(seed)
    tex = (rng.integers(0, 40, (512, 512, 4)) + np.array([170, 120, 100, 215])).astype(np.uint8)
    tex[::32] = (60, 60, 160, 255)
    inverse_bind = np.tile(np.eye(4, dtype=np.float32), (len(names), 1, 1))
    inverse_bind[:, :3, 3] = -world
    skeleton = Skeleton(
        names=names, parents=parents, rest_translation=local,
        rest_rotation=np.tile(np.float32([0, 0, 0, 1]), (len(names), 1)),
        rest_scale=np.ones((len(names), 3), np.float32), inverse_bind=inverse_bind,
        humanoid={n: i for i, n in enumerate(names)},
    )  # fmt: skip
    body = MeshPart(
        name="body", positions=pos_a, normals=np.concatenate(nrm), indices=np.concatenate(tris).astype(np.uint32),
        joints=np.concatenate(jts).astype(np.int32), weights=np.concatenate(wts).astype(np.float32),
        uvs=uvs.astype(np.float32),
    )  # fmt: skip
    material = Material(name="textured", texture=tex, base_color=(1, 1, 1, 1))
    return Character(name="synthetic30k", meshes=[body], materials=[material], skeleton=skeleton,
                     shapes={"jawOpen": ShapeBinding(jaw_open=0.3)})  # fmt: skip


def _motion(frames: int) -> Any:
    """An animated clip: swaying spine, waving arms, nodding head, moving mouth."""
    from animation.clip import MotionClip
    from animation.quat import axis_angle

    clip = MotionClip.rest(frames)
    t = np.arange(frames) / 30.0
    for bone, axis, amp, freq in (("spine", (0, 0, 1), 0.1, 0.5), ("head", (1, 0, 0), 0.2, 0.9),
                                  ("leftUpperArm", (0, 0, 1), 0.6, 0.7), ("rightUpperArm", (0, 0, 1), -0.5, 0.6)):  # fmt: skip
        clip.rotations[:, clip.bone_index(bone)] = axis_angle(
            np.array(axis, float), amp * np.sin(2 * np.pi * freq * t)
        )
    clip.morph[:, clip.morph_index("viseme_aa")] = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    clip.morph[:, clip.morph_index("jawOpen")] = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    return clip


def _time(fn: Any, n: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn(0)
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - start) / n


def _bench_character(
    character: Any, frames: int, sizes: dict[str, tuple[int, int]]
) -> dict[str, Any]:
    from avatar.render import create_renderer
    from avatar.rig import Rig

    rig = Rig(character, device="cpu")
    clip = _motion(frames)
    evaluated = rig.evaluate(_motion(60))  # skinning figure: one batch of 60 frames
    skin_s = _time(lambda _: rig.evaluate(_motion(60)), 3, warmup=1) / 60
    out: dict[str, Any] = {
        "triangles": character.num_triangles,
        "vertices": character.num_vertices,
        "skin_ms_per_frame_batch60": round(skin_s * 1000, 3),
    }
    pos = [m.positions[0] for m in evaluated]
    nrm = [m.normals[0] for m in evaluated]
    for backend in BACKENDS:
        for size_name, (w, h) in sizes.items():
            key = f"{backend}_{size_name}"
            try:
                with create_renderer(backend, character, w, h, camera="half_body") as r:
                    render_s = _time(lambda _: r.render(pos, nrm), frames)

                    def skin_and_render(_: int) -> None:
                        for m_frames in [rig.evaluate(clip)]:
                            for i in range(frames):
                                r.render(
                                    [m.positions[i] for m in m_frames],
                                    [m.normals[i] for m in m_frames],
                                )

                    both_s = _time(skin_and_render, 1, warmup=0) / frames
            except Exception as exc:  # report a broken backend instead of aborting the bench
                log.warning("%s failed: %s", key, exc)
                out[key] = {"error": str(exc)}
                continue
            out[key] = {
                "render_fps": round(1 / render_s, 1),
                "skin_render_fps": round(1 / both_s, 1),
            }
    if "moderngl_512x512" in out and "render_fps" in out.get("pyrender_512x512", {}):
        out["moderngl_vs_pyrender_512"] = round(
            out["moderngl_512x512"]["render_fps"] / out["pyrender_512x512"]["render_fps"], 2
        )
    return out


def run(quick: bool = False) -> dict:
    """Measure and return the figures (see module docstring); quick mode < 60 s."""
    import torch

    torch.set_num_threads(max(1, torch.get_num_threads()))
    frames = 20 if quick else 90
    results: dict[str, Any] = {
        "frames_per_measure": frames,
        "torch_threads": torch.get_num_threads(),
    }
    builtin = _load_builtin()
    if builtin is not None:
        results["builtin"] = _bench_character(builtin, frames, SIZES)
    else:
        results["builtin"] = {"error": "built-in avatar not available"}
    results["synthetic30k_textured"] = _bench_character(synthetic_character(), frames, SIZES)
    from avatar.render import create_renderer

    ch = builtin or synthetic_character()
    pos = [m.positions for m in ch.meshes]
    nrm = [m.normals for m in ch.meshes]
    with create_renderer("moderngl", ch, 512, 512, camera="portrait", msaa=4) as r:
        results["moderngl_512x512_msaa4_render_fps"] = round(
            1 / _time(lambda _: r.render(pos, nrm), frames), 1
        )
    return results


if __name__ == "__main__":
    import json

    logging.basicConfig(level=logging.INFO)
    print(json.dumps(run(quick=True), indent=2))  # noqa: T201 - CLI entry point
