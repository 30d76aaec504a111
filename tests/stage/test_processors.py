"""Voice → motion processors across several utterances: one continuous frame grid."""

from __future__ import annotations

import math

import numpy as np

from models.tts import get_tts
from models.types import SpeakingStyle, Viseme
from stage.frames import AudioFrame, EndOfUtteranceFrame, MotionFrame, TextFrame
from stage.processor import Pipeline
from stage.processors import MotionProcessor, VoiceProcessor
from stage.testing import run_processor_sync

FPS = 30.0


def _run(texts: list[str]):
    pipe = Pipeline([VoiceProcessor(get_tts("espeak")), MotionProcessor(FPS, seed=3)])
    return run_processor_sync(pipe, [TextFrame(text=t, style=SpeakingStyle()) for t in texts])


def test_utterances_tile_the_frame_grid_without_gaps_or_overlap() -> None:
    out = _run(["Hello there.", "Maybe a bigger boat.", "Good bye."])
    audio = [f for f in out if isinstance(f, AudioFrame)]
    motion = [f for f in out if isinstance(f, MotionFrame)]
    assert len(motion) == 3 and len([f for f in out if isinstance(f, EndOfUtteranceFrame)]) == 3
    expected_first = 0
    for m in motion:
        assert m.first_frame == expected_first
        expected_first += m.num_frames
    total = sum(a.chunk.duration for a in audio)
    assert expected_first == math.ceil(total * FPS - 1e-6)


def test_bilabial_in_a_later_utterance_closes_the_mouth_at_its_global_time() -> None:
    out = _run(["Hello there, everyone.", "Maybe."])
    audio = [f for f in out if isinstance(f, AudioFrame)]
    motion = [f for f in out if isinstance(f, MotionFrame)][1]
    second = [a for a in audio if a.utterance_id == audio[-1].utterance_id][0]
    m = next(p for p in second.chunk.phonemes if p.phoneme.startswith("m"))
    t = second.start + (m.start + m.duration / 2) / second.chunk.sample_rate
    row = int(round(t * FPS)) - motion.first_frame
    clip = motion.clip
    pp = clip.morph[row, clip.morph_names.index(f"viseme_{Viseme.PP.value}")]
    aa = clip.morph[row, clip.morph_names.index(f"viseme_{Viseme.AA.value}")]
    assert pp > 0.5 and pp > aa, (pp, aa)
    assert np.isfinite(clip.rotations).all()


def test_gesture_tags_become_timed_gestures_even_when_text_runs_short() -> None:
    pipe = Pipeline([VoiceProcessor(get_tts("espeak")), MotionProcessor(FPS, seed=1)])
    frames = [TextFrame(text="Hello everyone, welcome!", gestures=[(0.0, "wave"), (1.0, "nod")])]
    out = run_processor_sync(pipe, frames)
    audio = [f for f in out if isinstance(f, AudioFrame)]
    end = [f for f in out if isinstance(f, EndOfUtteranceFrame)][0]
    placed = [g for a in audio for _, g in a.gestures] + end.late_gestures
    assert sorted(placed) == ["nod", "wave"]  # every tag is performed exactly once
    clip = [f for f in out if isinstance(f, MotionFrame)][0].clip
    arm = clip.bone_names.index("rightUpperArm")
    assert np.ptp(clip.rotations[:, arm], axis=0).max() > 0.05  # the wave moves the arm
