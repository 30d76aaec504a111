"""Recording the live output: MP4 in sync (measured from the file), WebM with alpha."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from vhuman.models.tts import get_tts
from vhuman.models.types import InputError
from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer
from vhuman.stage.live.sync import av_offset, mouth_track_from_file
from vhuman.stage.media import probe
from vhuman.stage.outputs.recorder import RecorderOutput


def _record(path: Path, *, alpha: bool = False, background: str | None = None,
            seconds: float = 3.0) -> PatternRenderer:
    size = 128
    probe_renderer = PatternRenderer(size, size, background=background, transparent=alpha)

    async def main() -> None:
        perf = LivePerformer(LiveConfig(fps=30, width=size, height=size),
                             tts=get_tts("espeak"),
                             renderer_factory=lambda: PatternRenderer(
                                 size, size, background=background, transparent=alpha))
        await perf.start()
        perf.add_output(RecorderOutput(path, width=size, height=size, fps=30,
                                       sample_rate=perf.sample_rate, alpha=alpha))
        await perf.say("Papa bought a big map. Mama opened all the windows at noon.")
        await asyncio.sleep(seconds)
        await perf.close()

    asyncio.run(main())
    return probe_renderer


def test_mp4_recording_is_in_sync_measured_from_pixels(tmp_path: Path) -> None:
    path = tmp_path / "live.mp4"
    renderer = _record(path)
    info = probe(path)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert 2.8 <= info.video_duration <= 3.6 and abs(info.audio_duration - info.video_duration) < 0.1
    mouth, fps, audio, sr = mouth_track_from_file(str(path), renderer.mouth_openness)
    assert mouth.max() > 0.5 and mouth.min() < 0.2  # the mouth opens and closes
    offset, corr = av_offset(mouth, fps, audio, sr)
    assert corr > 0.25, corr  # mouth shape is not loudness (PP closes), so ~0.4-0.6
    # goal 20 ms (bench: 17-18 ms); a loaded CI machine repeats frames, so allow 50 ms
    assert abs(offset) <= 0.05, offset


def test_green_and_transparent_recordings_for_obs(tmp_path: Path) -> None:
    import av

    green = tmp_path / "green.mp4"
    _record(green, background="green", seconds=1.0)
    with av.open(str(green)) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
    r, g, b = (int(v) for v in frame[2, 2])
    assert g > 150 and r < 40 and b < 90  # chroma green, keyable in OBS

    clear = tmp_path / "alpha.webm"
    _record(clear, alpha=True, seconds=1.0)
    with av.open(str(clear)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "vp9"
        assert stream.metadata.get("alpha_mode", stream.metadata.get("ALPHA_MODE")) == "1"
    with pytest.raises(InputError, match="webm"):
        RecorderOutput(tmp_path / "x.mp4", width=64, height=64, fps=30, sample_rate=22050,
                       alpha=True)


def test_mp4_recording_survives_the_process_being_killed(tmp_path: Path) -> None:
    """A live MP4 is fragmented: kill -9 mid-show and what was recorded still plays."""
    import os
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "killed.mp4"
    script = f"""
import sys, time, numpy as np
from vhuman.stage.outputs.base import Tick
from vhuman.stage.outputs.recorder import RecorderOutput
out = RecorderOutput({str(path)!r}, width=64, height=64, fps=30, sample_rate=22050,
                     preset="ultrafast")
out.start()
for k in range(100000):
    img = np.full((64, 64, 3), k % 255, np.uint8)
    out.offer(Tick(index=k, pts=k / 30, fps=30, image=img, audio=np.zeros(735, np.float32),
                   sample_rate=22050))
    if k == 150:
        print("recorded", flush=True)
    time.sleep(1 / 60)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "recorded"
        time.sleep(0.5)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    info = probe(path)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.video_frames >= 60 and info.video_duration >= 2.0  # whole fragments survive
    assert abs(info.audio_duration - info.video_duration) < 2.1  # up to one fragment apart
