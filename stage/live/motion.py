"""Motion for the live clock: speech, idle and dance clips, and the per-tick mixer.

:class:`LiveMotion` makes the clips with the animation package (one motion system for
files and live): ``animation.performance.perform`` for speech (lip-sync, expression,
gestures, idle) and for idle windows (blinks at natural random intervals, breathing,
saccades, weight shifts; one seed and the absolute start time, so consecutive windows
join seamlessly), and ``animation.performance.dance`` for beat-synced choreography.

:class:`MotionMixer` turns "which clip row is due now" into one pose per tick and
crossfades whenever the source changes (speech starts, ends, or is interrupted) so the
mouth closes naturally instead of snapping.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from vhuman.animation import quat
from vhuman.animation.clip import MORPH_NAMES, MotionClip
from vhuman.animation.vocabulary import HUMANOID_BONES
from vhuman.models.types import AudioChunk, Emotion, InputError

log = logging.getLogger(__name__)

MOUTH_SHAPES = tuple(n for n in MORPH_NAMES if n.startswith("viseme_") and n != "viseme_sil") \
    + ("jawOpen",)
"""Morphs that open the mouth: the mouth-open signal and what an interrupt closes."""


class MotionSource(Protocol):
    """What the live performer asks for motion (one clip per sentence / window)."""

    fps: float

    def speech(self, chunk: AudioChunk, *, emotion: Emotion, intensity: float,
               gestures: Sequence[tuple[float, str]] = (), seed: int = 0) -> MotionClip: ...

    def idle(self, start_frame: int, num_frames: int, *, emotion: Emotion,
             intensity: float, seed: int = 0) -> MotionClip: ...

    def dance(self, samples: np.ndarray, sample_rate: int, *, start_frame: int = 0,
              style: str | None = None, seed: int = 0) -> MotionClip: ...

    def song(self, clip: MotionClip) -> MotionClip: ...


class ClipSource(Protocol):
    """The avatar's own clips as normalized motion (``avatar.clips.AvatarClips``)."""

    def has(self, name: str) -> bool: ...

    def motion(self, name: str) -> MotionClip: ...


class LiveMotion:
    """Speech, idle and dance clips at ``fps`` from the animation package; ``clips`` (the
    avatar's own animations) lets a dance be one of them (``style="clip:NAME"``)."""

    def __init__(self, fps: float = 30.0, *, seed: int = 0,
                 clips: ClipSource | None = None) -> None:
        self.fps = float(fps)
        self.seed = seed
        self.clips = clips

    def _standard(self, clip: MotionClip) -> MotionClip:
        return clip.reorder(MORPH_NAMES, HUMANOID_BONES)

    # -- speech ------------------------------------------------------------------------
    def speech(self, chunk: AudioChunk, *, emotion: Emotion, intensity: float,
               gestures: Sequence[tuple[float, str]] = (), seed: int = 0) -> MotionClip:
        """Lip-sync + face for one sentence; row ``k`` is at ``k / fps`` after its start."""
        from vhuman.animation.performance import perform

        clip = perform([chunk], fps=self.fps, emotion=emotion, intensity=intensity,
                       gestures=list(gestures), seed=seed, duration=chunk.duration,
                       clips=self.clips)
        return self._standard(clip)

    # -- idle --------------------------------------------------------------------------
    def idle(self, start_frame: int, num_frames: int, *, emotion: Emotion = Emotion.NEUTRAL,
             intensity: float = 0.6, seed: int = 0) -> MotionClip:
        """Idle life for frames ``start_frame ..`` of the show clock; windows made with
        the same seed join seamlessly (everything is a function of absolute time)."""
        from vhuman.animation.performance import perform

        if num_frames < 1:
            raise InputError(f"idle window needs at least one frame, got {num_frames}")
        clip = perform([], fps=self.fps, emotion=emotion, intensity=intensity,
                       seed=self.seed + seed, duration=num_frames / self.fps,
                       start_time=start_frame / self.fps)
        return self._standard(clip.slice(0, num_frames))

    # -- dance -------------------------------------------------------------------------
    def dance(self, samples: np.ndarray, sample_rate: int, *, start_frame: int = 0,
              style: str | None = None, seed: int = 0) -> MotionClip:
        """Choreography to ``samples``. ``style="idle"`` stands (idle life) while music
        plays; silent or missing music dances to a steady 120 BPM grid."""
        from vhuman.animation.dance.demo_track import synth_demo_track
        from vhuman.animation.performance import dance

        frames = max(1, int(math.ceil(len(samples) / sample_rate * self.fps)))
        if style == "idle":
            return self.idle(start_frame, frames, emotion=Emotion.CALM, seed=seed)
        own = None
        if style and style.startswith("clip:"):
            name = style[len("clip:"):]
            if self.clips is None or not self.clips.has(name):
                raise InputError(f"dance: the avatar has no clip {name!r}")
            own = self.clips.motion(name)
        music = np.asarray(samples, np.float32)
        if music.size == 0 or float(np.abs(music).max()) < 1e-4:
            # Nothing to hear: a synthesized beat only drives the choreography.
            music = synth_demo_track(seconds=max(frames / self.fps, 1.0), sr=sample_rate,
                                     seed=seed)
        clip = dance(music, sample_rate, fps=self.fps, seed=seed, clip=own)
        clip = self._standard(clip)
        rows = np.minimum(np.arange(frames), clip.num_frames - 1)  # hold the last pose
        return MotionClip(self.fps, list(clip.morph_names), clip.morph[rows],
                          list(clip.bone_names), clip.rotations[rows], clip.root_offset[rows])


    # -- song ----------------------------------------------------------------------------
    def song(self, clip: MotionClip) -> MotionClip:
        """A sung song's prepared performance (:func:`animation.sing.sing_motion`) in the
        live vocabulary; row ``k`` is at ``k / fps`` after the song's start."""
        if abs(clip.fps - self.fps) > 1e-6:
            raise InputError(f"song motion runs at {clip.fps} fps, the performer at {self.fps}")
        return self._standard(clip)


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

    def settle(self, pose: MotionClip) -> None:
        """Take ``pose`` as the last one shown (the rest pose before anything played), so
        the first clip fades in from it as it would after idle ticks."""
        self._last = pose

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
