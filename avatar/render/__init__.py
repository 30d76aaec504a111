"""Offscreen rendering of the character: renderer protocol, backends, cameras, lights."""

from vhuman.avatar.render.base import (
    BACKENDS,
    DEFAULT_BACKEND,
    Renderer,
    create_renderer,
    parse_color,
)
from vhuman.avatar.render.camera import CAMERA_PRESETS, Camera, camera_preset, character_landmarks
from vhuman.avatar.render.lighting import Light, Lighting, studio_lighting
from vhuman.avatar.render.motion import render_motion
from vhuman.avatar.render.platform import choose_platform

__all__ = [
    "BACKENDS",
    "CAMERA_PRESETS",
    "DEFAULT_BACKEND",
    "Camera",
    "Light",
    "Lighting",
    "Renderer",
    "camera_preset",
    "character_landmarks",
    "choose_platform",
    "create_renderer",
    "parse_color",
    "render_motion",
    "studio_lighting",
]
