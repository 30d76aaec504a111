"""An avatar's own clips: found by name, retargeted into the normalized space through the
rig's rest pose and facing (a round trip through an A-posed, twisted, backwards-facing
rig lands on the built-in's limb directions), played natively or on another avatar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.avatar.fixtures import mixamo_arkit_glb
from vhuman.avatar.clips import AvatarClips, clip_motion, find_clip
from vhuman.avatar.compat import dance_clip, limb_agreement
from vhuman.avatar.loader import load_avatar
from vhuman.avatar.rig import Rig
from vhuman.avatar.variants import A_POSE, bake_clip, rerest, twist_axes, wrap
from vhuman.models.types import InputError


@pytest.fixture(scope="module")
def builtin():
    return load_avatar(None)


def test_clip_round_trip_through_an_odd_rig(builtin):
    odd = wrap(twist_axes(rerest(builtin, A_POSE)), ((0.0, 1.0, 0.0), 180.0))
    motion = dance_clip(4.0, fps=10.0)
    odd = bake_clip(odd, motion, "Armature|Dance")
    assert find_clip(odd, "dance").name == "Armature|Dance"
    normalized = clip_motion(odd, odd.clips[0], fps=10.0)
    reference = Rig(builtin, device="cpu")
    agree = limb_agreement(reference, reference, [motion])
    assert agree.median == 0.0
    # the odd rig's own clip, brought into the normalized space, drives the built-in
    # the way the original motion does
    from vhuman.avatar.compat import limb_directions

    got = limb_directions(reference, normalized)
    want = limb_directions(reference, motion)
    n = min(motion.num_frames, normalized.num_frames)
    for bone, d in want.items():
        cos = np.sum(got[bone][:n] * d[:n], axis=-1)
        assert np.degrees(np.arccos(np.clip(cos, -1, 1))).max() < 3.0, bone


def test_clip_names_and_lazy_provider(tmp_path: Path):
    path = mixamo_arkit_glb(tmp_path)
    character = load_avatar(path)
    assert find_clip(character, "TURN").name == "turn"
    with pytest.raises(InputError, match="clips: turn"):
        find_clip(character, "dance")
    clips = AvatarClips(path, fps=15.0)
    assert clips.names() == ["turn"] and clips.has("Turn") and not clips.has("x")
    motion = clips.motion("turn")
    assert motion.fps == 15.0 and motion.num_frames == 16
    assert clips.motion("turn") is motion  # retargeted once
