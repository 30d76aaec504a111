"""The one place vhuman keeps files it can rebuild: ``$VHUMAN_CACHE`` or
``~/.cache/vhuman`` (the built-in avatar, converted language models, indexes)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache folder, or a sub-folder of it (not created here)."""
    root = os.environ.get("VHUMAN_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "vhuman").joinpath(*parts)


__all__ = ["cache_dir"]
