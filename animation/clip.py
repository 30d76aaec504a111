"""`MotionClip`: the per-video-frame animation state every motion source produces.

Lip-sync, expressions, idle life, gestures and dance all emit a ``MotionClip``; the rig
(``avatar``) turns it into vertices. Bone rotations are *normalized humanoid rotations*
(world-aligned axes of the rest T-pose, identity = rest), so one clip drives any rig.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vhuman.animation.vocabulary import (
    EXPRESSION_SHAPES,
    HUMANOID_BONES,
    VISEMES,
    viseme_shape_name,
)
from vhuman.models.types import InputError

VISEME_SHAPES: tuple[str, ...] = tuple(viseme_shape_name(v) for v in VISEMES)
"""Morph names of the 15 visemes in canonical order (``viseme_sil`` ... ``viseme_ou``)."""

HAND_POSES: tuple[str, ...] = ("Fist", "Point", "ThumbsUp", "Open")
"""Hand poses a gesture can ask for (``avatar.rig_hands`` curls the avatar's fingers)."""

HAND_SHAPES: tuple[str, ...] = tuple(f"{side}Hand{pose}" for side in ("left", "right")
                                     for pose in HAND_POSES)
"""Channels of the hand poses, per side (``rightHandPoint``), weighted 0..1 like shapes."""

MORPH_NAMES: tuple[str, ...] = VISEME_SHAPES + EXPRESSION_SHAPES + HAND_SHAPES
"""The full internal morph vocabulary, the default column order of a clip."""


@dataclass
class MotionClip:
    """Animation sampled at ``fps``; frame ``i`` is shown at ``i / fps`` seconds.

    - ``morph`` (T, M) float32 in 0..1 for ``morph_names``
    - ``rotations`` (T, B, 4) float32 xyzw normalized humanoid rotations for ``bone_names``
    - ``root_offset`` (T, 3) float32 metres, the hips translation offset from rest
    """

    fps: float
    morph_names: list[str]
    morph: np.ndarray
    bone_names: list[str]
    rotations: np.ndarray
    root_offset: np.ndarray

    def __post_init__(self) -> None:
        self.morph = np.asarray(self.morph, dtype=np.float32)
        self.rotations = np.asarray(self.rotations, dtype=np.float32)
        self.root_offset = np.asarray(self.root_offset, dtype=np.float32)
        self.validate()

    # -- construction --------------------------------------------------------------
    @classmethod
    def rest(
        cls,
        num_frames: int,
        fps: float = 30.0,
        morph_names: Sequence[str] = MORPH_NAMES,
        bone_names: Sequence[str] = HUMANOID_BONES,
    ) -> MotionClip:
        """A clip holding the rest pose with every shape at 0 (``viseme_sil`` too)."""
        rot = np.zeros((num_frames, len(bone_names), 4), np.float32)
        rot[..., 3] = 1.0
        return cls(
            fps=float(fps),
            morph_names=list(morph_names),
            morph=np.zeros((num_frames, len(morph_names)), np.float32),
            bone_names=list(bone_names),
            rotations=rot,
            root_offset=np.zeros((num_frames, 3), np.float32),
        )

    def validate(self) -> None:
        """Check shapes and values; raises :class:`InputError` naming the field."""
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise InputError(f"MotionClip.fps must be positive, got {self.fps}")
        t = self.morph.shape[0] if self.morph.ndim == 2 else -1
        if self.morph.shape != (t, len(self.morph_names)):
            raise InputError(
                f"MotionClip.morph has shape {self.morph.shape}, expected (T, {len(self.morph_names)})"
            )
        if self.rotations.shape != (t, len(self.bone_names), 4):
            raise InputError(
                f"MotionClip.rotations has shape {self.rotations.shape}, "
                f"expected ({t}, {len(self.bone_names)}, 4)"
            )
        if self.root_offset.shape != (t, 3):
            raise InputError(
                f"MotionClip.root_offset has shape {self.root_offset.shape}, expected ({t}, 3)"
            )
        for name, arr in (
            ("morph", self.morph),
            ("rotations", self.rotations),
            ("root_offset", self.root_offset),
        ):
            if not np.all(np.isfinite(arr)):
                raise InputError(f"MotionClip.{name} contains NaN or inf")

    # -- properties ------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return int(self.morph.shape[0])

    @property
    def duration(self) -> float:
        """Length in seconds (``num_frames / fps``)."""
        return self.num_frames / self.fps

    @property
    def times(self) -> np.ndarray:
        """(T,) presentation time of every frame in seconds."""
        return np.arange(self.num_frames, dtype=np.float64) / self.fps

    def morph_index(self, name: str) -> int:
        try:
            return self.morph_names.index(name)
        except ValueError:
            raise InputError(f"clip has no morph named {name!r}") from None

    def bone_index(self, name: str) -> int:
        try:
            return self.bone_names.index(name)
        except ValueError:
            raise InputError(f"clip has no bone named {name!r}") from None

    def weights(self, name: str) -> np.ndarray:
        """(T,) weight track of one morph shape."""
        return self.morph[:, self.morph_index(name)]

    # -- editing ---------------------------------------------------------------------
    def slice(self, start: int, stop: int) -> MotionClip:
        """Frames ``start:stop`` (Python slice semantics, negative indices allowed)."""
        sl = slice(start, stop)
        return MotionClip(
            fps=self.fps,
            morph_names=list(self.morph_names),
            morph=self.morph[sl].copy(),
            bone_names=list(self.bone_names),
            rotations=self.rotations[sl].copy(),
            root_offset=self.root_offset[sl].copy(),
        )

    def slice_time(self, t0: float, t1: float) -> MotionClip:
        """Frames shown in ``[t0, t1)`` seconds."""
        return self.slice(int(np.ceil(t0 * self.fps - 1e-9)), int(np.ceil(t1 * self.fps - 1e-9)))

    def reorder(self, morph_names: Sequence[str], bone_names: Sequence[str]) -> MotionClip:
        """The same motion over another vocabulary: missing shapes are 0, missing bones rest."""
        out = MotionClip.rest(self.num_frames, self.fps, morph_names, bone_names)
        for j, name in enumerate(out.morph_names):
            if name in self.morph_names:
                out.morph[:, j] = self.morph[:, self.morph_names.index(name)]
        for j, name in enumerate(out.bone_names):
            if name in self.bone_names:
                out.rotations[:, j] = self.rotations[:, self.bone_names.index(name)]
        out.root_offset[:] = self.root_offset
        return out

    def concat(self, *others: MotionClip) -> MotionClip:
        """This clip followed by ``others`` (same fps); vocabularies are merged."""
        clips = [self, *others]
        for c in others:
            if abs(c.fps - self.fps) > 1e-6:
                raise InputError(f"cannot concat clips at {self.fps} and {c.fps} fps")
        morphs = list(self.morph_names)
        bones = list(self.bone_names)
        for c in others:
            morphs += [n for n in c.morph_names if n not in morphs]
            bones += [n for n in c.bone_names if n not in bones]
        parts = [c.reorder(morphs, bones) for c in clips]
        return MotionClip(
            fps=self.fps,
            morph_names=morphs,
            morph=np.concatenate([p.morph for p in parts]),
            bone_names=bones,
            rotations=np.concatenate([p.rotations for p in parts]),
            root_offset=np.concatenate([p.root_offset for p in parts]),
        )


def concat_clips(clips: Sequence[MotionClip]) -> MotionClip:
    """Concatenate clips in order (at least one)."""
    if not clips:
        raise InputError("concat_clips needs at least one clip")
    return clips[0].concat(*clips[1:])
