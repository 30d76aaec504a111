"""One engine: a line rendered to a file and the same line performed live agree frame for
frame (audio, pose and picture of every tick), because both are the live performer —
only the clock differs (``LiveConfig(realtime=False)`` renders as fast as it can)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator

import numpy as np

from vhuman.animation.clip import MotionClip, concat_clips
from vhuman.models.tts import get_tts
from vhuman.models.types import AudioChunk, Emotion, SpeakingStyle
from vhuman.stage.live import LiveConfig, LiveMotion, LivePerformer, PatternRenderer
from vhuman.stage.outputs.base import ThreadedOutput, Tick

LINE = "[wave] Hello there, friends. This is one engine for files and for live shows."


class StillIdle(LiveMotion):
    """Idle without motion, so the pose before the line does not depend on when the live
    clock happened to be when the line arrived."""

    def idle(self, start_frame: int, num_frames: int, **kwargs: object) -> MotionClip:
        one = super().idle(0, 1, **kwargs)  # type: ignore[arg-type]
        return concat_clips([one] * num_frames)


class ReplayVoice:
    """The real voice, synthesized once per text and replayed: voices add random variation
    (Piper's noise, eSpeak's prosody), and this test is about the engine, not the voice."""

    def __init__(self) -> None:
        self.voice = get_tts("espeak")
        self.sample_rate = self.voice.sample_rate
        self.name = "replay"
        self.language = self.voice.language
        self._said: dict[str, list[AudioChunk]] = {}

    def synthesize_iter(self, text: str, style: SpeakingStyle) -> Iterator[AudioChunk]:
        if text not in self._said:
            self._said[text] = list(self.voice.synthesize_iter(text, style))
        yield from self._said[text]


@functools.cache
def _voice() -> ReplayVoice:
    return ReplayVoice()


class Keep(ThreadedOutput):
    def __init__(self) -> None:
        super().__init__("keep", max_queue=100_000, lossless=True)
        self.ticks: list[Tick] = []

    def write(self, tick: Tick) -> None:
        self.ticks.append(tick)


def _perform(realtime: bool) -> list[Tick]:
    async def main() -> list[Tick]:
        perf = LivePerformer(LiveConfig(fps=25, width=64, height=64, realtime=realtime),
                             tts=_voice(), motion=StillIdle(25),
                             renderer_factory=lambda: PatternRenderer(64, 64))
        await perf.start()
        out = perf.add_output(Keep())
        handle = await perf.say(LINE, emotion=Emotion.HAPPY, intensity=0.7)
        assert await asyncio.wait_for(handle.wait(), 60)
        await perf.close()
        return out.ticks

    return asyncio.run(main())


def _speech(ticks: list[Tick]) -> list[Tick]:
    speaking = [i for i, t in enumerate(ticks) if t.speaking]
    return ticks[speaking[0]:speaking[-1] + 1]


def test_offline_and_live_agree_frame_for_frame() -> None:
    offline, live = _speech(_perform(False)), _speech(_perform(True))
    assert len(offline) > 50 and len(offline) == len(live)
    assert [t.index for t in offline] == list(range(offline[0].index, offline[-1].index + 1))
    for a, b in zip(offline, live, strict=True):
        assert np.array_equal(a.audio, b.audio)
        assert a.pose.morph_names == b.pose.morph_names
        np.testing.assert_allclose(a.pose.morph, b.pose.morph, atol=1e-3)
        np.testing.assert_allclose(a.pose.rotations, b.pose.rotations, atol=1e-3)
    # every offline tick shows its own picture; live ones rendered in time show the same
    assert all(t.rendered for t in offline)
    fresh = [(a, b) for a, b in zip(offline, live, strict=True) if b.rendered]
    assert len(fresh) > len(live) // 2
    assert all(np.array_equal(a.image, b.image) for a, b in fresh)
