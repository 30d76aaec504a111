"""The front door of motion: speech audio (+ emotion, gestures) -> one layered MotionClip.

``perform`` stacks base pose -> idle -> (dance) -> gestures -> expression -> lip-sync;
``dance`` turns music into a choreographed clip. The walking skeleton calls only these.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.clip import VISEME_SHAPES, MotionClip
from vhuman.animation.expression import (
    FACE_SHAPES,
    EmotionTimeline,
    emotion_change_times,
    energy_track,
    expression_clip,
    normalize_timeline,
)
from vhuman.animation.gestures import gesture_clip, get_gesture
from vhuman.animation.idle import idle_clip
from vhuman.animation.layers import PRIORITY, Layer, LayerStack, mask
from vhuman.animation.lipsync import lipsync
from vhuman.models.types import AudioChunk, Emotion, InputError

log = logging.getLogger(__name__)

BASE_POSE: dict[str, tuple[float, float, float]] = {
    "leftUpperArm": (0, -6, -72),
    "rightUpperArm": (0, 6, 72),
    "leftLowerArm": (0, -14, 0),
    "rightLowerArm": (0, 14, 0),
    "leftHand": (0, 0, -6),
    "rightHand": (0, 0, 6),
}
"""Relaxed standing pose (arms down by the sides) as YZX Euler degrees per bone."""


def base_pose_clip(num_frames: int, fps: float = 30.0) -> MotionClip:
    """The relaxed standing pose held for ``num_frames`` (bones of :data:`BASE_POSE` only)."""
    bones = list(BASE_POSE)
    clip = MotionClip.rest(num_frames, fps, [], bones)
    clip.rotations[:] = Q.from_euler(np.array([BASE_POSE[b] for b in bones], np.float64))[None]
    return clip


def perform(
    chunks: Sequence[AudioChunk],
    *,
    fps: float = 30.0,
    emotion: Emotion | str | EmotionTimeline = Emotion.NEUTRAL,
    intensity: float = 0.6,
    gestures: Sequence[tuple[float, str]] = (),
    seed: int = 0,
    duration: float | None = None,
    dance: MotionClip | None = None,
    start_time: float = 0.0,
    clips: ClipSource | None = None,
) -> MotionClip:
    """Lip-sync + expression + idle + gestures (+ an optional dance clip) for speech.

    ``chunks`` are consecutive (chunk k starts where k-1 ended). ``emotion`` is one emotion
    (held at ``intensity``) or a timeline ``[(t, emotion, intensity)]``; ``gestures`` are
    ``(t, name)`` with the gesture's stroke landing at ``t``. ``duration`` (s) extends the
    clip past the audio (idle keeps going). Deterministic for a given ``seed``.

    For back-to-back clips (live, sentence by sentence) keep ``seed`` fixed and pass the
    clip's absolute ``start_time`` (s): idle life then continues seamlessly from the
    previous clip. To ease from the previous sentence's emotion, pass a timeline starting
    with it: ``[(0, previous, i0), (0, new, i1)]`` cross-fades over the first half second.

    A gesture name that is no library gesture plays the avatar's own clip of that name
    (``clips``: ``has(name)`` / ``motion(name)``, e.g. ``avatar.clips.AvatarClips``) from
    ``t``; a name that is neither is skipped with a warning: the line is still spoken.
    """
    if fps <= 0 or not np.isfinite(fps):
        raise InputError(f"fps must be positive, got {fps}")
    if not 0.0 <= intensity <= 1.0:
        raise InputError(f"intensity must be within 0..1, got {intensity}")
    audio_len = float(sum(c.duration for c in chunks))
    total = max(audio_len, duration or 0.0)
    if total <= 0:
        raise InputError("perform needs audio chunks or a positive duration")
    n = int(np.ceil(total * fps - 1e-9))
    timeline = normalize_timeline(emotion, intensity)
    stack = LayerStack(n, fps)
    stack.add(Layer("base", base_pose_clip(n, fps), PRIORITY["base"]))
    energy = energy_track(timeline, n, fps)
    blinks = [start_time + t for t in emotion_change_times(timeline)]
    idle = idle_clip(n, fps, seed=seed, energy=energy, extra_blinks=blinks, start_time=start_time)
    stack.add(Layer("idle", idle, PRIORITY["idle"], mode="additive"))
    if dance is not None:
        body = _fit(dance, n, fps)  # the body only: the face stays with idle/expression/lip-sync
        stack.add(Layer("dance", body, PRIORITY["dance"], shape_mask={}, fade_in=0.4, fade_out=0.4))
    for t, name in gestures:
        try:
            g = get_gesture(name)
        except InputError:
            own = _own_clip(clips, name, fps)
            if own is None:
                log.warning("gesture %r is neither a library gesture nor a clip of the avatar: "
                            "skipped", name)
                continue
            fade = float(np.clip(own.duration / 4.0, 1.0 / fps, 0.3))
            stack.add(Layer(f"gesture:{name}", own, PRIORITY["gesture"], start=max(0.0, float(t)),
                            fade_in=fade, fade_out=fade, shape_mask={}))
            continue
        k = min(int(round(t * fps)), n - 1)
        clip = gesture_clip(g.name, fps, energy=float(energy[max(k, 0)]))
        start = max(0.0, float(t) - g.stroke_time)
        stack.add(
            Layer(
                f"gesture:{g.name}",
                clip,
                PRIORITY["gesture"],
                start=start,
                fade_in=float(np.clip(g.stroke_time, 0.2, 0.45)),  # fully in by the stroke
                fade_out=0.45,
            )
        )
    expr = expression_clip(timeline, n, fps)
    stack.add(_face_layer(expr))
    stack.add(
        Layer("expression:posture", expr, PRIORITY["expression"], mode="additive", shape_mask={})
    )
    if chunks:
        mouth = MotionClip.rest(n, fps, list(VISEME_SHAPES) + ["jawOpen"], [])
        mouth.morph[:, : len(VISEME_SHAPES)] = lipsync(chunks, fps=fps, num_frames=n)
        stack.add(Layer("lipsync", mouth, PRIORITY["lipsync"], shape_mask=mask(mouth.morph_names)))
    return stack.evaluate()


class ClipSource(Protocol):
    """An avatar's own clips as normalized motion (``avatar.clips.AvatarClips``)."""

    def has(self, name: str) -> bool: ...

    def motion(self, name: str) -> MotionClip: ...


