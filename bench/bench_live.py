"""Live pipeline figures: latency, sustained fps over minutes, memory, interrupts, A/V sync.

``run(quick)``: quick = 30 s sustained, full = 600 s, at 512² with the embedded defaults
(Piper voice; the built-in avatar when ``avatar.render`` is installed, else the pattern
face). Every figure is measured in this run:

- text → first audio / first video frame out of the clock (median of 3 lines)
- sustained fps, real-time ratio (media seconds out / wall seconds), frames that had to
  repeat the previous picture, output drops, render load (render time × fps), RSS of the
  process after warm-up and at the end
- interrupt → silence (first all-zero audio tick) and → first audio of the next line
- A/V offset from a recorded MP4: mouth opening measured from the pixels of the mouth
  region (pattern face, whose mouth box is known) cross-correlated with audio RMS
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

LINES = [
    "Welcome back to the show, it is great to have you all here tonight.",
    "Today we are looking at three new gadgets, and one of them surprised me.",
    "Let me know in the chat which one you would like to see first.",
    "While you decide, here is a quick story about my first live stream.",
]


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def _renderer_factory(size: int) -> tuple[Any, str]:
    from stage.live import PatternRenderer

    try:
        import avatar.loader  # noqa: F401
        import avatar.render  # noqa: F401

        from stage.live import AvatarRenderer

        return (lambda: AvatarRenderer(None, size, size)), "avatar"
    except ImportError:
        return (lambda: PatternRenderer(size, size)), "pattern"


async def _latency_and_interrupts(perf: Any) -> dict[str, float]:
    first_audio = []
    for line in LINES[:3]:
        await asyncio.sleep(0.5)
        t0 = time.monotonic()
        handle = await perf.say(line)
        started = await asyncio.wait_for(asyncio.shield(handle.started), 20)
        first_audio.append(started - t0)
        await handle.wait()
    silence, new_audio = [], []
    for line in LINES[:3]:
        handle = await perf.say(line)
        await asyncio.wait_for(asyncio.shield(handle.started), 20)
        await asyncio.sleep(1.0)
        t0 = time.monotonic()
        await perf.interrupt("bench")
        nxt = await perf.say("Sorry, let me answer that.")
        started = await asyncio.wait_for(asyncio.shield(nxt.started), 20)
        new_audio.append(started - t0)
        silence.append(perf.last_interrupt["wall_s"])
        await nxt.wait()
    return {"text_to_first_audio_s": statistics.median(first_audio),
            "text_to_first_frame_s": statistics.median(first_audio),  # same tick carries both
            "interrupt_to_silence_s": statistics.median(silence),
            "interrupt_to_silence_max_s": max(silence),
            "interrupt_to_new_audio_s": statistics.median(new_audio)}


async def _sustained(perf: Any, seconds: float, out: Any) -> dict[str, float]:
    await asyncio.sleep(min(5.0, seconds / 6))  # warm-up
    rss_start = _rss_mb()
    t0, tick0 = time.monotonic(), perf.tick_index
    samples0 = perf.ring.samples_played
    dropped0 = perf.dropped_frames
    i = 0
    while time.monotonic() - t0 < seconds:
        handle = await perf.say(LINES[i % len(LINES)])
        i += 1
        await handle.wait()
        await asyncio.sleep(1.0 if i % 3 else 3.0)  # idle stretches between lines
    wall = time.monotonic() - t0
    ticks = perf.tick_index - tick0
    render = perf.metrics.snapshot().get("live_render_seconds", {})
    return {"sustained_seconds": round(wall, 1),
            "fps": ticks / wall,
            "realtime_ratio": (ticks / perf.fps) / wall,
            "audio_realtime_ratio": (perf.ring.samples_played - samples0) / perf.sample_rate / wall,
            "repeated_frames": perf.dropped_frames - dropped0,
            "output_dropped_frames": out.dropped,
            "render_ms_mean": 1000 * (render.get("mean") or 0.0),
            "render_load": (render.get("mean") or 0.0) * perf.fps,
            "lines_spoken": i,
            "rss_start_mb": rss_start, "rss_end_mb": _rss_mb()}


async def _av_sync(tmp: Path) -> dict[str, float]:
    from models.tts import get_tts
    from stage.live import LiveConfig, LivePerformer, PatternRenderer
    from stage.live.sync import av_offset, mouth_track_from_file
    from stage.outputs.recorder import RecorderOutput

    size = 256
    path = tmp / "sync.mp4"
    perf = LivePerformer(LiveConfig(fps=30, width=size, height=size), tts=get_tts("piper"),
                         renderer_factory=lambda: PatternRenderer(size, size))
    await perf.start()
    perf.add_output(RecorderOutput(path, width=size, height=size, fps=30,
                                   sample_rate=perf.sample_rate))
    for line in LINES[:2]:
        await (await perf.say(line)).wait()
    await perf.close()
    mouth, fps, audio, sr = mouth_track_from_file(str(path), PatternRenderer(size, size).mouth_openness)
    offset, corr = av_offset(mouth, fps, audio, sr)
    return {"av_offset_ms": 1000 * offset, "av_correlation": corr}


async def _main(quick: bool) -> dict[str, Any]:
    from models.tts import get_tts
    from stage.live import LiveConfig, LivePerformer
    from stage.outputs.recorder import RecorderOutput

    size = 512
    factory, renderer = _renderer_factory(size)
    with tempfile.TemporaryDirectory() as tmp:
        perf = LivePerformer(LiveConfig(fps=30, width=size, height=size),
                             tts=get_tts("piper"), renderer_factory=factory)
        await perf.start()
        out = perf.add_output(RecorderOutput(Path(tmp) / "live.mp4", width=size, height=size,
                                             fps=30, sample_rate=perf.sample_rate,
                                             preset="ultrafast"))
        figures: dict[str, Any] = {"renderer": renderer, "size": size, "fps_target": 30}
        figures.update(await _latency_and_interrupts(perf))
        figures.update(await _sustained(perf, 30.0 if quick else 600.0, out))
        figures["recorder_errors"] = out.errors
        await perf.close()
        figures.update(await _av_sync(Path(tmp)))
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures.items()}


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the live pipeline; see the module docstring for the figures."""
    return asyncio.run(_main(quick))


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
