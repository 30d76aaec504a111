"""The live performer on a busy machine: `stress-ng --cpu 2` beside it, then calm again.

Three phases in one run, the avatar speaking lines all along (512², 30 fps, the built-in
character rendered in a child process, as a show runs): calm, stressed (``stress-ng
--cpu 2`` hogging both cores here), and calm again. Per phase: pictures rendered per
second, repeated pictures, ticks the clock emitted late and by how much (the audio's
lateness on the wall clock), pictures dropped because they missed their tick, and the
render-quality level (:mod:`stage.live.quality`); the A/V offset of the recording over
each phase (mouth from pixels vs audio envelope); and the recovery time: from the end of
the stress to quality back at full size and rate.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_live import FPS, LINES, SIZE, _has_avatar, _mouth_meter


async def _speak_for(perf: Any, seconds: float, levels: list[tuple[float, int]],
                     t_origin: float) -> None:
    """Say lines back to back for ``seconds``, sampling the quality level every 0.25 s."""
    end = time.monotonic() + seconds
    i = 0
    handle = None
    while time.monotonic() < end:
        if handle is None or handle.done.done():
            handle = await perf.say(LINES[i % len(LINES)])
            i += 1
        quality = perf.status()["quality"] or {"level": 0}
        levels.append((time.monotonic() - t_origin, int(quality["level"])))
        await asyncio.sleep(0.25)


def _counters(perf: Any) -> dict[str, float]:
    return {"t": time.monotonic(), "ticks": perf.tick_index, "rendered": perf.render_loop.rendered,
            "repeated": perf.repeated_frames, "late_ticks": perf.clock.late_ticks,
            "dropped": perf.timeline.late_dropped}


def _phase(a: dict[str, float], b: dict[str, float], lateness: list[float]) -> dict[str, Any]:
    wall = b["t"] - a["t"]
    ticks = b["ticks"] - a["ticks"]
    return {"seconds": round(wall, 1), "tick_fps": round(ticks / wall, 2),
            "picture_fps": round((b["rendered"] - a["rendered"]) / wall, 2),
            "repeated_pictures": int(b["repeated"] - a["repeated"]),
            "repeated_fraction": round((b["repeated"] - a["repeated"]) / max(ticks, 1), 3),
            "late_pictures_dropped": int(b["dropped"] - a["dropped"]),
            "late_ticks": int(b["late_ticks"] - a["late_ticks"]),
            "audio_tick_lateness_p95_ms": round(1000 * _p95(lateness), 1),
            "load_avg_1min_end": round(os.getloadavg()[0], 2)}


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


async def _main(quick: bool) -> dict[str, Any]:
    from vhuman.models.tts import get_tts
    from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer
    from vhuman.stage.live.procrender import ProcessRenderer
    from vhuman.stage.outputs.base import Tick
    from vhuman.stage.outputs.recorder import RecorderOutput

    if shutil.which("stress-ng") is None:
        return {"skipped": "stress-ng is not installed (apt-get install stress-ng)"}
    calm_s, stress_s, after_s = (10.0, 20.0, 25.0) if quick else (20.0, 60.0, 45.0)
    renderer = "avatar" if _has_avatar() else "pattern"
    factory: Any = (lambda: ProcessRenderer.avatar(None, SIZE, SIZE)) if renderer == "avatar" \
        else (lambda: PatternRenderer(SIZE, SIZE))
    meter = await asyncio.to_thread(_mouth_meter, renderer)
    lateness: list[float] = []

    class Lateness:
        """How late each tick left the clock (wall clock), kept per phase."""

        name = "lateness"

        def start(self) -> None: ...

        def offer(self, tick: Tick) -> None:
            lateness.append(max(0.0, tick.wall - perf.clock.due(tick.index)))

        def interrupt(self) -> None: ...

        def close(self) -> None: ...

        def stats(self) -> dict[str, Any]:
            return {"written": len(lateness)}

    figures: dict[str, Any] = {"renderer": renderer, "size": SIZE, "fps_target": FPS,
                               "cpu_count": os.cpu_count(), "stress": "stress-ng --cpu 2",
                               "load_avg_1min_start": round(os.getloadavg()[0], 2)}
    levels: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "load.mp4"
        perf = LivePerformer(LiveConfig(fps=FPS, width=SIZE, height=SIZE),
                             tts=get_tts("piper"), renderer_factory=factory)
        await perf.start()
        perf.add_output(RecorderOutput(path, width=SIZE, height=SIZE, fps=FPS,
                                       sample_rate=perf.sample_rate, preset="ultrafast"))
        perf.add_output(Lateness())
        t_origin = time.monotonic()
        marks = [_counters(perf)]
        await _speak_for(perf, calm_s, levels, t_origin)
        marks.append(_counters(perf))
        calm_late, lateness[:] = list(lateness), []
        stress = subprocess.Popen(["stress-ng", "--cpu", "2", "--timeout", f"{int(stress_s)}s",
                                   "--quiet"])
        try:
            await _speak_for(perf, stress_s, levels, t_origin)
        finally:
            stress.terminate()
            stress.wait(10)
        stress_end = time.monotonic() - t_origin
        marks.append(_counters(perf))
        stress_late, lateness[:] = list(lateness), []
        await _speak_for(perf, after_s, levels, t_origin)
        marks.append(_counters(perf))
        after_late = list(lateness)
        await perf.close()
        figures["calm"] = _phase(marks[0], marks[1], calm_late)
        figures["stressed"] = _phase(marks[1], marks[2], stress_late)
        figures["after"] = _phase(marks[2], marks[3], after_late)
        for name, start, span in (("calm", 0.0, calm_s), ("stressed", calm_s, stress_s),
                                  ("after", calm_s + stress_s, after_s)):
            sync = await asyncio.to_thread(_av_window, path, meter, start, span)
            figures[name].update(sync)
    stressed_levels = [lv for t, lv in levels if calm_s <= t <= stress_end]
    back = next((t for t, lv in levels if t > stress_end and lv == 0), None)
    figures["quality_max_level_stressed"] = max(stressed_levels, default=0)
    figures["quality_level_end"] = levels[-1][1] if levels else 0
    figures["recovery_s_after_stress"] = None if back is None else round(back - stress_end, 2)
    return figures


def _av_window(path: Path, meter: Any, start: float, seconds: float) -> dict[str, float]:
    from vhuman.stage.live.sync import av_offset, mouth_track_from_file

    mouth, fps, audio, sr = mouth_track_from_file(str(path), meter, from_seconds=start,
                                                  max_seconds=seconds)
    offset, corr = av_offset(mouth, fps, audio, sr)
    return {"av_offset_ms": round(1000 * offset, 1), "av_correlation": round(corr, 3)}


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the live performer beside ``stress-ng --cpu 2``; see the module docstring."""
    return asyncio.run(_main(quick))