def _own_clip(clips: ClipSource | None, name: str, fps: float) -> MotionClip | None:
    """The avatar's clip ``name`` at ``fps`` (body only), or None when it has none."""
    if clips is None or not clips.has(name):
        return None
    from vhuman.animation.retarget import resample

    return resample(clips.motion(name), fps)


def _face_layer(expr: MotionClip) -> Layer:
    """The expression clip's face shapes only (the body keeps its own layers)."""
    return Layer(
        "expression:face",
        expr,
        PRIORITY["expression"],
        shape_mask=mask(FACE_SHAPES),
        bone_mask={},
    )


def _fit(clip: MotionClip, n: int, fps: float) -> MotionClip:
    """``clip`` at ``fps`` trimmed or held on its last frame to ``n`` frames."""
    if abs(clip.fps - fps) > 1e-6:
        raise InputError(f"dance clip runs at {clip.fps} fps, performance at {fps}")
    if clip.num_frames >= n:
        return clip.slice(0, n)
    if clip.num_frames == 0:
        return MotionClip.rest(n, fps, clip.morph_names, clip.bone_names)
    idx = np.minimum(np.arange(n), clip.num_frames - 1)
    return MotionClip(
        fps,
        list(clip.morph_names),
        clip.morph[idx],
        list(clip.bone_names),
        clip.rotations[idx],
        clip.root_offset[idx],
    )


def dance(
    music: str | Path | np.ndarray,
    sr: int | None = None,
    *,
    fps: float = 30.0,
    seed: int = 0,
    energy_scale: float = 1.0,
    max_seconds: float = 600.0,
    clip: MotionClip | None = None,
    clip_bpm: float | None = None,
) -> MotionClip:
    """A full dance performance to music (a file path, or a mono array at ``sr``).

    The body comes from :func:`animation.dance.choreography.choreograph`, or, given an
    imported ``clip`` (a retargeted glTF "Dance" animation or BVH, see
    :mod:`animation.retarget`), from that clip time-warped onto the music's beats
    (``clip_bpm``: its tempo, estimated when None). The face follows the music's energy
    (calm -> happy -> excited per section) and idle life keeps the eyes blinking and
    moving. Raises :class:`InputError` for missing, corrupt or silent music.
    """
    from vhuman.animation.dance.choreography import choreograph
    from vhuman.animation.dance.music import analyze_music, load_music

    y, rate = load_music(music, sr, max_seconds=max_seconds)
    analysis = analyze_music(y, rate)
    if clip is None:
        body = choreograph(analysis, fps=fps, seed=seed, energy_scale=energy_scale)
    else:
        from vhuman.animation.dance.warp import warp_to_beats

        body = warp_to_beats(clip, analysis.beats, analysis.duration, source_bpm=clip_bpm, fps=fps)
    n = body.num_frames
    timeline: list[tuple[float, Emotion, float]] = []
    edges = list(analysis.sections) + [analysis.duration]
    for t0, t1 in zip(edges[:-1], edges[1:], strict=False):
        e = float(np.mean(analysis.energy_at(np.linspace(t0, t1, 16)))) * energy_scale
        emo = Emotion.EXCITED if e > 0.7 else Emotion.HAPPY if e > 0.3 else Emotion.CALM
        timeline.append((t0, emo, float(np.clip(0.5 + 0.4 * e, 0.0, 1.0))))
    stack = LayerStack(n, fps)
    face_idle = idle_clip(n, fps, seed=seed, energy=0.8, weight_shift=False)
    stack.add(
        Layer(
            "idle",
            face_idle,
            PRIORITY["idle"],
            mode="additive",
            bone_mask=mask(("leftEye", "rightEye")),
        )
    )
    stack.add(Layer("dance", body, PRIORITY["dance"], shape_mask={}))
    expr = expression_clip(timeline, n, fps)
    stack.add(_face_layer(expr))
    return stack.evaluate()
