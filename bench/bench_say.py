"""Walking-skeleton figures: text → first audio, and the whole `vhuman say` path at 512².

Measured side by side in one run: the clip's duration against the wall time of the
pipeline (voice → motion → skin → render → encode), and the encoder alone on the same
frames, so the real-time ratio is not at the mercy of a busy machine's absolute speed.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

TEXT = ("[wave] Good evening and welcome to the show! Tonight we cheer for the skaters, "
        "we talk with you live, and at the end we dance together. Stay with me!")


def run(quick: bool = False) -> dict:
    import av

    from stage.media import MediaWriter, probe
    from stage.say import RenderOptions, render_clip

    with tempfile.TemporaryDirectory() as tmp:
        opts = RenderOptions(width=512, height=512, fps=30)
        render_clip("Warm up.", Path(tmp) / "warm.mp4", options=opts)  # load models once
        runs = []
        for i in range(1 if quick else 3):
            out = Path(tmp) / f"say{i}.mp4"
            result = render_clip(TEXT, out, emotion="happy", options=opts)
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
    return {
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
    from avatar.loader import load_avatar
    from avatar.render import create_renderer, render_motion
    from avatar.rig import Rig
    from stage.media import MediaWriter

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
