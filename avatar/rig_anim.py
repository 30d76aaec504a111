"""Sampling a character's glTF animation clips into rig pose batches."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from vhuman.animation.skinning import quat_slerp
from vhuman.avatar.character import AnimationClip
from vhuman.avatar.rig_types import PoseBatch

if TYPE_CHECKING:  # the rig calls this module; it only reads the rig's tensors
    from vhuman.avatar.rig import Rig


def sample_animation(rig: Rig, clip: AnimationClip, times: np.ndarray) -> PoseBatch:
    """Sample a character animation clip at ``times`` (seconds) into a PoseBatch.

    LINEAR (slerp for rotations) and STEP are exact; CUBICSPLINE keys are sampled
    linearly through their values (tangents ignored).
    """
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    t = len(times)
    rot = rig.rest_r.expand(t, -1, -1).clone()
    trs = rig.rest_t.expand(t, -1, -1).clone()
    scl = rig.rest_s.expand(t, -1, -1).clone()
    targets = {"rotation": rot, "translation": trs, "scale": scl}
    for ch in clip.channels:
        if ch.path not in targets or not len(ch.times):
            rig._warn_once(f"path:{ch.path}", f"animation path {ch.path!r} not supported; ignored")
            continue
        values = np.asarray(ch.values, dtype=np.float32).reshape(
            len(ch.times) * (3 if ch.interpolation == "CUBICSPLINE" else 1), -1
        )
        if ch.interpolation == "CUBICSPLINE":
            values = values[1::3]
        key_t = np.asarray(ch.times, dtype=np.float64)
        hi = np.clip(np.searchsorted(key_t, times, side="right"), 1, max(len(key_t) - 1, 1))
        lo = hi - 1
        span = np.maximum(key_t[hi] - key_t[lo], 1e-9)
        frac = np.clip((times - key_t[lo]) / span, 0.0, 1.0)
        if len(key_t) == 1:
            lo = hi = np.zeros(t, np.int64)
        if ch.interpolation == "STEP":
            frac = (times >= key_t[hi]).astype(np.float64)
        a = torch.as_tensor(values[lo])
        b = torch.as_tensor(values[hi])
        f = torch.as_tensor(frac, dtype=torch.float32)
        if ch.path == "rotation":
            sample = quat_slerp(a, b, f)
        else:
            sample = a + (b - a) * f[:, None]
        targets[ch.path][:, ch.joint] = sample
    return PoseBatch(rotations=rot, translations=trs, scales=scl)
