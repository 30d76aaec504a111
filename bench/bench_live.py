"""Live pipeline figures: latency, sustained fps over minutes, memory, interrupts, A/V sync.

``run(quick)``: quick = 30 s sustained, full = 600 s, at 512² with the embedded defaults
(Piper voice; the built-in avatar rendered in a child process by
:class:`~stage.live.procrender.ProcessRenderer` when ``avatar.render`` is installed, else
the pattern face). Every figure is measured in this run:

- skinning ms/frame with 1 vs 2 torch threads, side by side (why the render thread uses 1)
- p95 overshoot of a 10 ms sleep while the avatar renders in a thread of this process vs
  in a child process (the GIL held by GL read-back is why the avatar renders in a child)
- text → first audio and → first picture of the line, out of the clock (median of 3)
- sustained: tick rate and real-time ratio (media seconds out / wall seconds), pictures
  rendered per second, ticks that repeated a picture (renderer late), ticks emitted late,
  output drops, RSS after warm-up and at the end, machine load at both ends
- interrupt → silence, on the audio clock and on the wall clock, and → first audio of
  the next line (median and max of 3)
- A/V offset of the real avatar, from the MP4 recorded during the run: mouth opening
  measured from its pixels (:class:`stage.live.sync.MouthMeter`, calibrated on a shut and
  an open-mouth render) cross-correlated with the audio envelope, over the first minute
  (and, in the full run, the last minute too: no drift)
"""

from __future__ import annotations

import asyncio
import os
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
    "Wow.",
    "The speed skating final starts in twenty minutes, so stay with us, because after "
    "that we will talk to two athletes who trained for this moment for eight long years.",
    "Great question!",
    "This scarf comes in four colours, it is made from recycled wool, and tonight it is "
    "twenty percent off for everyone watching, so grab one before the end of the show.",
    "Thank you so much for the kind words, I read every single message.",
    "Let us cheer together!",
    "Our reporter on the mountain says the snow is perfect, the wind has dropped, and the "
    "crowd at the bottom of the slope is louder than I have ever heard it.",
    "Back in a minute.",
]
"""Lines of varied length (1 to 30 words): the voice and its buffers meet every size, so
memory reaches its real plateau instead of the one of a few repeated lines."""
SIZE = 512
FPS = 30


def _rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:  # the process just ended
        pass
    return 0.0


def _children_rss_mb() -> float:
    """RSS of this process's descendants (the child that renders the character)."""
    seen: set[int] = set()
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                kids = [int(k) for k in task.read_text().split()]
            except OSError:
                continue
            todo += [k for k in kids if k not in seen]
            seen.update(kids)
    return sum(_rss_mb(pid) for pid in seen)


def _has_avatar() -> bool:
    try:
        import vhuman.avatar.loader  # noqa: F401
        import vhuman.avatar.render  # noqa: F401
    except ImportError:
        return False
    return True


def _skin_threads() -> dict[str, float]:
    """Skinning ms/frame of the built-in avatar with 1 and 2 torch threads (batch 1, 2)."""
    import torch

    from vhuman.avatar.loader import load_avatar
    from vhuman.avatar.rig import Rig
    from vhuman.stage.live import LiveMotion

    rig = Rig(load_avatar(None), device="cpu")
    clip = LiveMotion(FPS).idle(0, 24)
    before = torch.get_num_threads()
    out: dict[str, float] = {}
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for batch in (1, 2):
                rig.evaluate(clip.slice(0, batch), as_numpy=True)
                t0 = time.perf_counter()
                for start in range(0, 24, batch):
                    rig.evaluate(clip.slice(start, start + batch), as_numpy=True)
                out[f"skin_ms_threads{threads}_batch{batch}"] = 1000 * (time.perf_counter() - t0) / 24
    finally:
        torch.set_num_threads(before)
    out["skin_2_over_1_threads"] = out["skin_ms_threads2_batch1"] / out["skin_ms_threads1_batch1"]
    return out


def _clock_jitter(in_process: bool, seconds: float = 4.0) -> float:
    """p95 overshoot (ms) of 10 ms sleeps in this thread while the avatar renders
    continuously in another thread (``in_process``) or in a child process."""
    import threading

    import numpy as np

    from vhuman.stage.live import AvatarRenderer, LiveMotion
    from vhuman.stage.live.procrender import ProcessRenderer

    pose = LiveMotion(FPS).idle(0, 1)
    stop = threading.Event()
    ready = threading.Event()

    def work() -> None:
        r: Any = AvatarRenderer(None, SIZE, SIZE) if in_process else \
            ProcessRenderer.avatar(None, SIZE, SIZE)
        try:
            r.render(pose)
            ready.set()
            while not stop.is_set():
                r.render(pose)
        finally:
            ready.set()
            r.close()

    th = threading.Thread(target=work, daemon=True)
    th.start()
    ready.wait(180)
    over = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t = time.perf_counter()
        time.sleep(0.01)
        over.append(time.perf_counter() - t - 0.01)
    stop.set()
    th.join(30)
    return float(1000 * np.percentile(over, 95))


