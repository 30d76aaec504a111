"""Cameras frame any avatar by its bones as the rig shows it: an avatar facing away, in
centimetres or Z-up is pictured exactly like the original, and ``orbit`` turns with time."""

from __future__ import annotations

import numpy as np
import pytest

from vhuman.animation.performance import base_pose_clip
from vhuman.avatar.loader import load_avatar
from vhuman.avatar.render import create_renderer, render_motion
from vhuman.avatar.render.camera import camera_preset
from vhuman.avatar.rig import Rig
from vhuman.avatar.variants import wrap


@pytest.fixture(scope="module")
def builtin():
    return load_avatar(None)


@pytest.fixture(scope="module")
def front(builtin):
    return _picture(builtin).astype(np.int16)


def _picture(character, camera="full_body", start=0.0, size=96):
    clip = base_pose_clip(1)
    renderer = create_renderer("moderngl", character, size, size, camera=camera)
    try:
        return next(render_motion(Rig(character, device="cpu"), renderer, clip, start))[..., :3]
    finally:
        renderer.close()


@pytest.mark.parametrize("turn", [
    {"rotation": ((0.0, 1.0, 0.0), 180.0)},
    {"scale": 100.0},
    {"rotation": ((1.0, 0.0, 0.0), 90.0)},
], ids=["faces -Z", "x100", "Z-up"])
def test_turned_or_scaled_avatar_is_pictured_like_the_original(builtin, front, turn):
    want = front
    got = _picture(wrap(builtin, **turn)).astype(np.int16)
    assert np.abs(got - want).mean() < 2.0


def test_portrait_frames_the_head_bone(builtin):
    cam = camera_preset("portrait", wrap(builtin, scale=100.0))
    head = builtin.skeleton.humanoid["head"]
    rig = Rig(builtin, device="cpu")
    head_y = rig.rest_pose.world[head, 1, 3] * 100.0
    assert abs(cam.target[1] - head_y) < 0.05 * head_y


def test_orbit_turns_with_time(builtin):
    front = _picture(builtin, "orbit", 0.0).astype(np.int16)
    side = _picture(builtin, "orbit", 7.5).astype(np.int16)  # a quarter of the 30 s turn
    again = _picture(builtin, "orbit", 30.0).astype(np.int16)
    assert np.abs(front - side).mean() > 5.0
    assert np.abs(front - again).mean() < 1.0
    assert np.abs(front - _picture(builtin, "half_body").astype(np.int16)).mean() < 1.0
