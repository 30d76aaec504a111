"""The renderer protocol, shared input handling, and ``create_renderer`` by backend name.

Backends (``moderngl``, ``pyrender``) are registered as lazy import strings so a missing
optional dependency only fails when that backend is asked for.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from vhuman.avatar.character import Character
from vhuman.avatar.render.camera import Camera, is_moving_preset, resolve_camera
from vhuman.avatar.render.lighting import Lighting, studio_lighting
from vhuman.models.types import InputError, VhumanError

log = logging.getLogger(__name__)

BACKENDS: dict[str, str] = {
    "moderngl": "vhuman.avatar.render.moderngl_backend:ModernGLRenderer",
    "pyrender": "vhuman.avatar.render.pyrender_backend:PyrenderRenderer",
}
DEFAULT_BACKEND = "moderngl"  # 3-4x pyrender's fps on CPU (bench/bench_render.py)
MeshArray = Any  # torch.Tensor | np.ndarray, (V, 3)
Background = str | tuple[float, ...] | Path | None
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


@runtime_checkable
class Renderer(Protocol):
    """Draws the character's meshes, posed per frame, to an image."""

    width: int
    height: int
    transparent: bool

    def render(self, positions: Sequence[MeshArray], normals: Sequence[MeshArray]) -> np.ndarray:
        """(H, W, 3) uint8, or (H, W, 4) when transparent."""
        ...

    def set_camera(self, camera: str | Camera, **preset: float) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Renderer: ...

    def __exit__(self, *exc: object) -> None: ...


NAMED_COLORS: dict[str, str] = {
    "green": "#00b140",  # broadcast chroma green, keyable in OBS
    "chroma": "#00b140",
    "blue": "#0047bb",
    "black": "#000000",
    "white": "#ffffff",
}


def parse_color(value: str | Sequence[float]) -> tuple[float, float, float, float]:
    """``#rgb``/``#rrggbb``/``#rrggbbaa``, a name in :data:`NAMED_COLORS`, or a 3/4-tuple
    (0..1 floats or 0..255 ints) → RGBA floats."""
    if isinstance(value, str):
        value = NAMED_COLORS.get(value.strip().lower(), value)
        text = value.strip().lstrip("#")
        if len(text) in (3, 4):
            text = "".join(c * 2 for c in text)
        try:
            if len(text) not in (6, 8):
                raise ValueError
            parts = [int(text[i : i + 2], 16) / 255.0 for i in range(0, len(text), 2)]
        except ValueError:
            raise InputError(f"background colour {value!r} is not #rrggbb") from None
    else:
        parts = [float(v) for v in value]
        if len(parts) not in (3, 4):
            raise InputError(f"background colour needs 3 or 4 components, got {len(parts)}")
        if any(v > 1.0 for v in parts):
            parts = [v / 255.0 for v in parts]
        if any(not 0.0 <= v <= 1.0 for v in parts):
            raise InputError(
                f"background colour components must be within 0..1 or 0..255: {value!r}"
            )
    return (parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else 1.0)


def load_background(
    value: Background, width: int, height: int
) -> tuple[float, float, float, float] | np.ndarray:
    """A clear colour (RGBA 0..1) or an (H, W, 3) uint8 image resized to the frame."""
    if value is None:
        return (0.0, 0.0, 0.0, 1.0)
    is_path = isinstance(value, Path) or (
        isinstance(value, str) and value.lower().endswith(_IMAGE_SUFFIXES)
    )
    if not is_path:
        return parse_color(value)  # type: ignore[arg-type]
    path = Path(value)  # type: ignore[arg-type]
    if not path.is_file():
        raise InputError(f"background image {str(path)!r} does not exist")
    from PIL import Image

    try:
        with Image.open(path) as src:
            img = src.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
            return np.ascontiguousarray(np.asarray(img, np.uint8))
    except OSError as exc:
        raise InputError(f"background image {str(path)!r} cannot be read: {exc}") from exc


def to_numpy_f32(value: MeshArray, what: str) -> np.ndarray:
    """A C-contiguous float32 numpy copy/view of a torch tensor or array."""
    if hasattr(value, "detach"):
        value = value.detach().to("cpu").float().numpy()
    return np.ascontiguousarray(value, dtype=np.float32)


