"""Rendering benchmark: skinning ms/frame, render-only and skin+render(+encode) fps.

Characters: the built-in avatar (19 meshes, face morphs) and a ~30k-triangle textured,
skinned humanoid-ish mesh generated here. Skinning is measured for the packed one-pass
``Rig`` and the mesh-by-mesh ``PerMeshRig`` (the path before packing) interleaved in the
same run, at batch 30 and batch 1 (live batches are small), with torch at 1 thread and at
its default count; render fps per backend and size, through ``render`` (per-mesh lists)
and ``render_packed``; skin+render and skin+render+x264 encode end to end. Every figure
is measured in this run; ratios are side by side. ``bench/gpu_render_check.py`` reuses
these helpers on a CUDA machine.
"""

from __future__ import annotations

import logging
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SIZES = {"512x512": (512, 512), "1280x720": (1280, 720)}
BACKENDS = ("moderngl", "pyrender")


def _load_builtin() -> Any | None:
    try:
        from vhuman.avatar.loader import load_avatar

        return load_avatar(None)
    except Exception as exc:  # the loader may not exist yet on a partial checkout
        log.info("built-in via avatar.loader unavailable: %s", exc)
    try:
        from vhuman.avatar.builtin import builtin_avatar_path
        from vhuman.avatar.gltf import load_gltf

        return load_gltf(builtin_avatar_path())
    except Exception as exc:
        log.warning("built-in avatar unavailable: %s", exc)
        return None


def synthetic_character(target_tris: int = 30_000, seed: int = 0) -> Any:
    """A textured, skinned humanoid-ish character (capsule limbs, sphere head) of about
    ``target_tris`` triangles, with a bind-pose skeleton on the humanoid map."""
    import trimesh

    from vhuman.animation.skeleton import Skeleton
    from vhuman.avatar.character import Character, Material, MeshPart, ShapeBinding

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
        rest_rotation=np.tile(np.array([0, 0, 0, 1], np.float32), (len(names), 1)),
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
    from vhuman.animation.clip import MotionClip
    from vhuman.animation.quat import axis_angle

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
    """Median seconds per call of ``fn(i)`` over ``n`` calls (shared machines: the median
    resists other processes' bursts better than the mean)."""
    for i in range(warmup):
        fn(i)
    times = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _interleaved(
    fns: dict[str, Any], calls: int, rounds: int = 3, warmup: bool = True
) -> dict[str, float]:
    """Median seconds per call of each ``fn()``, measured in alternating rounds of
    ``calls`` calls so that load from other processes hits every variant alike."""
    for fn in fns.values() if warmup else ():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(_time(lambda _, fn=fn: fn(), calls, warmup=0))
    return {name: statistics.median(v) for name, v in samples.items()}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def skin_timings(
    character: Any,
    device: str = "cpu",
    batches: tuple[int, ...] = (30, 1),
    rounds: int = 5,
    threads: int | None = 1,
) -> dict[str, Any]:
    """ms/frame of ``Rig.evaluate`` (packed) and ``PerMeshRig.evaluate`` (mesh by mesh),
    motion clip in, device tensors out, both capped at ``threads`` torch threads (None:
    torch's setting), measured in alternating rounds per batch size."""
    from vhuman.avatar.rig import Rig
    from vhuman.avatar.rig_reference import PerMeshRig

    rigs = {
        "packed": Rig(character, device=device, threads=threads),
        "per_mesh": PerMeshRig(character, device, threads=threads),
    }
    out: dict[str, Any] = {}
    for batch in batches:
        clip = _motion(batch)
        calls = max(2, 30 // batch)

        def call(rig: Any, clip: Any = clip) -> None:
            rig.evaluate(clip)
            _sync(device)

        fns = {name: (lambda rig=rig: call(rig)) for name, rig in rigs.items()}
        secs = _interleaved(fns, calls, rounds)
        packed, per_mesh = secs["packed"] / batch, secs["per_mesh"] / batch
        out[f"batch{batch}"] = {
            "packed_ms_per_frame": round(packed * 1000, 3),
            "per_mesh_ms_per_frame": round(per_mesh * 1000, 3),
            "speedup": round(per_mesh / packed, 1),
        }
    return out


def _encoder(width: int, height: int) -> tuple[Any, Any, Path]:
    import av

    path = Path(tempfile.mkdtemp(prefix="vhuman-bench-")) / "clip.mp4"
    container = av.open(str(path), "w", format="mp4")
    stream = container.add_stream("libx264", rate=30)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"preset": "veryfast", "tune": "zerolatency"}
    return container, stream, path


