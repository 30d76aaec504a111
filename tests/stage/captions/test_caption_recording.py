"""Captions beside a live recording: ticks carry the host's timed words to the recorder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from vhuman.models.tts import get_tts
from vhuman.stage.captions import Turn
from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer
from vhuman.stage.outputs.recorder import RecorderOutput

SIZE = 64


def _audio(path: Path) -> tuple[np.ndarray, int]:
    import av

    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        chunks = [f.to_ndarray().mean(axis=0) for f in c.decode(stream)]
        return np.concatenate(chunks).astype(np.float32), stream.rate


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")  # webvtt-py's *_in_seconds drop the milliseconds
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_recording_gets_vtt_and_srt_that_never_lag_the_voice(tmp_path: Path) -> None:
    import srt
    import webvtt

    path = tmp_path / "out.mp4"
    text = "Welcome to the show. Tonight we meet a guest who builds bridges."

    async def main() -> None:
        perf = LivePerformer(LiveConfig(fps=30, width=SIZE, height=SIZE, realtime=False),
                             tts=get_tts("espeak"),
                             renderer_factory=lambda: PatternRenderer(SIZE, SIZE))
        await perf.start()
        perf.add_output(RecorderOutput(path, width=SIZE, height=SIZE, fps=30,
                                       sample_rate=perf.sample_rate, lossless=True,
                                       fragmented=False))
        handle = await perf.say(text)
        await handle.done
        perf.caption(Turn("Sam", "guest", "Thanks for having me.", "en",
                          perf.program_time() - 1.0, perf.program_time()))
        await perf.hold(0.3)
        await perf.close()

    asyncio.run(main())
    cues = list(webvtt.read(str(tmp_path / "out.vtt")))
    words = " ".join(c.text.replace("\n", " ") for c in cues)
    assert words == text + " Thanks for having me."
    assert cues[-1].voice == "Sam"
    subs = list(srt.parse((tmp_path / "out.srt").read_text()))
    assert len(subs) == len(cues)
    # the first caption is up no later than the first sound of the voice (measured)
    audio, sr = _audio(path)
    onset = int(np.argmax(np.abs(audio) > 0.02)) / sr
    first, end = _seconds(cues[0].start), _seconds(cues[-2].end)
    assert first <= onset + 0.001, (cues[0].start, onset)
    assert onset - first < 0.3  # and not long before it
    assert end <= len(audio) / sr + 0.05


def test_an_interrupted_live_line_is_captioned_only_as_far_as_it_was_heard(
        tmp_path: Path) -> None:
    import webvtt

    path = tmp_path / "live.mp4"

    async def main() -> None:
        perf = LivePerformer(LiveConfig(fps=30, width=SIZE, height=SIZE),
                             tts=get_tts("espeak"),
                             renderer_factory=lambda: PatternRenderer(SIZE, SIZE))
        await perf.start()
        perf.add_output(RecorderOutput(path, width=SIZE, height=SIZE, fps=30,
                                       sample_rate=perf.sample_rate))
        handle = await perf.say("One two three four five. Six seven eight nine ten. "
                                "Eleven twelve thirteen fourteen fifteen. The end of it all.")
        await handle.started
        await asyncio.sleep(1.0)
        await perf.interrupt()
        await asyncio.sleep(0.5)
        await perf.close()

    asyncio.run(main())
    text = " ".join(c.text for c in webvtt.read(str(tmp_path / "live.vtt")))
    assert text.startswith("One two")
    assert "The end of it all." not in text
