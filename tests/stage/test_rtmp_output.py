"""RTMP push against a real nginx-rtmp on 127.0.0.1: decode what it received."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from vhuman.models.tts import get_tts
from vhuman.stage.live import LiveConfig, LivePerformer, Metrics
from vhuman.stage.outputs.rtmp import RtmpOutput

sys.path.insert(0, str(Path(__file__).parent))
_spec = importlib.util.spec_from_file_location("rtmp_server", Path(__file__).parent / "rtmp_server.py")
rtmp_server = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(rtmp_server)  # type: ignore[union-attr]

pytestmark = pytest.mark.skipif(rtmp_server.missing_reason() is not None,
                                reason=rtmp_server.missing_reason() or "")

FPS, SIZE = 30.0, 160


def decode_flv(path: Path) -> dict:
    """Streams, durations and the largest timestamp gap of a received FLV."""
    import av

    with av.open(str(path)) as c:
        kinds = {s.type: s.codec_context.name for s in c.streams}
        vts, ats, a_samples, sr = [], [], 0, 0
        for frame in c.decode(*c.streams):
            if isinstance(frame, av.VideoFrame):
                vts.append(float(frame.time))
            else:
                ats.append(float(frame.time))
                a_samples += frame.samples
                sr = frame.sample_rate
    vts.sort()
    gaps = np.diff(vts) if len(vts) > 1 else np.array([0.0])
    return {"kinds": kinds, "video_frames": len(vts),
            "video_span": (vts[-1] - vts[0]) if vts else 0.0,
            "audio_seconds": a_samples / sr if sr else 0.0,
            "max_video_gap": float(gaps.max()),
            "audio_gap": float(np.diff(ats).max()) if len(ats) > 1 else 0.0}


def test_push_to_nginx_rtmp_is_decodable_without_gaps(tmp_path: Path) -> None:
    server = rtmp_server.NginxRtmp(tmp_path / "nginx")
    server.start()
    try:
        async def main() -> RtmpOutput:
            metrics = Metrics()
            perf = LivePerformer(LiveConfig(fps=FPS, width=SIZE, height=SIZE),
                                 tts=get_tts("espeak"), metrics=metrics)
            await perf.start()
            out = perf.add_output(RtmpOutput(server.url, width=SIZE, height=SIZE, fps=FPS,
                                             sample_rate=perf.sample_rate, metrics=metrics,
                                             preset="ultrafast"))
            await asyncio.sleep(0.3)
            await perf.say("Hello from the live stage. The stream keeps flowing.")
            await asyncio.sleep(3.0)
            await perf.close()
            assert metrics.value("output_connected", {"output": "rtmp"}) == 0.0
            return out  # type: ignore[return-value]

        out = asyncio.run(main())
    finally:
        server.stop()
    assert out.errors == 0, out.last_error
    files = server.recordings()
    assert len(files) == 1
    info = decode_flv(files[0])
    assert info["kinds"] == {"video": "h264", "audio": "aac"}
    assert 2.6 <= info["video_span"] <= 4.0, info
    assert abs(info["audio_seconds"] - info["video_span"]) < 0.35, info
    assert info["max_video_gap"] <= 2.5 / FPS, info  # no frozen stretches
    assert info["audio_gap"] <= 0.1, info


def test_rtmp_reconnects_after_server_restart_and_logs_absence(tmp_path: Path) -> None:
    server = rtmp_server.NginxRtmp(tmp_path / "nginx")
    metrics = Metrics()

    async def main() -> tuple[RtmpOutput, int]:
        perf = LivePerformer(LiveConfig(fps=FPS, width=SIZE, height=SIZE),
                             tts=get_tts("espeak"), metrics=metrics)
        await perf.start()
        # server absent at first: the show goes on, the failure is counted
        out = perf.add_output(RtmpOutput(server.url, width=SIZE, height=SIZE, fps=FPS,
                                         sample_rate=perf.sample_rate, metrics=metrics,
                                         preset="ultrafast", backoff_initial=0.2,
                                         backoff_max=0.4, seed=1))
        await asyncio.sleep(0.6)
        ticks_before = perf.tick_index
        assert not out.connected and out.errors >= 1
        server.start()
        await asyncio.sleep(1.5)
        assert out.connected
        server.kill()
        await asyncio.sleep(1.0)
        server.start()
        deadline = time.monotonic() + 6
        while out.connections < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await perf.say("Back on air.")
        await asyncio.sleep(1.5)
        await perf.close()
        return out, perf.tick_index - ticks_before

    try:
        out, ticks = asyncio.run(main())
    finally:
        server.stop()
    assert ticks > 4.0 * FPS * 0.8  # the clock never stalled while the server was away
    assert out.connections >= 2 and out.reconnects >= 1, out.stats()
    assert metrics.value("output_reconnects_total", {"output": "rtmp"}) >= 1
    assert metrics.value("output_errors_total", {"output": "rtmp"}) >= 2
    files = server.recordings()
    assert len(files) >= 2
    last = decode_flv(files[-1])
    assert last["kinds"] == {"video": "h264", "audio": "aac"}
    assert last["video_span"] >= 1.0, last
