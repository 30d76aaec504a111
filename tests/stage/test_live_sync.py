"""The A/V sync measure itself, on recordings whose offset is known by construction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vhuman.models.types import InputError
from vhuman.stage.live.sync import av_offset, mouth_track_from_file
from vhuman.stage.outputs.base import Tick
from vhuman.stage.outputs.recorder import RecorderOutput

SR, FPS, SIZE = 22050, 30, 64


def _record(path: Path, shift_frames: int, seconds: float = 20.0) -> None:
    """Random bursts of tone; the picture is white while the tone plays, ``shift_frames``
    ticks late. Written through the live recorder (H.264 + AAC), as the bench does."""
    rng = np.random.default_rng(0)
    n = int(seconds * FPS)
    on = rng.random(n + shift_frames) < 0.4
    out = RecorderOutput(path, width=SIZE, height=SIZE, fps=FPS, sample_rate=SR,
                         preset="ultrafast", max_queue=n + 1)
    out.start()
    for k in range(n):
        count = int(round((k + 1) * SR / FPS)) - int(round(k * SR / FPS))
        t = np.arange(count) / SR
        audio = (0.3 * np.sin(2 * np.pi * 200 * t) * on[k + shift_frames]).astype(np.float32)
        image = np.full((SIZE, SIZE, 3), 255 * on[k], np.uint8)
        out.offer(Tick(index=k, pts=k / FPS, fps=FPS, image=image, audio=audio,
                       sample_rate=SR, pose=None, speaking=bool(on[k]), utterance_id=None,
                       rendered=True, overlay=None))
    out.close()
    assert out.errors == 0


@pytest.mark.parametrize("shift", [0, 2])
def test_offset_of_a_recording_with_a_known_shift(tmp_path: Path, shift: int) -> None:
    path = tmp_path / "known.mp4"
    _record(path, shift)

    def white(image: np.ndarray) -> float:
        return float(image.mean() / 255)

    for start in (0.0, 12.0):  # the beginning and a window later in the file
        mouth, fps, audio, sr = mouth_track_from_file(str(path), white, from_seconds=start,
                                                      max_seconds=6.0)
        assert fps == FPS and sr == SR and abs(len(mouth) / fps - 6.0) < 0.1
        offset, corr = av_offset(mouth, fps, audio, sr)
        assert corr > 0.7
        assert abs(offset - shift / FPS) <= 0.003, (start, offset)


def test_a_window_past_the_end_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.mp4"
    _record(path, 0, seconds=1.0)
    with pytest.raises(InputError, match="no video or audio"):
        mouth_track_from_file(str(path), lambda im: 0.0, from_seconds=30.0)
