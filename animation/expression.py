"""Emotion (with intensity) -> face shapes and body posture, eased in and out over time.

The same :class:`~models.types.Emotion` that styles the voice drives the face (brows,
eyes, mouth corners) and the body (posture, head tilt) and sets the *energy* that idle
motion and gestures scale with. Changes cross-fade over ``ease`` seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.clip import MotionClip
from vhuman.animation.vocabulary import EXPRESSION_SHAPES
from vhuman.models.types import Emotion, InputError

E = Emotion

FACE: dict[Emotion, dict[str, float]] = {
    E.NEUTRAL: {},
    E.HAPPY: {"happy": 0.55, "smile": 0.85, "browUp": 0.15},
    E.EXCITED: {"happy": 0.5, "smile": 0.95, "browUp": 0.6, "surprised": 0.2},
    E.SAD: {"sad": 0.85, "browUp": 0.35},
    E.ANGRY: {"angry": 0.85, "browDown": 0.9},
    E.SURPRISED: {"surprised": 0.85, "browUp": 0.95},
    E.CALM: {"relaxed": 0.6, "smile": 0.3},
}
"""Face shape weights at full intensity (``EXPRESSION_SHAPES`` names)."""

# posture offsets in degrees, intrinsic YZX Euler (x: +forward/down, y: turn left, z: tilt)
POSTURE: dict[Emotion, dict[str, tuple[float, float, float]]] = {
    E.NEUTRAL: {},
    E.HAPPY: {"chest": (-3, 0, 0), "neck": (-2, 0, 0), "head": (-2, 0, 5)},
    E.EXCITED: {
        "spine": (-4, 0, 0),
        "chest": (-4, 0, 0),
        "head": (-5, 0, 3),
        "leftShoulder": (0, 0, 6),
        "rightShoulder": (0, 0, -6),
    },
    E.SAD: {
        "spine": (7, 0, 0),
        "chest": (6, 0, 0),
        "upperChest": (4, 0, 0),
        "neck": (9, 0, 0),
        "head": (10, 0, -3),
        "leftShoulder": (0, -6, -4),
        "rightShoulder": (0, 6, 4),
    },
    E.ANGRY: {
        "spine": (4, 0, 0),
        "neck": (5, 0, 0),
        "head": (6, 0, 0),
        "leftShoulder": (0, 0, 7),
        "rightShoulder": (0, 0, -7),
    },
    E.SURPRISED: {
        "spine": (-4, 0, 0),
        "neck": (-3, 0, 0),
        "head": (-7, 0, 0),
        "leftShoulder": (0, 0, 5),
        "rightShoulder": (0, 0, -5),
    },
    E.CALM: {"chest": (-1, 0, 0), "head": (1, 0, 4)},
}
"""Body posture offsets at full intensity, applied additively on top of the pose."""

ENERGY: dict[Emotion, float] = {
    E.NEUTRAL: 0.5,
    E.HAPPY: 0.7,
    E.EXCITED: 1.0,
    E.SAD: 0.25,
    E.ANGRY: 0.8,
    E.SURPRISED: 0.75,
    E.CALM: 0.3,
}
"""How lively idle motion and gestures are under each emotion (0..1)."""

POSTURE_BONES: tuple[str, ...] = tuple(sorted({b for p in POSTURE.values() for b in p}))

EmotionTimeline = Sequence[tuple[float, Emotion | str, float]]


def normalize_timeline(
    emotion: Emotion | str | EmotionTimeline, intensity: float = 0.6
) -> list[tuple[float, Emotion, float]]:
    """A sorted ``[(t, Emotion, intensity)]`` timeline from an emotion or a timeline."""
    if isinstance(emotion, (Emotion, str)):
        items = [(0.0, Emotion.parse(emotion), float(intensity))]
    else:
        items = []
        for k, entry in enumerate(emotion):
            try:
                t, emo, inten = entry
            except (TypeError, ValueError):
                raise InputError(
                    f"emotion timeline entry {k} must be (t, emotion, intensity), got {entry!r}"
                ) from None
            if not 0.0 <= float(inten) <= 1.0:
                raise InputError(
                    f"emotion timeline entry {k}: intensity must be within 0..1, got {inten}"
                )
            items.append((float(t), Emotion.parse(emo), float(inten)))
        items.sort(key=lambda x: x[0])
        if not items or items[0][0] > 0:
            items.insert(0, (0.0, Emotion.NEUTRAL, float(intensity)))
    return items


def emotion_weights(
    timeline: EmotionTimeline | Emotion | str, num_frames: int, fps: float, ease: float = 0.5
) -> np.ndarray:
    """(T, 7) per-frame weight of each emotion (``Emotion`` order) times its intensity."""
    items = normalize_timeline(timeline)
    emos = list(Emotion)
    t = np.arange(num_frames) / fps
    w = np.zeros((num_frames, len(emos)))
    for k, (t0, emo, inten) in enumerate(items):
        # each entry fades in at t0 and fades out when the next one fades in
        x_in = np.ones(num_frames) if k == 0 else _smooth((t - t0) / ease)
        t1 = items[k + 1][0] if k + 1 < len(items) else np.inf
        x_out = 1.0 - _smooth((t - t1) / ease) if np.isfinite(t1) else np.ones(num_frames)
        w[:, emos.index(emo)] += x_in * x_out * inten
    return w


def _smooth(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def energy_track(
    timeline: EmotionTimeline | Emotion | str, num_frames: int, fps: float
) -> np.ndarray:
    """(T,) liveliness 0..1 following the emotion timeline (neutral 0.5)."""
    w = emotion_weights(timeline, num_frames, fps)
    emos = list(Emotion)
    total = w.sum(axis=1)
    e = sum(w[:, i] * ENERGY[emo] for i, emo in enumerate(emos))
    # intensity below 1 pulls towards neutral energy
    return np.clip(e + (1.0 - np.minimum(total, 1.0)) * ENERGY[E.NEUTRAL], 0.0, 1.0)


def expression_clip(
    timeline: EmotionTimeline | Emotion | str, num_frames: int, fps: float = 30.0, ease: float = 0.5
) -> MotionClip:
    """Face shapes (override layer) and posture offsets (additive layer) of an emotion timeline.

    The posture lives in the same clip's ``rotations`` for :data:`POSTURE_BONES`; use it as
    an additive layer on those bones and as an override layer on the face shapes.
    """
    w = emotion_weights(timeline, num_frames, fps, ease)
    emos = list(Emotion)
    clip = MotionClip.rest(num_frames, fps, EXPRESSION_SHAPES, POSTURE_BONES)
    euler = np.zeros((num_frames, len(POSTURE_BONES), 3))
    for i, emo in enumerate(emos):
        for shape, val in FACE[emo].items():
            clip.morph[:, clip.morph_names.index(shape)] += w[:, i] * val
        for bone, e in POSTURE[emo].items():
            euler[:, POSTURE_BONES.index(bone)] += w[:, i, None] * np.asarray(e, np.float64)
    np.clip(clip.morph, 0.0, 1.0, out=clip.morph)
    clip.rotations[:] = Q.from_euler(euler)
    return clip


def emotion_change_times(timeline: EmotionTimeline | Emotion | str) -> list[float]:
    """Times where the emotion changes (the eyes blink there)."""
    items = normalize_timeline(timeline)
    return [t for (t, e, _), (_, pe, _) in zip(items[1:], items[:-1], strict=False) if e != pe]


FACE_SHAPES: tuple[str, ...] = tuple(
    s for s in EXPRESSION_SHAPES if any(s in f for f in FACE.values())
)
"""The shapes emotions drive (never ``blink`` or ``jawOpen``: idle and lip-sync own those)."""
