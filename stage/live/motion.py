"""Motion for the live clock: speech, idle and dance clips, and the per-tick mixer.

:class:`LiveMotion` makes the clips. It uses the animation package's generators when they
are installed (``animation.performance.perform``, ``animation.idle``, ``animation.dance``)
and otherwise its own compact ones: visemes from the voice's phoneme timings scaled by
the audio envelope, breathing/sway/blinks as functions of the global frame index (so idle
windows join seamlessly), and a tempo-locked bounce for dance.

:class:`MotionMixer` turns "which clip row is due now" into one pose per tick and
crossfades whenever the source changes (speech starts, ends, or is interrupted) so the
mouth closes naturally instead of snapping.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from animation import quat
from animation.clip import MORPH_NAMES, MotionClip
from models.types import HUMANOID_BONES, AudioChunk, Emotion

log = logging.getLogger(__name__)

MOUTH_SHAPES = tuple(n for n in MORPH_NAMES if n.startswith("viseme_") and n != "viseme_sil") \
    + ("jawOpen",)
"""Morphs that open the mouth: the mouth-open signal and what an interrupt closes."""

_EMOTION_FACE: dict[Emotion, dict[str, float]] = {
    Emotion.HAPPY: {"happy": 0.7, "smile": 0.6},
    Emotion.EXCITED: {"happy": 0.8, "smile": 0.7, "browUp": 0.4},
    Emotion.SAD: {"sad": 0.7, "browDown": 0.2},
    Emotion.ANGRY: {"angry": 0.7, "browDown": 0.6},
    Emotion.SURPRISED: {"surprised": 0.7, "browUp": 0.7},
    Emotion.CALM: {"relaxed": 0.6},
}


class MotionSource(Protocol):
    """What the live performer asks for motion (one clip per sentence / window)."""

    fps: float

    def speech(self, chunk: AudioChunk, *, emotion: Emotion, intensity: float,
               gestures: Sequence[tuple[float, str]] = (), seed: int = 0) -> MotionClip: ...

    def idle(self, start_frame: int, num_frames: int, *, emotion: Emotion,
             intensity: float, seed: int = 0) -> MotionClip: ...

    def dance(self, samples: np.ndarray, sample_rate: int, *, start_frame: int = 0,
              style: str | None = None, seed: int = 0) -> MotionClip: ...


def _frame_rms(samples: np.ndarray, sample_rate: int, fps: float, frames: int) -> np.ndarray:
    """RMS of the audio around each video frame time (window = one frame)."""
    hop = sample_rate / fps
    out = np.zeros(frames, np.float32)
    for i in range(frames):
        a, b = int(i * hop), int((i + 1) * hop)
        seg = samples[a:b]
        out[i] = float(np.sqrt(np.mean(seg * seg))) if len(seg) else 0.0
    return out


class LiveMotion:
    """Speech/idle/dance clips at ``fps``, from the animation package or built-in rules."""

    def __init__(self, fps: float = 30.0, *, use_animation: bool = True) -> None:
        self.fps = float(fps)
        self._perform: Any = None
        if use_animation:
            try:
                from animation.performance import perform

                self._perform = perform
            except ImportError:
                log.info("animation.performance not available; using envelope lip-sync")

    # -- speech ------------------------------------------------------------------------
    def speech(self, chunk: AudioChunk, *, emotion: Emotion, intensity: float,
               gestures: Sequence[tuple[float, str]] = (), seed: int = 0) -> MotionClip:
        """Lip-sync + face for one sentence; row ``k`` is at ``k / fps`` after its start."""
        frames = max(1, int(math.ceil(chunk.duration * self.fps)))
        if self._perform is not None:
            clip = self._perform([chunk], fps=self.fps, emotion=emotion, intensity=intensity,
                                 gestures=list(gestures), seed=seed, duration=chunk.duration)
            return clip.reorder(MORPH_NAMES, HUMANOID_BONES)
        clip = self.idle(seed * 7919, frames, emotion=emotion, intensity=intensity, seed=seed)
        env = _frame_rms(chunk.samples, chunk.sample_rate, self.fps, frames)
        peak = float(np.percentile(env, 95)) if env.size else 0.0
        openness = np.clip(env / max(peak, 1e-4), 0.0, 1.0) if peak > 1e-4 else env * 0
        col = {n: i for i, n in enumerate(clip.morph_names)}
        visemes = self._visemes(chunk, frames)
        for i in range(frames):
            name = visemes[i] if visemes else "viseme_aa"
            if name == "viseme_PP":
                clip.morph[i, col[name]] = 1.0  # lips pressed: closed whatever the energy
                continue
            if name != "viseme_sil":
                clip.morph[i, col[name]] = openness[i]
            clip.morph[i, col["jawOpen"]] = 0.6 * openness[i]
        return clip

    def _visemes(self, chunk: AudioChunk, frames: int) -> list[str]:
        if not chunk.phonemes:
            return []
        from animation.phonemes import fold_phonemes, ipa_to_visemes

        names = ["viseme_sil"] * frames
        for ph in fold_phonemes(chunk.phonemes):
            parts = ipa_to_visemes(ph.phoneme)
            start = float(ph.start)
            for vis, frac in parts:
                length = ph.duration * frac
                a = int(start / chunk.sample_rate * self.fps)
                b = int(math.ceil((start + length) / chunk.sample_rate * self.fps))
                for i in range(max(a, 0), min(b, frames)):
                    names[i] = f"viseme_{vis.value}"
                start += length
        return names

    # -- idle --------------------------------------------------------------------------
    def idle(self, start_frame: int, num_frames: int, *, emotion: Emotion = Emotion.NEUTRAL,
             intensity: float = 0.6, seed: int = 0) -> MotionClip:
        """Breathing, sway, blinks and the resting face; continuous over ``start_frame``."""
        clip = MotionClip.rest(num_frames, self.fps, MORPH_NAMES, HUMANOID_BONES)
        t = (start_frame + np.arange(num_frames)) / self.fps
        rng_phase = (seed % 997) * 0.013
        breath = np.sin(2 * np.pi * 0.25 * t + rng_phase)
        sway = np.sin(2 * np.pi * 0.11 * t + 1.3 + rng_phase)
        nod = np.sin(2 * np.pi * 0.17 * t + 0.4)
        bones = {n: i for i, n in enumerate(clip.bone_names)}
        clip.rotations[:, bones["chest"]] = quat.axis_angle((1, 0, 0), 0.012 * breath)
        clip.rotations[:, bones["spine"]] = quat.axis_angle((0, 0, 1), 0.015 * sway)
        clip.rotations[:, bones["head"]] = quat.mul(quat.axis_angle((1, 0, 0), 0.03 * nod),
                                                    quat.axis_angle((0, 1, 0), 0.05 * sway))
        # arms down from the T-pose rest
        clip.rotations[:, bones["leftUpperArm"]] = quat.axis_angle((0, 0, 1), -1.25 + 0.01 * breath)
        clip.rotations[:, bones["rightUpperArm"]] = quat.axis_angle((0, 0, 1), 1.25 - 0.01 * breath)
        col = {n: i for i, n in enumerate(clip.morph_names)}
        # blinks: ~every 3-5 s, 150 ms long; the schedule depends only on absolute time
        period = 3.7
        phase = np.mod(t + (seed % 5) * 0.7, period)
        blink = np.clip(1.0 - np.abs(phase - 0.075) / 0.075, 0.0, 1.0)
        clip.morph[:, col["blink"]] = blink
        for shape, weight in _EMOTION_FACE.get(emotion, {}).items():
            clip.morph[:, col[shape]] = weight * intensity
        return clip

    # -- dance -------------------------------------------------------------------------
    def dance(self, samples: np.ndarray, sample_rate: int, *, start_frame: int = 0,
              style: str | None = None, seed: int = 0) -> MotionClip:
        """A bounce locked to the music's tempo (estimated from its energy envelope)."""
        frames = max(1, int(math.ceil(len(samples) / sample_rate * self.fps)))
        clip = self.idle(start_frame, frames, emotion=Emotion.HAPPY, intensity=0.6, seed=seed)
        bpm = estimate_tempo(samples, sample_rate)
        t = np.arange(frames) / self.fps
        beat = np.cos(2 * np.pi * bpm / 60.0 * t)
        bones = {n: i for i, n in enumerate(clip.bone_names)}
        clip.root_offset[:, 1] = -0.03 * (0.5 + 0.5 * beat)
        clip.rotations[:, bones["spine"]] = quat.axis_angle((0, 0, 1), 0.08 * np.sin(np.pi * bpm / 60 * t))
        clip.rotations[:, bones["leftUpperArm"]] = quat.axis_angle((0, 0, 1), -0.9 + 0.25 * beat)
        clip.rotations[:, bones["rightUpperArm"]] = quat.axis_angle((0, 0, 1), 0.9 - 0.25 * beat)
        clip.rotations[:, bones["head"]] = quat.axis_angle((1, 0, 0), 0.08 * beat)
        return clip