def _mouth_meter(renderer: str) -> Any:
    """A pixel mouth meter for the renderer the performer uses (calibrated here)."""
    from vhuman.stage.live import AvatarRenderer, LiveMotion, PatternRenderer
    from vhuman.stage.live.sync import MouthMeter

    pose = LiveMotion(FPS).idle(0, 1)
    wide = pose.slice(0, 1)
    wide.morph[0, wide.morph_index("viseme_aa")] = 1.0
    wide.morph[0, wide.morph_index("jawOpen")] = 1.0
    r: Any = AvatarRenderer(None, SIZE, SIZE) if renderer == "avatar" else PatternRenderer(SIZE, SIZE)
    try:
        return MouthMeter(r.render(pose), r.render(wide))
    finally:
        r.close()


async def _latency_and_interrupts(perf: Any) -> dict[str, float]:
    first_audio, first_frame, first_tts = [], [], []
    for line in LINES[:3]:
        await asyncio.sleep(0.5)
        t0 = time.monotonic()
        handle = await perf.say(line)
        started = await asyncio.wait_for(asyncio.shield(handle.started), 20)
        first_audio.append(started - t0)
        await handle.wait()
        latency = perf.status()["latency"]
        first_frame.append(latency["text_to_first_frame"])
        first_tts.append(latency["tts_first_chunk"])
    silence, silence_clock, new_audio = [], [], []
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
        silence_clock.append(perf.last_interrupt["audio_clock_s"])
        await nxt.wait()
    return {"text_to_first_audio_s": statistics.median(first_audio),
            "text_to_first_frame_s": statistics.median(first_frame),
            "tts_first_sentence_s": statistics.median(first_tts),
            "interrupt_to_silence_s": statistics.median(silence),
            "interrupt_to_silence_max_s": max(silence),
            "interrupt_to_silence_audio_clock_s": max(silence_clock),
            "interrupt_to_new_audio_s": statistics.median(new_audio),
            "interrupt_to_new_audio_max_s": max(new_audio)}


def _memory_trend(memory: list[tuple[float, float, float]]) -> dict[str, Any]:
    """Growth of the total RSS (this process + the renderer) in MB per hour, fitted over
    the second half of the run (after caches and pools have filled), and the samples."""
    t = [m[0] for m in memory]
    total = [m[1] + m[2] for m in memory]
    half = [k for k, x in enumerate(t) if x >= t[-1] / 2]
    slope = 0.0
    if len(half) >= 3:
        import numpy as np

        slope = float(np.polyfit([t[k] for k in half], [total[k] for k in half], 1)[0]) * 3600
    return {"rss_total_max_mb": max(total), "rss_growth_mb_per_hour_second_half": slope,
            "rss_samples": [[round(a, 1), round(b, 1), round(c, 1)] for a, b, c in memory]}


