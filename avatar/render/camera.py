"""Cameras and presets that frame a character automatically from its bounds and bones.

Presets: ``portrait`` (head and shoulders, looking slightly down), ``half_body`` (hips
up), ``full_body`` and ``orbit`` (a slow turn around the character, by angle or time).
Framing follows the humanoid ``head``/``hips`` bones of the character as the rig shows it
(T-pose, turned to face the camera, any units), with its surface bounding only the feet and
the top of the head, so any character (built-in, glTF, VRM) is framed without tuning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from vhuman.avatar.character import Character
from vhuman.avatar.presets import CAMERA_PRESETS, camera_key
from vhuman.avatar.rest_pose import mesh_points, rest_pose
from vhuman.models.types import InputError

DEFAULT_YFOV = math.radians(35.0)


@dataclass(frozen=True)
class Camera:
    """A perspective camera: ``eye`` looks at ``target``; ``yfov`` in radians."""

    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    up: tuple[float, float, float] = (0.0, 1.0, 0.0)
    yfov: float = DEFAULT_YFOV
    znear: float = 0.05
    zfar: float = 50.0

    def view_matrix(self) -> np.ndarray:
        """World -> camera (4, 4), OpenGL convention (camera looks down -Z)."""
        eye, target, up = (np.asarray(v, np.float64) for v in (self.eye, self.target, self.up))
        forward = target - eye
        if np.linalg.norm(forward) < 1e-9:
            raise InputError("camera eye and target coincide")
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, up)
        if np.linalg.norm(right) < 1e-9:  # looking straight along up: pick another up
            right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        true_up = np.cross(right, forward)
        view = np.eye(4)
        view[0, :3], view[1, :3], view[2, :3] = right, true_up, -forward
        view[:3, 3] = -view[:3, :3] @ eye
        return view

    def pose(self) -> np.ndarray:
        """Camera -> world (4, 4), as pyrender expects."""
        return np.linalg.inv(self.view_matrix())

    def projection(self, aspect: float) -> np.ndarray:
        """OpenGL perspective projection (4, 4) for width/height ``aspect``."""
        f = 1.0 / math.tan(self.yfov / 2.0)
        n, fa = self.znear, self.zfar
        proj = np.zeros((4, 4))
        proj[0, 0], proj[1, 1] = f / aspect, f
        proj[2, 2], proj[2, 3] = (fa + n) / (n - fa), 2 * fa * n / (n - fa)
        proj[3, 2] = -1.0
        return proj


def rest_joint_positions(character: Character) -> np.ndarray:
    """World positions (J, 3) of every joint in the normalized T-pose, turned to face +Z
    (what the rig shows for identity motion; see :mod:`avatar.rest_pose`)."""
    return rest_pose(character).world[:, :3, 3]


@dataclass(frozen=True)
class Landmarks:
    """Heights (metres) used for framing, plus the horizontal centre and front."""

    bottom: float
    top: float
    head: float
    hips: float
    center: tuple[float, float]  # (x, z)
    front: float  # largest z (the face side)
    points: np.ndarray | None = None  # (N, 3) T-pose surface sample, engine frame


def character_landmarks(character: Character) -> Landmarks:
    """Framing landmarks from the head and hips bones of the T-posed, camera-facing
    character; its surface only bounds the feet and the top of the head. Proportional
    guesses stand in for missing bones."""
    rp = rest_pose(character)
    pts = mesh_points(character, rp.world)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    height = float(hi[1] - lo[1]) or 1.0
    joints = rp.world[:, :3, 3]
    humanoid = character.skeleton.humanoid
    head = float(joints[humanoid["head"], 1]) if "head" in humanoid else lo[1] + 0.87 * height
    hips = float(joints[humanoid["hips"], 1]) if "hips" in humanoid else lo[1] + 0.53 * height
    if not lo[1] < head < hi[1]:
        head = float(lo[1] + 0.87 * height)
    top = float(hi[1])
    if "head" in humanoid and "hips" in humanoid:
        # the top of the head, not of a raised prop: surface near the head's vertical line
        hx, hz = joints[humanoid["head"], 0], joints[humanoid["head"], 2]
        near = np.hypot(pts[:, 0] - hx, pts[:, 2] - hz) < 0.6 * max(head - hips, 1e-6)
        if near.any():
            top = float(pts[near, 1].max())
    if "hips" in humanoid:
        cx, cz = float(joints[humanoid["hips"], 0]), float(joints[humanoid["hips"], 2])
    else:
        cx, cz = float((lo[0] + hi[0]) / 2), float((lo[2] + hi[2]) / 2)
    return Landmarks(float(lo[1]), top, head, hips, (cx, cz), float(hi[2]), pts)


def _band_half_width(lm: Landmarks, y0: float, y1: float, cx: float) -> float:
    """Half the horizontal extent of the T-pose surface between heights y0..y1."""
    pts = lm.points
    if pts is None:
        return 0.0
    sel = pts[(pts[:, 1] >= y0) & (pts[:, 1] <= y1)]
    return float(np.abs(sel[:, 0] - cx).max()) if len(sel) else 0.0


def _normalize_name(name: str) -> str:
    return camera_key(name)


def camera_preset(
    name: str,
    character: Character,
    aspect: float = 1.0,
    *,
    angle: float | None = None,
    time: float | None = None,
    orbit_period: float = 30.0,
    yfov: float = DEFAULT_YFOV,
) -> Camera:
    """A camera framing ``character`` by preset name (see :data:`CAMERA_PRESETS`).

    ``orbit`` turns around the vertical axis by ``angle`` radians, or by
    ``2π · time / orbit_period`` (a slow 30 s turn by default); angle 0 is the front.
    """
    key = _normalize_name(name)
    if key not in CAMERA_PRESETS:
        raise InputError(
            f"unknown camera preset {name!r}; expected one of: {', '.join(CAMERA_PRESETS)}"
        )
    lm = character_landmarks(character)
    height = lm.top - lm.bottom
    head_size = max(lm.top - lm.head, 0.06 * height)
    if key == "portrait":
        y0, y1, pitch = lm.head - 1.5 * head_size, lm.top + 0.2 * head_size, math.radians(8)
    elif key in ("half_body", "orbit"):
        y0, y1, pitch = lm.hips - 0.08 * height, lm.top + 0.05 * height, math.radians(5)
    else:
        y0, y1, pitch = lm.bottom - 0.04 * height, lm.top + 0.04 * height, math.radians(3)
    cx, cz = lm.center
    tan_half = math.tan(yfov / 2)
    half_w = _band_half_width(lm, y0, y1, cx) * 1.1
    if key != "full_body":
        # Bind poses are often T/A-poses: outstretched arms at shoulder height would push
        # the camera back, but at run time the arms hang down. Let the height decide.
        half_w = min(half_w, 0.75 * (y1 - y0) / 2 * aspect)
    dist = max((y1 - y0) / 2 / tan_half, half_w / (aspect * tan_half)) + (lm.front - cz)
    target = np.array([cx, (y0 + y1) / 2, cz])
    offset = np.array([0.0, math.sin(pitch), math.cos(pitch)]) * dist
    if key == "orbit":
        theta = angle if angle is not None else 2 * math.pi * (time or 0.0) / orbit_period
        c, s = math.cos(theta), math.sin(theta)
        offset = np.array([s * offset[2], offset[1], c * offset[2]])
    eye = target + offset
    return Camera(eye=tuple(eye.tolist()), target=tuple(target.tolist()), yfov=yfov,
                  znear=max(0.01, dist * 0.05), zfar=dist * 4 + height * 2)  # fmt: skip


def is_moving_preset(name: str) -> bool:
    """Whether a preset moves with time (``orbit``)."""
    return _normalize_name(name) == "orbit"


def resolve_camera(
    camera: str | Camera, character: Character, aspect: float, **kwargs: float
) -> Camera:
    """A :class:`Camera` from a preset name (with preset kwargs) or a camera as given."""
    if isinstance(camera, Camera):
        return replace(camera)
    if isinstance(camera, str):
        return camera_preset(camera, character, aspect, **kwargs)
    raise InputError(f"camera must be a preset name or a Camera, got {type(camera).__name__}")
