"""Pick the headless OpenGL platform: EGL on a GPU, OSMesa (or EGL/llvmpipe) on a CPU.

PyOpenGL fixes its platform from ``PYOPENGL_PLATFORM`` the first time ``OpenGL`` is
imported, so :func:`configure_pyopengl` must run before pyrender is imported; an explicit
choice (argument, then the environment variable) always wins over the automatic one.
"""

from __future__ import annotations

import glob
import logging
import os
import sys

from vhuman.models.types import InputError, VhumanError

log = logging.getLogger(__name__)

PLATFORMS: tuple[str, ...] = ("egl", "osmesa")


def has_gpu() -> bool:
    """True when an NVIDIA device node exists (no CUDA initialisation needed)."""
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def choose_platform(backend: str, requested: str | None = None) -> str:
    """The platform a backend should use.

    - ``moderngl`` renders through EGL only (on a CPU, Mesa's llvmpipe answers EGL)
    - ``pyrender``: ``requested``, else ``$PYOPENGL_PLATFORM``, else ``egl`` with a GPU
      and ``osmesa`` without (OSMesa measured faster than EGL/llvmpipe on CPU).
    """
    if requested is not None:
        requested = requested.strip().lower()
        if requested not in PLATFORMS:
            raise InputError(
                f"unknown GL platform {requested!r}; expected one of: {', '.join(PLATFORMS)}"
            )
    if backend == "moderngl":
        if requested not in (None, "egl"):
            raise InputError(
                "the moderngl backend renders headless through EGL only; use platform='egl'"
            )
        return "egl"
    if requested:
        return requested
    env = os.environ.get("PYOPENGL_PLATFORM", "").strip().lower()
    if env in PLATFORMS:
        return env
    return "egl" if has_gpu() else "osmesa"


def configure_pyopengl(platform: str) -> None:
    """Set ``PYOPENGL_PLATFORM`` before PyOpenGL loads; raise if it already loaded another."""
    if "OpenGL" in sys.modules:
        current = os.environ.get("PYOPENGL_PLATFORM", "").lower()
        if current and current != platform:
            raise VhumanError(
                f"PyOpenGL is already initialised for {current!r} in this process; "
                f"cannot switch to {platform!r} (set PYOPENGL_PLATFORM before starting)"
            )
        if not current:
            log.warning("PyOpenGL was imported before a platform was chosen; wanted %s", platform)
        return
    os.environ["PYOPENGL_PLATFORM"] = platform


def egl_device_index() -> int | None:
    """The EGL device to render on, so a worker draws on the GPU its CUDA work uses:
    ``$VHUMAN_EGL_DEVICE``, else the single device named by ``$CUDA_VISIBLE_DEVICES``
    (EGL lists devices in PCI bus order: run with ``CUDA_DEVICE_ORDER=PCI_BUS_ID``), else
    None (the driver's first; in a container that sees one GPU, that GPU)."""
    for name in ("VHUMAN_EGL_DEVICE", "CUDA_VISIBLE_DEVICES"):
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
        if value and name == "VHUMAN_EGL_DEVICE":
            raise InputError(f"{name} must be a device number, got {value!r}")
    return None