class RendererBase:
    """Shared state and checks: size, camera, background, per-frame input validation."""

    backend = ""

    def __init__(
        self,
        character: Character,
        width: int = 512,
        height: int = 512,
        camera: str | Camera = "portrait",
        background: Background = "#1e2a3a",
        transparent: bool = False,
        lighting: Lighting | None = None,
    ) -> None:
        for name, value in (("width", width), ("height", height)):
            if not isinstance(value, int | np.integer) or not 1 <= int(value) <= 8192:
                raise InputError(
                    f"renderer {name} must be an integer within 1..8192, got {value!r}"
                )
        if not character.meshes:
            raise InputError(f"character {character.name!r} has no meshes to render")
        self.character = character
        self.width, self.height = int(width), int(height)
        self.transparent = bool(transparent)
        self.lighting = lighting or studio_lighting()
        self.background = load_background(background, self.width, self.height)
        self.camera = resolve_camera(camera, character, self.aspect)
        self.camera_preset = camera if isinstance(camera, str) else None
        self.clock = 0.0  # seconds of the next picture: moving presets (orbit) follow it
        self.material_frame: Any = None  # expression-driven material state (one frame)
        self._sizes = [m.num_vertices for m in character.meshes]
        self._closed = False

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def set_camera(self, camera: str | Camera, **preset: float) -> None:
        """Switch camera: a preset name (``orbit`` takes ``angle=`` or ``time=``) or a Camera."""
        self.camera = resolve_camera(camera, self.character, self.aspect, **preset)
        moving = isinstance(camera, str) and not preset
        self.camera_preset = camera if moving else None

    def set_material_frame(self, frame: Any) -> None:
        """Material colours / texture transforms for the next pictures (an
        ``avatar.expressions.MaterialFrames`` of one frame), or None for the authored ones."""
        self.material_frame = frame

    def at_time(self, seconds: float) -> None:
        """Move a time-driven camera preset (``orbit``) to ``seconds`` of the show."""
        self.clock = float(seconds)
        preset = self.camera_preset
        if preset is not None and is_moving_preset(preset):
            self.set_camera(preset, time=self.clock)  # backends re-place their camera here
            self.camera_preset = preset

    def set_background(self, background: Background) -> None:
        """Change the background colour or image (ignored in transparent mode)."""
        self.background = load_background(background, self.width, self.height)

    def _check_frame(
        self, positions: Sequence[MeshArray], normals: Sequence[MeshArray]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        if self._closed:
            raise VhumanError(f"{self.backend} renderer is closed")
        if len(positions) != len(self._sizes) or len(normals) != len(self._sizes):
            raise InputError(
                f"render needs positions and normals for {len(self._sizes)} meshes, "
                f"got {len(positions)} and {len(normals)}"
            )
        out = []
        for i, (p, n, size) in enumerate(zip(positions, normals, self._sizes, strict=True)):
            pos, nrm = to_numpy_f32(p, "positions"), to_numpy_f32(n, "normals")
            for what, arr in (("positions", pos), ("normals", nrm)):
                if arr.shape != (size, 3):
                    raise InputError(
                        f"{what}[{i}] has shape {arr.shape}, expected ({size}, 3) for mesh {self.character.meshes[i].name!r}"
                    )
                if not np.isfinite(arr).all():
                    raise InputError(f"{what}[{i}] contains NaN or inf")
            out.append((pos, nrm))
        return out

    def _check_packed(
        self, positions: MeshArray, normals: MeshArray
    ) -> tuple[np.ndarray, np.ndarray]:
        """All meshes' vertices in one (V_all, 3) array each, checked like ``_check_frame``."""
        if self._closed:
            raise VhumanError(f"{self.backend} renderer is closed")
        total = sum(self._sizes)
        out = []
        for what, value in (("positions", positions), ("normals", normals)):
            arr = to_numpy_f32(value, what)
            if arr.shape != (total, 3):
                raise InputError(
                    f"packed {what} have shape {arr.shape}, expected ({total}, 3) "
                    f"for the {len(self._sizes)} meshes of {self.character.name!r}"
                )
            if not np.isfinite(arr).all():
                raise InputError(f"packed {what} contain NaN or inf")
            out.append(arr)
        return out[0], out[1]

    def __enter__(self) -> RendererBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True


def unpremultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight alpha from premultiplied RGBA (in place), only where 0 < alpha < 255."""
    alpha = rgba[..., 3]
    partial = (alpha > 0) & (alpha < 255)
    if partial.any():
        a = alpha[partial].astype(np.float32)[:, None] / 255.0
        rgba[partial, :3] = np.clip(rgba[partial, :3] / a + 0.5, 0, 255).astype(np.uint8)
    return rgba


def create_renderer(
    backend: str = DEFAULT_BACKEND,
    character: Character | None = None,
    width: int = 512,
    height: int = 512,
    camera: str | Camera = "portrait",
    background: Background = "#1e2a3a",
    transparent: bool = False,
    platform: str | None = None,
    **options: Any,
) -> Renderer:
    """A renderer by backend name (``moderngl`` | ``pyrender``) for ``character``
    (None: the built-in character). Extra ``options`` go to the backend (``msaa``,
    ``lighting``)."""
    key = (backend or DEFAULT_BACKEND).strip().lower()
    if key not in BACKENDS:
        raise InputError(
            f"unknown renderer backend {backend!r}; expected one of: {', '.join(BACKENDS)}"
        )
    if character is None:
        from vhuman.avatar.loader import load_avatar

        character = load_avatar(None)
    module_name, cls_name = BACKENDS[key].split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = "pip install 'vhuman[pyrender]'" if key == "pyrender" else "pip install moderngl"
        raise VhumanError(
            f"renderer backend {key!r} is unavailable ({exc}); install it: {hint}"
        ) from exc
    cls = getattr(module, cls_name)
    return cls(character, width=width, height=height, camera=camera, background=background,
               transparent=transparent, platform=platform, **options)  # fmt: skip
