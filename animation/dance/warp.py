"""Time-warp an imported dance clip (glTF "Dance", BVH) onto the beats of a piece of music.

The clip's own tempo is given or estimated from the periodicity of its motion; beat ``k``
of the clip is then placed on beat ``k`` of the music (looping the clip), so its accents
follow the music even where the music's tempo drifts.
"""

from __future__ import annotations

import numpy as np

from vhuman.animation import quat as Q
from vhuman.animation.clip import MotionClip
from vhuman.animation.retarget import sample_clip
from vhuman.models.types import InputError


def estimate_clip_tempo(clip: MotionClip, lo_bpm: float = 70.0, hi_bpm: float = 180.0) -> float:
    """Beats per minute of a clip from the autocorrelation of its joint speed."""
    if clip.num_frames < 8:
        raise InputError(f"clip of {clip.num_frames} frames is too short to estimate a tempo")
    rel = Q.mul(Q.conj(clip.rotations[:-1]), clip.rotations[1:])
    speed = (
        Q.angle(rel).sum(axis=1) + np.linalg.norm(np.diff(clip.root_offset, axis=0), axis=1) * 10
    )
    x = speed - speed.mean()
    if np.allclose(x, 0):
        raise InputError("clip does not move: no tempo to estimate")
    ac = np.correlate(x, x, mode="full")[x.size - 1 :]
    lags = np.arange(ac.size) / clip.fps
    ok = (lags >= 60.0 / hi_bpm) & (lags <= 60.0 / lo_bpm)
    if not ok.any():
        raise InputError("clip is too short for the tempo range")
    lag = lags[ok][int(np.argmax(ac[ok]))]
    return 60.0 / float(lag)


def warp_to_beats(
    clip: MotionClip,
    target_beats: np.ndarray,
    duration: float,
    *,
    source_bpm: float | None = None,
    source_offset: float = 0.0,
    fps: float | None = None,
) -> MotionClip:
    """The clip re-timed so that its beats land on ``target_beats`` (s), ``duration`` long.

    ``source_bpm`` (estimated when None) and ``source_offset`` (s of the clip's first beat)
    define the clip's beat grid; the clip loops over its whole beats.
    """
    fps = fps or clip.fps
    bpm = source_bpm or estimate_clip_tempo(clip)
    period = 60.0 / bpm
    beats = np.asarray(target_beats, np.float64)
    if beats.size < 2:
        raise InputError("need at least two target beats to time-warp a clip")
    loop_beats = max(1, int(np.floor((clip.duration - source_offset) / period + 1e-6)))
    n = int(np.ceil(duration * fps - 1e-9))
    t = np.arange(n) / fps
    tgt_period = float(np.median(np.diff(beats)))
    pos = np.interp(t, beats, np.arange(beats.size, dtype=np.float64))
    pos = np.where(t < beats[0], (t - beats[0]) / tgt_period, pos)
    pos = np.where(t > beats[-1], beats.size - 1 + (t - beats[-1]) / tgt_period, pos)
    src_t = source_offset + np.mod(pos, loop_beats) * period
    return sample_clip(clip, src_t, fps)
