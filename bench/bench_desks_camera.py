"""What a camera shot costs the live renderer, and how soon a cut shows in the program.

- render cost per frame, wide (the configured camera) against close-up, for the pattern
  face (the close-up is a crop of its picture scaled back: ``crop_frame``) and the real
  avatar (the close-up moves its 3D camera: ``AvatarRenderer.set_framing``), and the cost
  of re-aiming the avatar's camera (what every frame of an ease pays);
- a cut on a live performer (pattern face, 256² at 25 fps): ``set_shot`` -> the first
  tick whose picture is framed close, counted in ticks of the program clock and in wall
  time.

``python -m bench.run --only desks_camera``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import numpy as np

from bench import load_average
from vhuman.models.tts import get_tts
from vhuman.models.types import Emotion
from vhuman.stage.live import LiveConfig, LivePerformer
from vhuman.stage.live.render import AvatarRenderer, PatternRenderer
from vhuman.stage.live.shots import FRAMINGS, crop_frame
from vhuman.stage.outputs.base import ThreadedOutput, Tick

SKIN = np.array([238, 196, 160])


def _ms(samples: list[float]) -> dict[str, float]:
    return {"p50": round(1000 * statistics.median(samples), 3),
            "mean": round(1000 * statistics.fmean(samples), 3), "n": len(samples)}


def _skin_share(image: np.ndarray) -> float:
    return float(np.all(np.abs(image[..., :3].astype(int) - SKIN) <= 12, axis=-1).mean())


def _pattern_cost(size: int, frames: int, pose: Any) -> dict[str, Any]:
    renderer = PatternRenderer(size, size)
    out: dict[str, Any] = {}
    for shot in ("wide", "close_up"):
        times = []
        for _ in range(frames):
            t0 = time.perf_counter()
            crop_frame(renderer.render(pose), FRAMINGS[shot])
            times.append(time.perf_counter() - t0)
        out[f"{shot}_frame_ms"] = _ms(times)
    out["close_up_extra_ms"] = round(out["close_up_frame_ms"]["p50"]
                                     - out["wide_frame_ms"]["p50"], 3)
    return out


def _avatar_cost(size: int, frames: int, pose: Any) -> dict[str, Any]:
    renderer = AvatarRenderer(None, size, size)
    out: dict[str, Any] = {}
    try:
        renderer.render(pose)  # shaders compiled, buffers made
        for shot in ("wide", "close_up"):
            f = FRAMINGS[shot]
            renderer.set_framing(f.zoom, f.focus)
            times = []
            for _ in range(frames):
                t0 = time.perf_counter()
                renderer.render(pose)
                times.append(time.perf_counter() - t0)
            out[f"{shot}_frame_ms"] = _ms(times)
        aims = []
        for i in range(frames):  # an ease: a new aim every frame
            t0 = time.perf_counter()
            renderer.set_framing(1.0 + i / frames, i / frames)
            aims.append(time.perf_counter() - t0)
        out["re_aim_camera_ms"] = _ms(aims)
    finally:
        renderer.close()
    return out


class _Frames(ThreadedOutput):
    def __init__(self) -> None:
        super().__init__("frames", max_queue=2000)
        self.ticks: list[tuple[int, float, float]] = []

    def write(self, tick: Tick) -> None:
        self.ticks.append((tick.index, tick.wall, _skin_share(tick.image)))


async def _cut_to_program(cuts: int) -> dict[str, Any]:
    perf = LivePerformer(LiveConfig(fps=25, width=256, height=256), tts=get_tts("espeak"))
    await perf.start()
    out = perf.add_output(_Frames())
    ticks_to, wall_to = [], []
    try:
        await asyncio.sleep(1.0)
        for i in range(cuts):
            shot = "close_up" if i % 2 == 0 else "wide"
            await asyncio.sleep(0.8)
            n = len(out.ticks)
            if not n:
                continue
            before = out.ticks[-1]
            t0 = time.monotonic()
            perf.set_shot(shot)
            await asyncio.sleep(1.0)
            after = out.ticks[n:]
            if len(after) < 6:
                continue
            settled = float(np.median([t[2] for t in after[-5:]]))
            middle = (before[2] + settled) / 2  # the first tick past half-way is the cut
            hit = next((t for t in after if (t[2] - middle) * (settled - before[2]) > 0), None)
            if hit is not None and abs(settled - before[2]) > 0.05:
                ticks_to.append(hit[0] - before[0])
                wall_to.append(hit[1] - t0)
    finally:
        await perf.close()
    return {"cuts": cuts, "seen": len(ticks_to),
            "cut_to_first_framed_tick_ticks_p50": statistics.median(ticks_to) if ticks_to else None,
            "cut_to_first_framed_tick_ms": _ms(wall_to) if wall_to else None}


def run(quick: bool = False) -> dict[str, Any]:
    load_before = load_average()
    frames = 20 if quick else 60
    motion = LivePerformer(LiveConfig(width=64, height=64), tts=get_tts("espeak")).motion
    pose = motion.idle(0, 1, emotion=Emotion.NEUTRAL, intensity=0.6)
    figures: dict[str, Any] = {
        "pattern_256": _pattern_cost(256, frames, pose),
        "pattern_512": _pattern_cost(512, frames, pose),
        "avatar_256": _avatar_cost(256, frames, pose),
        "live_cut": asyncio.run(_cut_to_program(4 if quick else 8)),
    }
    figures["loadavg_before"] = load_before
    figures["loadavg_after"] = load_average()
    return figures


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
