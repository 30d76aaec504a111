"""Per-tick renderers for the live clock: the real avatar, or a synthetic test face.

A :class:`FrameRenderer` turns one pose (a one-frame ``MotionClip``) into an image. Both
implementations are created inside the render thread (OpenGL contexts are thread-bound)
through a zero-argument factory, so the performer never touches GL from the event loop.

- :class:`AvatarRenderer`: ``avatar.rig.Rig`` skinning (torch, GPU when present) +
  ``avatar.render.create_renderer`` (moderngl/pyrender).
- :class:`PatternRenderer`: a flat cartoon face drawn with numpy, whose mouth opens with
  the pose's mouth shapes and whose head follows the head bone. Cheap and deterministic:
  tests and the A/V-sync benchmark measure mouth opening from its pixels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vhuman.animation.clip import MotionClip, concat_clips
from vhuman.models.types import InputError

from .motion import MOUTH_SHAPES

log = logging.getLogger(__name__)


class FrameRenderer(Protocol):
    width: int
    height: int

    def render(self, pose: MotionClip) -> np.ndarray:
        """(H, W, 3) or (H, W, 4) uint8 picture of ``pose`` (a one-frame clip)."""
        ...

    def set_scale(self, scale: float) -> None:
        """Render at ``scale`` (0 < scale <= 1) of the size, upscaled to it (cheaper)."""
        ...

    def close(self) -> None: ...


def scaled_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """Even width and height at ``scale`` (at least 32 pixels each)."""
    def even(n: float) -> int:
        return max(32, int(round(n / 2)) * 2)
    return even(width * scale), even(height * scale)


def upscale(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` resized (bilinear) to ``width`` x ``height``."""
    if image.shape[1] == width and image.shape[0] == height:
        return image
    from PIL import Image

    mode = "RGBA" if image.shape[2] == 4 else "RGB"
    return np.asarray(Image.fromarray(image, mode).resize((width, height), Image.Resampling.BILINEAR))


def parse_color(value: str | tuple[float, ...] | None, default: str = "#1e2a3a"
                ) -> tuple[int, int, int]:
    """8-bit RGB of a colour as :func:`avatar.render.parse_color` reads it (``None`` is
    ``default``)."""
    from vhuman.avatar.render.base import parse_color as parse_rgba

    r, g, b, _ = parse_rgba(default if value is None else value)
    return int(round(r * 255)), int(round(g * 255)), int(round(b * 255))


class PatternRenderer:
    """A synthetic face: background, head disc with eyes, and a mouth that opens.

    The mouth box is :attr:`mouth_box` (y0, y1, x0, x1) in pixels, dark red on skin, its
    height proportional to the pose's mouth opening, so pixel analysis recovers it.
    ``transparent=True`` returns RGBA with the background fully transparent.
    """

    def __init__(self, width: int = 256, height: int = 256, *,
                 background: str | tuple[float, ...] | None = None,
                 transparent: bool = False) -> None:
        if width < 32 or height < 32:
            raise InputError(f"pattern renderer needs at least 32x32, got {width}x{height}")
        self.width, self.height = width, height
        self.transparent = transparent
        self.background = np.array(parse_color(background), np.uint8)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        self._yy, self._xx = yy, xx
        self.radius = 0.32 * min(width, height)
        cy, cx = height * 0.45, width * 0.5
        self.mouth_box = (int(cy + 0.35 * self.radius), int(cy + 0.75 * self.radius),
                          int(cx - 0.3 * self.radius), int(cx + 0.3 * self.radius))
        self._cols: dict[str, int] | None = None
        self._bones: dict[str, int] | None = None
        self._background = background
        self._small: PatternRenderer | None = None

    def set_scale(self, scale: float) -> None:
        if scale >= 1.0:
            self._small = None
            return
        w, h = scaled_size(self.width, self.height, scale)
        self._small = PatternRenderer(w, h, background=self._background,
                                      transparent=self.transparent)

    def _weights(self, pose: MotionClip) -> tuple[float, float, float]:
        if self._cols is None:
            self._cols = {n: i for i, n in enumerate(pose.morph_names)}
            self._bones = {n: i for i, n in enumerate(pose.bone_names)}
        cols, bones = self._cols, self._bones or {}
        mouth = max((float(pose.morph[0, cols[n]]) for n in MOUTH_SHAPES if n in cols),
                    default=0.0)
        blink = float(pose.morph[0, cols["blink"]]) if "blink" in cols else 0.0
        sway = 0.0
        if "head" in bones:
            q = pose.rotations[0, bones["head"]]
            sway = float(2 * q[1])  # ~ yaw angle for small rotations
        return min(max(mouth, 0.0), 1.0), blink, sway

    def render(self, pose: MotionClip) -> np.ndarray:
        if self._small is not None:
            return upscale(self._small.render(pose), self.width, self.height)
        mouth, blink, sway = self._weights(pose)
        h, w = self.height, self.width
        channels = 4 if self.transparent else 3
        img = np.empty((h, w, channels), np.uint8)
        img[..., :3] = self.background
        if self.transparent:
            img[..., 3] = 0
        cy = h * 0.45 + float(pose.root_offset[0, 1]) * h
        cx = w * 0.5 + sway * w * 0.05
        r = self.radius
        head = (self._yy - cy) ** 2 + (self._xx - cx) ** 2 <= r * r
        img[head, :3] = (238, 196, 160)
        if self.transparent:
            img[head, 3] = 255
        eye_h = max(1.0, 0.1 * r * (1.0 - blink))
        for ex in (cx - 0.35 * r, cx + 0.35 * r):
            eye = (np.abs(self._yy - (cy - 0.2 * r)) <= eye_h) & (np.abs(self._xx - ex) <= 0.08 * r)
            img[eye, :3] = (40, 30, 30)
        # mouth stays in its fixed box so pixel analysis is exact; height grows with opening
        y0, y1, x0, x1 = self.mouth_box
        mid = (y0 + y1) / 2.0
        half = 0.5 + mouth * (y1 - y0) / 2.0
        rows = slice(int(round(mid - half)), int(round(mid + half)) + 1)
        img[rows, x0:x1, :3] = (120, 20, 30)
        return img

    def mouth_openness(self, image: np.ndarray) -> float:
        """Fraction 0..1 of the mouth box covered by the dark mouth colour."""
        y0, y1, x0, x1 = self.mouth_box
        box = image[y0:y1 + 1, x0:x1, :3].astype(np.int16)
        dark = (np.abs(box[..., 0] - 120) < 30) & (box[..., 1] < 60)
        return float(dark.mean())

    def close(self) -> None:
        """Nothing to release (numpy only)."""