def estimate_tempo(samples: np.ndarray, sample_rate: int, lo: float = 70.0,
                   hi: float = 180.0) -> float:
    """Beats per minute from the autocorrelation of the onset envelope (100 Hz)."""
    hop = max(1, sample_rate // 100)
    n = len(samples) // hop
    if n < 200:
        return 120.0
    frames = np.asarray(samples[: n * hop], np.float32).reshape(n, hop)
    env = np.sqrt(np.mean(frames * frames, axis=1))
    onset = np.maximum(np.diff(env), 0.0)
    onset = onset - onset.mean()
    ac = np.correlate(onset, onset, mode="full")[len(onset) - 1:]
    lags = np.arange(len(ac))
    valid = (lags >= 6000 / hi) & (lags <= 6000 / lo)
    if not np.any(valid) or ac[valid].max() <= 0:
        return 120.0
    best = lags[valid][np.argmax(ac[valid])]
    return float(6000.0 / best)


class MotionMixer:
    """One pose per tick, crossfading (``fade_s``) whenever the source clip changes."""

    def __init__(self, fps: float, fade_s: float = 0.1) -> None:
        self.fps = fps
        self.fade_frames = max(1, int(round(fade_s * fps)))
        self._last: MotionClip | None = None
        self._from: MotionClip | None = None
        self._fade_left = 0
        self._source: object = None
        self._fade_mouth = True
        self.blending = False
        """True when the last pose was a blend (not a plain row of its clip)."""
        self.mouth_cols = [MORPH_NAMES.index(n) for n in MOUTH_SHAPES]

    def fade(self, mouth: bool = True) -> None:
        """Start a crossfade from the last pose. Interrupts fade everything (the mouth
        closes over ``fade_s``); a natural change of clip fades body and face but not the
        mouth, whose shapes must follow the new audio at once to stay in sync."""
        if self._last is not None:
            self._from, self._fade_left = self._last, self.fade_frames
            self._fade_mouth = mouth

    def fade_from(self, pose: MotionClip | None, mouth: bool = True) -> None:
        """Crossfade from ``pose`` (the picture on screen): after an interrupt, poses made
        ahead of the playhead are dropped, so the fade starts from what was last shown."""
        if pose is not None:
            self._last = pose
        self.fade(mouth)

    def pose(self, clip: MotionClip, row: int, source: object) -> MotionClip:
        """Row ``row`` of ``clip`` (clamped) as a one-frame clip, blended if fading."""
        if source is not self._source:
            self._source = source
            if self._fade_left <= 0:
                self.fade(mouth=False)
        row = min(max(row, 0), clip.num_frames - 1)
        pose = clip.slice(row, row + 1)
        old = self._from
        self.blending = self._fade_left > 0 and old is not None
        if self.blending and old is not None:
            w = self._fade_left / (self.fade_frames + 1)  # weight of the old pose
            keep = pose.morph[:, self.mouth_cols].copy()
            pose.morph = (1 - w) * pose.morph + w * old.morph
            if not self._fade_mouth:
                pose.morph[:, self.mouth_cols] = keep
            pose.root_offset = (1 - w) * pose.root_offset + w * old.root_offset
            pose.rotations = quat.slerp(old.rotations, pose.rotations, 1 - w).astype(np.float32)
            self._fade_left -= 1
        self._last = pose
        return pose

    def mouth_open(self, pose: MotionClip) -> float:
        """How open the mouth is in ``pose`` (max of the mouth shapes), 0..1."""
        return float(pose.morph[0, self.mouth_cols].max())
