"""`vhuman say` figures: speed, start-up, memory, and how fast a bad argument is refused.

Measured side by side in one run: the clip's duration against the wall time of the
engine (voice → motion → skin → render → encode), and the encoder alone on the same
frames, so the real-time ratio is not at the mercy of a busy machine's absolute speed.
Start-up and memory run in fresh processes (``python -c``): the start-up breakdown
(imports, voice, avatar, rig, GL context + shaders, first picture), the first frame of
a real ``render_clip`` counted from process start, and the peak RSS of a short and a
long clip — flat when frames stream to the encoder (full run: 10 s and 10 min).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TEXT = ("[wave] Good evening and welcome to the show! Tonight we cheer for the skaters, "
        "we talk with you live, and at the end we dance together. Stay with me!")


def run(quick: bool = False) -> dict:
    import av

    from vhuman.stage.media import MediaWriter, probe
    from vhuman.stage.say import RenderOptions, render_clip

    with tempfile.TemporaryDirectory() as tmp:
        opts = RenderOptions(width=512, height=512, fps=30)
        render_clip("Warm up.", Path(tmp) / "warm.mp4", options=opts)  # load models once
        runs = []
        for i in range(1 if quick else 3):
            out = Path(tmp) / f"say{i}.mp4"
            result = render_clip(TEXT, out, emotion="happy", options=opts, collect=True)
            runs.append(result)
        best = min(runs, key=lambda r: r.total_s)
        info = probe(best.path)
        with av.open(str(best.path)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        t0 = time.perf_counter()
        with MediaWriter(Path(tmp) / "enc.mp4", width=512, height=512, fps=30,
                         sample_rate=best.sample_rate) as writer:
            writer.write_audio(best.audio)
            for image in frames:
                writer.write_video(image)
        encode_s = time.perf_counter() - t0
        render_encode_s = _render_encode(best, Path(tmp) / "re.mp4")
    totals = [r.total_s for r in runs]
    with tempfile.TemporaryDirectory() as tmp:
        startup = _in_fresh_process(_STARTUP, tmp)
        lengths = (10.0, 60.0) if quick else (10.0, 600.0)
        memory = {f"{int(s)}s": _in_fresh_process(_CLIP, str(s), tmp) for s in lengths}
        refuse = _refuse_bad_avatar(tmp)
    return {
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "startup_breakdown_s": startup,
        "first_frame_from_process_start_s": memory["10s"]["first_frame_s"],
        "peak_rss_mb_by_clip_length": {k: v["peak_rss_mb"] for k, v in memory.items()},
        "long_clips": memory,
        "bad_avatar_refused_s": refuse,
        "text_chars": len(TEXT),
        "clip_seconds": round(best.duration, 3),
        "video_frames": info.video_frames,
        "av_length_diff_ms": round(1000 * (info.video_duration - info.audio_duration), 1),
        "first_audio_ms": round(1000 * float(np.median([r.first_audio_s for r in runs])), 1),
        "say_wall_s": [round(t, 2) for t in totals],
        "say_realtime_factor": round(best.total_s / best.duration, 3),
        "say_pipeline_fps_512": round(info.video_frames / best.total_s, 1),
        "skin_render_encode_fps_512": round(len(frames) / render_encode_s, 1),
        "encode_only_fps_512": round(len(frames) / encode_s, 1),
        "note": "say_* covers TTS + motion + skinning + rendering + encoding with models warm; "
                "skin_render_encode replays the clip's motion through Rig + moderngl + x264",
    }


def _render_encode(result, out: Path) -> float:
    """Seconds to skin, render and encode ``result``'s motion again (the video path alone)."""
    from vhuman.avatar.loader import load_avatar
    from vhuman.avatar.render import create_renderer, render_motion
    from vhuman.avatar.rig import Rig
    from vhuman.stage.media import MediaWriter

    character = load_avatar(None)
    rig = Rig(character)
    clip = result.motion_clip
    with create_renderer("moderngl", character, width=512, height=512) as renderer:
        t0 = time.perf_counter()
        with MediaWriter(out, width=512, height=512, fps=clip.fps, sample_rate=None) as writer:
            for start in range(0, clip.num_frames, 30):
                part = clip.slice(start, min(start + 30, clip.num_frames))
                for image in render_motion(rig, renderer, part):
                    writer.write_video(image)
        return time.perf_counter() - t0


_STARTUP = r"""
import json, time
t0 = time.monotonic()
import torch, avatar.rig, avatar.render, models.tts, stage.say, stage.live
t1 = time.monotonic()
from vhuman.models.tts import get_tts
list(get_tts("piper").synthesize_iter("Hi."))
t2 = time.monotonic()
from vhuman.avatar.loader import load_avatar
character = load_avatar(None)
t3 = time.monotonic()
rig = avatar.rig.Rig(character)
t4 = time.monotonic()
renderer = avatar.render.create_renderer("moderngl", character, width=512, height=512)
t5 = time.monotonic()
from vhuman.avatar.render.motion import render_motion
from vhuman.stage.live import LiveMotion
next(render_motion(rig, renderer, LiveMotion(30).idle(0, 1)))
t6 = time.monotonic()
print(json.dumps({"imports": t1 - t0, "voice_load_and_first_sentence": t2 - t1,
                  "avatar_load": t3 - t2, "rig": t4 - t3, "gl_context_and_shaders": t5 - t4,
                  "first_picture": t6 - t5, "total": t6 - t0}))
"""

_CLIP = r"""
import json, resource, sys, time
t0 = time.monotonic()
from vhuman.stage.say import RenderOptions, render_clip
t1 = time.monotonic()
seconds, out = float(sys.argv[1]), sys.argv[2] + "/clip.mp4"
lines = ["Good evening and welcome back to the show.", "Tonight we cheer for the skaters.",
         "The weather is cold, so grab a warm drink.", "We will chat with you live.",
         "At the end we dance together.", "Thank you all for being here with me."]
words, parts, i = int(seconds * 2.9), [], 0
while sum(len(p.split()) for p in parts) < words:
    parts.append(lines[i % len(lines)])
    i += 1
result = render_clip(" ".join(parts), out, emotion="happy",
                     options=RenderOptions(width=512, height=512, fps=30))
print(json.dumps({"clip_s": round(result.duration, 1), "frames": result.frames,
                  "render_wall_s": round(result.total_s, 1),
                  "first_frame_s": round(t1 - t0 + result.first_audio_s, 2),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def _in_fresh_process(script: str, *args: str) -> dict:
    """Run ``script`` in a new interpreter from the repo root; its last line is JSON."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=root,
                          capture_output=True, text=True, timeout=7200)
    if done.returncode:
        raise RuntimeError(f"probe failed ({done.returncode}): {done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}


def _refuse_bad_avatar(tmp: str) -> float:
    """Seconds for ``vhuman say hi --avatar /nonexistent.glb`` to exit with an error."""
    root = Path(__file__).resolve().parents[1]
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "vhuman.stage.cli", "-q", "say", "hi", "--avatar",
                           "/nonexistent.glb", "-o", f"{tmp}/x.mp4"], cwd=root,
                          capture_output=True, text=True, timeout=60)
    took = time.perf_counter() - t0
    if done.returncode != 2:
        raise RuntimeError(f"bad avatar not refused: {done.returncode} {done.stderr}")
    return round(took, 3)