class AvatarRenderer:
    """The real character: torch skinning through ``Rig`` and an offscreen GL renderer."""

    def __init__(self, avatar: str | Path | None = None, width: int = 512, height: int = 512,
                 *, backend: str = "moderngl", camera: str = "portrait",
                 background: str | tuple[float, ...] | None = "#1e2a3a",
                 transparent: bool = False, device: str | None = None,
                 prepared: tuple[Any, Any] | None = None) -> None:
        """``prepared``: a (character, rig) pair built beforehand (e.g. in parallel with
        loading the voice); only the GL renderer is then made here, in this thread."""
        from vhuman.avatar.loader import load_avatar
        from vhuman.avatar.render import create_renderer
        from vhuman.avatar.rig import Rig

        self.width, self.height = width, height
        if prepared is not None:
            self.character, self.rig = prepared
        else:
            self.character = load_avatar(avatar)
            self.rig = Rig(self.character, device=device)
        self._options: dict[str, Any] = {"camera": camera, "background": background,
                                         "transparent": transparent}
        self._backend = backend
        self.renderer: Any = create_renderer(backend, self.character, width=width,
                                             height=height, **self._options)
        self._renderers: dict[tuple[int, int], Any] = {(width, height): self.renderer}
        self._current: Any = self.renderer
        self._base_camera: Any = getattr(self.renderer, "camera", None)
        self._framing: tuple[float, float] = (1.0, 0.0)
        self._head_y: float | None = None

    def set_framing(self, zoom: float, focus: float) -> None:
        """A camera shot (:mod:`.shots`): the configured camera moved ``zoom`` times
        closer, its aim ``focus`` of the way to the head (a dolly: stays sharp)."""
        if self._base_camera is None or (zoom, focus) == self._framing:
            return
        from dataclasses import replace

        if self._head_y is None:
            from vhuman.avatar.render.camera import character_landmarks

            lm = character_landmarks(self.character)
            self._head_y = lm.head + 0.35 * max(lm.top - lm.head, 0.0)  # about the eyes
        base = self._base_camera
        eye, target = np.asarray(base.eye), np.asarray(base.target)
        head_y = self._head_y
        aim = target + (np.array([target[0], head_y, target[2]]) - target) * focus
        camera = replace(base, target=tuple(aim.tolist()),
                         eye=tuple((aim + (eye - target) / max(zoom, 0.05)).tolist()),
                         znear=base.znear / max(zoom, 1.0))
        for renderer in self._renderers.values():
            renderer.set_camera(camera)
        self._framing = (zoom, focus)

    def set_scale(self, scale: float) -> None:
        """Draw into a smaller framebuffer (made once per size) and upscale: fill cost on
        a CPU rasteriser falls with the pixel count; skinning is unchanged."""
        size = (self.width, self.height) if scale >= 1.0 else \
            scaled_size(self.width, self.height, scale)
        if size not in self._renderers:
            from vhuman.avatar.render import create_renderer

            self._renderers[size] = create_renderer(self._backend, self.character,
                                                    width=size[0], height=size[1],
                                                    **self._options)
            if self._framing != (1.0, 0.0):  # a shot is on: the new size frames it too
                self._renderers[size].set_camera(self._renderers[(self.width, self.height)].camera)
        self._current = self._renderers[size]

    def render(self, pose: MotionClip) -> np.ndarray:
        from vhuman.avatar.render.motion import render_motion

        image = next(render_motion(self.rig, self._current, pose))
        return upscale(image, self.width, self.height)

    def render_batch(self, poses: Sequence[MotionClip]) -> Iterator[np.ndarray]:
        """Pictures of ``poses`` in order: one skinning pass for all of them (batched
        skinning costs a fraction per frame of one-by-one), then one render each, yielded
        as soon as it is ready."""
        if not poses:
            return
        from vhuman.avatar.render.motion import render_motion

        clip = poses[0] if len(poses) == 1 else concat_clips(list(poses))
        # render_packed reads into the renderer's buffer only when given ``out``; each
        # yielded picture is a fresh array, safe to keep.
        for image in render_motion(self.rig, self._current, clip):
            yield upscale(image, self.width, self.height)

    def close(self) -> None:
        for renderer in self._renderers.values():
            renderer.close()
