"""Motion as data over time: lip-sync, expressions, idle life, gestures, dance, rig kernels.

The music-driven dance lives in :mod:`animation.dance` (a subpackage) and its front door is
:func:`animation.performance.dance`; it is not re-exported here, where the name would clash
with the subpackage.
"""

from vhuman.animation.clip import MORPH_NAMES, VISEME_SHAPES, MotionClip, concat_clips
from vhuman.animation.gestures import GESTURES, gesture_clip, gesture_names
from vhuman.animation.layers import PRIORITY, Layer, LayerStack
from vhuman.animation.lipsync import lipsync, viseme_track
from vhuman.animation.performance import base_pose_clip, perform

__all__ = [
    "GESTURES",
    "MORPH_NAMES",
    "PRIORITY",
    "VISEME_SHAPES",
    "Layer",
    "LayerStack",
    "MotionClip",
    "base_pose_clip",
    "concat_clips",
    "gesture_clip",
    "gesture_names",
    "lipsync",
    "perform",
    "viseme_track",
]