async def _sustained(perf: Any, seconds: float, out: Any) -> dict[str, float]:
    await asyncio.sleep(min(5.0, seconds / 6))  # warm-up
    rss_start, child_start = _rss_mb(), _children_rss_mb()
    load_start = os.getloadavg()[0]
    t0, tick0 = time.monotonic(), perf.tick_index
    samples0 = perf.ring.samples_played
    repeated0, late0 = perf.repeated_frames, perf.clock.late_ticks
    rendered0 = perf.render_loop.rendered
    late_pictures0 = perf.timeline.late_dropped
    memory: list[tuple[float, float, float]] = [(0.0, rss_start, child_start)]

    async def sample_memory() -> None:
        while True:
            await asyncio.sleep(min(30.0, seconds / 10))
            memory.append((time.monotonic() - t0, _rss_mb(), _children_rss_mb()))

    sampler = asyncio.create_task(sample_memory())
    i = 0
    while time.monotonic() - t0 < seconds:
        handle = await perf.say(LINES[i % len(LINES)])
        i += 1
        await handle.wait()
        await asyncio.sleep(1.0 if i % 3 else 3.0)  # idle stretches between lines
    sampler.cancel()
    wall = time.monotonic() - t0
    memory.append((wall, _rss_mb(), _children_rss_mb()))
    ticks = perf.tick_index - tick0
    repeated = perf.repeated_frames - repeated0
    render = perf.metrics.snapshot().get("live_render_seconds", {})
    return {"sustained_seconds": round(wall, 1),
            "tick_fps": ticks / wall,
            "realtime_ratio": (ticks / perf.fps) / wall,
            "speech_fraction": (perf.ring.samples_played - samples0) / perf.sample_rate / wall,
            "rendered_fps": (perf.render_loop.rendered - rendered0) / wall,
            "repeated_frames": repeated,
            "repeated_fraction": repeated / max(ticks, 1),
            "late_pictures_dropped": perf.timeline.late_dropped - late_pictures0,
            "late_ticks": perf.clock.late_ticks - late0,
            "max_tick_lateness_ms": 1000 * perf.clock.max_lateness,
            "output_dropped_frames": out.dropped,
            "render_ms_mean": 1000 * (render.get("mean") or 0.0),
            "lines_spoken": i,
            "rss_start_mb": rss_start, "rss_end_mb": _rss_mb(),
            "renderer_rss_start_mb": child_start, "renderer_rss_end_mb": memory[-1][2],
            **_memory_trend(memory),
            "load_avg_start": load_start, "load_avg_end": os.getloadavg()[0]}


def _av_sync(path: Path, meter: Any, seconds: float, *, at_end: bool) -> dict[str, float]:
    """A/V offset over the first ``seconds`` of the recording (and its last ``seconds``
    when ``at_end``: sync must not drift over a long run)."""
    from vhuman.stage.live.sync import av_offset, mouth_track_from_file
    from vhuman.stage.media import probe

    windows = {"": 0.0}
    if at_end:
        windows["_end"] = max(0.0, probe(path).video_duration - seconds - 2.0)
    out: dict[str, float] = {}
    for suffix, start in windows.items():
        mouth, fps, audio, sr = mouth_track_from_file(str(path), meter, from_seconds=start,
                                                      max_seconds=seconds)
        offset, corr = av_offset(mouth, fps, audio, sr)
        out.update({f"av_offset_ms{suffix}": 1000 * offset, f"av_correlation{suffix}": corr,
                    f"av_window_start_s{suffix}": start,
                    f"av_measured_s{suffix}": len(mouth) / fps})
    out["av_frame_ms"] = 1000 / fps
    return out


async def _main(quick: bool) -> dict[str, Any]:
    from vhuman.stage.live.memory import limit_malloc_arenas

    limit_malloc_arenas()  # as the CLI does before a live show
    from vhuman.models.tts import get_tts
    from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer
    from vhuman.stage.live.procrender import ProcessRenderer
    from vhuman.stage.outputs.recorder import RecorderOutput

    renderer = "avatar" if _has_avatar() else "pattern"
    factory: Any = (lambda: ProcessRenderer.avatar(None, SIZE, SIZE)) if renderer == "avatar" \
        else (lambda: PatternRenderer(SIZE, SIZE))
    figures: dict[str, Any] = {"renderer": renderer, "size": SIZE, "fps_target": FPS,
                               "cpu_count": os.cpu_count()}
    if renderer == "avatar":
        figures.update(await asyncio.to_thread(_skin_threads))
        figures["sleep_overshoot_p95_ms_render_thread"] = await asyncio.to_thread(
            _clock_jitter, True)
        figures["sleep_overshoot_p95_ms_render_process"] = await asyncio.to_thread(
            _clock_jitter, False)
    meter = await asyncio.to_thread(_mouth_meter, renderer)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "live.mp4"
        perf = LivePerformer(LiveConfig(fps=FPS, width=SIZE, height=SIZE),
                             tts=get_tts("piper"), renderer_factory=factory)
        await perf.start()
        out = perf.add_output(RecorderOutput(path, width=SIZE, height=SIZE, fps=FPS,
                                             sample_rate=perf.sample_rate, preset="ultrafast"))
        figures.update(await _latency_and_interrupts(perf))
        figures.update(await _sustained(perf, 30.0 if quick else 600.0, out))
        figures["recorder_errors"] = out.errors
        await perf.close()
        figures.update(await asyncio.to_thread(_av_sync, path, meter, 60.0, at_end=not quick))
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures.items()}


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the live pipeline; see the module docstring for the figures."""
    return asyncio.run(_main(quick))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--full" not in sys.argv), indent=2))