def skin_render_timings(
    character: Any,
    backend: str,
    size: tuple[int, int],
    frames: int,
    device: str = "cpu",
    encode: bool = False,
    batch: int = 30,
) -> dict[str, Any]:
    """fps of render-only (``render`` and, on moderngl, ``render_packed``), of skin+render
    (packed rig, 1 torch thread, in batches of ``batch`` -> render; and the per-mesh rig
    at torch's default threads -> ``render``, i.e. as before this work), and optionally of skin+render+x264 encode, all one after another in
    one thread (a live pipeline overlaps them, so these are lower bounds)."""
    from vhuman.avatar.render import create_renderer
    from vhuman.avatar.rig import Rig
    from vhuman.avatar.rig_reference import PerMeshRig

    w, h = size
    rig = Rig(character, device=device)
    clip = _motion(frames)
    parts = [clip.slice(i, min(i + batch, frames)) for i in range(0, frames, batch)]
    out: dict[str, Any] = {}
    with create_renderer(backend, character, w, h, camera="half_body") as renderer:
        r: Any = renderer  # render_packed / ctx exist on the moderngl backend only
        packed = rig.evaluate_packed(clip.slice(0, 1), as_numpy=True)
        pos = [m.positions[0] for m in packed.meshes([m.name for m in character.meshes])]
        nrm = [m.normals[0] for m in packed.meshes([m.name for m in character.meshes])]
        out["gl_renderer"] = getattr(r, "ctx", None) and r.ctx.info["GL_RENDERER"]
        fast = hasattr(r, "render_packed")
        renders = {"render_fps": lambda: r.render(pos, nrm)}
        if fast:
            image = np.empty((h, w, 4 if r.transparent else 3), np.uint8)
            p0, n0 = packed.positions[0], packed.normals[0]
            renders["render_packed_fps"] = lambda: r.render_packed(p0, n0, out=image)
        for key, per_call in _interleaved(renders, max(1, frames // 3)).items():
            out[key] = round(1 / per_call, 1)

        def packed_path(sink: Any = None) -> None:
            for part in parts:
                batch_frames = rig.evaluate_packed(part, as_numpy=True)
                for i in range(part.num_frames):
                    if fast:
                        img = r.render_packed(batch_frames.positions[i], batch_frames.normals[i])
                    else:
                        views = batch_frames.meshes([m.name for m in character.meshes])
                        img = r.render(
                            [m.positions[i] for m in views], [m.normals[i] for m in views]
                        )
                    if sink is not None:
                        sink(img)

        old = PerMeshRig(character, device=device, threads=None)

        def per_mesh_path() -> None:
            for part in parts:
                meshes = old.evaluate(part, as_numpy=True)
                for i in range(part.num_frames):
                    r.render([m.positions[i] for m in meshes], [m.normals[i] for m in meshes])

        old.evaluate(parts[0])  # renderer and new rig are warm from the figures above
        paths = _interleaved(
            {"new": packed_path, "old": per_mesh_path}, calls=1, rounds=2, warmup=False
        )
        out["skin_render_fps"] = round(frames / paths["new"], 1)
        out["skin_render_fps_per_mesh_rig"] = round(frames / paths["old"], 1)
        out["skin_render_speedup"] = round(
            out["skin_render_fps"] / out["skin_render_fps_per_mesh_rig"], 2
        )
        if encode:
            import av

            container, stream, path = _encoder(w, h)

            def sink(img: np.ndarray) -> None:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[..., :3]), "rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)

            start = time.perf_counter()
            packed_path(sink)
            for packet in stream.encode():
                container.mux(packet)
            container.close()
            out["skin_render_encode_fps"] = round(frames / (time.perf_counter() - start), 1)
            out["encoded_bytes"] = path.stat().st_size
            path.unlink()
            path.parent.rmdir()
    return out


def _bench_character(
    character: Any,
    frames: int,
    sizes: dict[str, tuple[int, int]],
    backends: tuple[str, ...] = BACKENDS,
    encode_size: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "triangles": character.num_triangles,
        "vertices": character.num_vertices,
        "meshes": len(character.meshes),
    }
    for backend in backends:
        for size_name, size in sizes.items():
            key = f"{backend}_{size_name}"
            try:
                out[key] = skin_render_timings(
                    character, backend, size, frames, encode=size_name == encode_size
                )
            except Exception as exc:  # report a broken backend instead of aborting the bench
                log.warning("%s failed: %s", key, exc)
                out[key] = {"error": str(exc)}
    return out


def _builtin_generation_seconds(rounds: int = 3) -> float:
    """Seconds to generate the built-in host's glTF from code (best of ``rounds``)."""
    from vhuman.avatar.builtin import build_builtin_glb

    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(rounds):
            start = time.perf_counter()
            build_builtin_glb(Path(tmp) / f"host{i}.glb")
            best = min(best, time.perf_counter() - start)
    return round(best, 3)


def run(quick: bool = False) -> dict:
    """Measure and return the figures (see module docstring); quick mode ~1-2 min."""
    import torch

    default_threads = torch.get_num_threads()
    frames = 30 if quick else 60
    results: dict[str, Any] = {
        "frames_per_measure": frames,
        "torch_threads_default": default_threads,
    }
    results["builtin_generation_s"] = _builtin_generation_seconds()
    builtin = _load_builtin()
    if builtin is not None:
        results["builtin_skinning"] = {
            f"threads{n}": skin_timings(builtin, rounds=3 if quick else 7, threads=n)
            for n in sorted({1, default_threads})
        }
        backends = ("moderngl",) if quick else BACKENDS
        results["builtin"] = _bench_character(builtin, frames, SIZES, backends, "512x512")
    else:
        results["builtin"] = {"error": "built-in avatar not available"}
    if not quick:
        results["synthetic30k_textured"] = _bench_character(synthetic_character(), frames, SIZES)
    from vhuman.avatar.render import create_renderer

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
