"""An avatar's own animation clips, found by name and brought into the normalized space.

``find_clip`` accepts the names users see in ``vhuman avatar inspect`` in any case, and
the last part of exporter paths (``Armature|mixamo.com|Layer0`` -> ``Layer0``).
``clip_motion`` retargets a clip onto normalized humanoid rotations (through the rig's
measured facing), so it layers, blends, loops and time-warps like any other motion, and
plays on other avatars too. :class:`AvatarClips` loads an avatar file lazily and keeps
its retargeted clips for the live engine (dance segments with ``clip:``, gestures).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from vhuman.animation.clip import MotionClip
from vhuman.avatar.character import AnimationClip, Character
from vhuman.models.types import InputError

log = logging.getLogger(__name__)


def _key(name: str) -> str:
    return name.strip().lower()


def find_clip(character: Character, name: str) -> AnimationClip:
    """The clip called ``name`` (exact, any case, or the last ``|``-part of its name);
    :class:`InputError` listing the clips there are."""
    want = _key(name)
    for match in (lambda c: c.name == name, lambda c: _key(c.name) == want,
                  lambda c: _key(c.name.split("|")[-1]) == want):
        found = [c for c in character.clips if match(c)]
        if found:
            return found[0]
    have = ", ".join(c.name for c in character.clips) or "none"
    raise InputError(f"avatar {character.name!r} has no clip {name!r} (clips: {have})")


def clip_motion(character: Character, clip: AnimationClip, fps: float = 30.0) -> MotionClip:
    """``clip`` retargeted to normalized humanoid rotations at ``fps``."""
    from vhuman.animation.retarget import gltf_clip_to_motion
    from vhuman.avatar.rest_pose import rest_pose

    if clip.duration <= 0:
        raise InputError(f"clip {clip.name!r} of {character.name!r} has no duration")
    rp = rest_pose(character)
    return gltf_clip_to_motion(clip, character.skeleton, fps=fps, frame=rp.frame,
                               rest=(rp.world_rotation, rp.world[:, :3, 3]))


class AvatarClips:
    """Named clips of an avatar file as normalized motion, loaded on first use
    (thread-safe; ``path`` None: the built-in character, which has no clips)."""

    def __init__(self, path: str | Path | None, fps: float = 30.0) -> None:
        self.path = path
        self.fps = float(fps)
        self._character: Character | None = None
        self._motions: dict[str, MotionClip] = {}
        self._lock = threading.Lock()

    def _load(self) -> Character:
        if self._character is None:
            from vhuman.avatar.loader import load_avatar

            self._character = load_avatar(self.path)
        return self._character

    def names(self) -> list[str]:
        """The avatar's clip names."""
        with self._lock:
            return [c.name for c in self._load().clips]

    def has(self, name: str) -> bool:
        with self._lock:
            try:
                find_clip(self._load(), name)
            except InputError:
                return False
            return True

    def motion(self, name: str) -> MotionClip:
        """The clip ``name`` as normalized motion (InputError when there is none)."""
        with self._lock:
            character = self._load()
            clip = find_clip(character, name)
            if clip.name not in self._motions:
                self._motions[clip.name] = clip_motion(character, clip, self.fps)
                log.info("avatar clip %r: %.2f s retargeted", clip.name, clip.duration)
            return self._motions[clip.name]
