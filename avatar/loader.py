"""``load_avatar``: the one front door for avatars (built-in, .glb, .gltf, .vrm)."""

from __future__ import annotations

import logging
from pathlib import Path

from vhuman.avatar.builtin import builtin_avatar_path
from vhuman.avatar.character import Character
from vhuman.avatar.errors import AvatarError
from vhuman.avatar.gltf import load_gltf

log = logging.getLogger(__name__)

SUFFIXES = (".glb", ".gltf", ".vrm")


def load_avatar(path: str | Path | None = None) -> Character:
    """Load an avatar file into a :class:`Character`; ``None`` loads the built-in host.

    The format is recognised by content (``glTF`` magic = binary, ``{`` = JSON), so a
    ``.vrm`` or a misnamed file loads too. Raises :class:`AvatarError` naming the file and
    the problem for anything unusable.
    """
    if path is None:
        character = load_gltf(builtin_avatar_path())
        character.format = "builtin"
        character.name = "vhuman host"
        return character
    p = Path(path)
    if not p.exists():
        raise AvatarError(f"{p}: avatar file not found")
    if p.is_dir():
        raise AvatarError(f"{p}: is a folder; expected a {', '.join(SUFFIXES)} file")
    if p.suffix.lower() not in SUFFIXES:
        log.info("%s: unusual extension; detecting the format from the content", p.name)
    return load_gltf(p)
