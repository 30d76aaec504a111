"""GPU check of the live render path: packed rig on CUDA + moderngl on NVIDIA EGL.

Run on a CUDA machine (see the rigperf notes for the wheel/loader setup):

    python -m bench.gpu_render_check --out $OUT/render_gpu.json [--character FILE.pkl]

It builds (or reads) the built-in character, checks that the GL renderer is the NVIDIA
driver (not llvmpipe) and that CUDA skinning agrees with the CPU reference, then measures
skinning ms/frame (packed vs mesh-by-mesh, batch 30 and 1, CUDA and CPU), render-only fps
and skin+render(+x264 encode at 512²) fps at 512² and 720p with the helpers of
``bench.bench_render``. ``--export FILE.pkl`` (run where the glTF loader works) writes the
character as a numpy-version-independent pickle, for machines that lack scipy.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import logging
import pickle
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
_ND = "__ndarray__"


def _strip(obj: Any) -> Any:
    """Replace numpy arrays/scalars by plain tuples so unpickling needs no numpy pickles."""
    if isinstance(obj, np.ndarray):
        return (_ND, obj.dtype.str, obj.shape, obj.tobytes())
    if isinstance(obj, np.generic):
        return obj.item()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = copy.copy(obj)
        for f in dataclasses.fields(obj):
            setattr(out, f.name, _strip(getattr(obj, f.name)))
        return out
    if isinstance(obj, list | tuple):
        return type(obj)(_strip(v) for v in obj)
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items()}
    return obj


def _restore(obj: Any) -> Any:
    if isinstance(obj, tuple) and len(obj) == 4 and obj[0] == _ND:
        return np.frombuffer(obj[3], dtype=np.dtype(obj[1])).reshape(obj[2]).copy()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            setattr(obj, f.name, _restore(getattr(obj, f.name)))
        return obj
    if isinstance(obj, list | tuple):
        return type(obj)(_restore(v) for v in obj)
    if isinstance(obj, dict):
        return {k: _restore(v) for k, v in obj.items()}
    return obj


def export_character(path: Path) -> None:
    """Write the built-in character (loaded here) to ``path``."""
    from vhuman.avatar.loader import load_avatar

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(_strip(load_avatar(None)), protocol=4))


def load_character(path: Path | None) -> Any:
    """The character from an exported file, or the built-in through the loader."""
    if path is not None and path.is_file():
        return _restore(pickle.loads(path.read_bytes()))  # our own export, not user input
    import tempfile

    from vhuman.avatar.builtin import build_builtin_glb
    from vhuman.avatar.loader import load_avatar

    return load_avatar(build_builtin_glb(Path(tempfile.mkdtemp()) / "host.glb"))


def check(character: Any, frames: int) -> dict[str, Any]:
    """All figures (see module docstring)."""
    import torch

    from bench.bench_render import SIZES, _motion, skin_render_timings, skin_timings
    from vhuman.avatar.rig import Rig
    from vhuman.avatar.rig_reference import PerMeshRig

    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    out: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda_device": torch.cuda.get_device_name(0) if cuda else None,
        "cpu_threads": torch.get_num_threads(),
        "vertices": character.num_vertices,
        "triangles": character.num_triangles,
    }
    clip = _motion(8)
    got = Rig(character, device=device).evaluate(clip, as_numpy=True)
    want = PerMeshRig(character, device="cpu").evaluate(clip, as_numpy=True)
    pairs = list(zip(got, want, strict=True))
    out["max_abs_diff_vs_cpu_reference"] = {
        "positions": float(max(np.abs(a.positions - b.positions).max() for a, b in pairs)),
        "normals": float(max(np.abs(a.normals - b.normals).max() for a, b in pairs)),
    }
    out["skinning_cuda" if cuda else "skinning_cpu"] = skin_timings(character, device)
    if cuda:
        out["skinning_cpu"] = skin_timings(character, "cpu", rounds=3)
    for name, size in SIZES.items():
        start = time.perf_counter()
        try:
            out[f"moderngl_{name}"] = skin_render_timings(
                character, "moderngl", size, frames, device=device, encode=name == "512x512"
            )
        except Exception as exc:  # report, keep the other size
            log.exception("moderngl %s failed", name)
            out[f"moderngl_{name}"] = {"error": repr(exc)}
        log.info("%s done in %.1f s", name, time.perf_counter() - start)
    gl = out.get("moderngl_512x512", {}).get("gl_renderer") or ""
    out["gl_is_nvidia"] = "NVIDIA" in str(gl).upper()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="JSON file for the figures")
    parser.add_argument("--character", type=Path, help="exported character (.pkl)")
    parser.add_argument("--export", type=Path, help="write the built-in character and exit")
    parser.add_argument("--frames", type=int, default=120)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.export:
        export_character(args.export)
        return
    results = check(load_character(args.character), args.frames)
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    log.info("results:\n%s", text)


if __name__ == "__main__":
    main()
