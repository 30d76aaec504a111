"""Camera framing names users type, importable without the renderer (the CLI checks its
arguments before anything heavy loads)."""

from __future__ import annotations

CAMERA_PRESETS: tuple[str, ...] = ("portrait", "half_body", "full_body", "orbit")
"""Camera framings (``avatar.render.camera.camera_preset``)."""


def camera_key(name: str) -> str:
    """The preset a spelling means (``Half-Body``, ``fullbody``, ``head``), unchecked."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    return {"halfbody": "half_body", "fullbody": "full_body", "head": "portrait"}.get(key, key)
