"""``--check`` of gesture names: every gesture a rundown line asks for (``gestures:`` or an
inline ``[tag]``) must be a library gesture or one of the clips of the avatar the show will
use, so a typo is caught before air rather than dropped live."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .rundown import Line, Problem, Rundown

LINE_FIELDS = ("lines", "pitch", "idle_lines")
"""Segment fields that hold spoken lines."""


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _library(name: str) -> bool:
    from vhuman.animation.gestures import get_gesture
    from vhuman.models.types import InputError

    try:
        get_gesture(name)  # names and aliases (``point``)
    except InputError:
        return False
    return True


def avatar_clip_names(rundown: Rundown) -> list[str]:
    """The clips of the avatar the show will use (none for the built-in host)."""
    if rundown.avatar is None:
        return []
    from vhuman.avatar.clips import AvatarClips

    return AvatarClips(rundown.avatar).names()


def _lines(rundown: Rundown) -> Iterator[tuple[tuple[Any, ...], Line]]:
    for seg in rundown.segments:
        for name in LINE_FIELDS:
            for k, line in enumerate(getattr(seg, name, None) or ()):
                yield ("segments", seg.index, name, k), line


def gesture_problems(rundown: Rundown, at: Callable[[tuple[Any, ...], str, str], Problem]
                     ) -> list[Problem]:
    """One problem per unknown gesture name, located by ``at(path, field, message)``."""
    wanted = [(path, g) for path, line in _lines(rundown) for g in line.gestures]
    if not wanted:
        return []
    from vhuman.animation.gestures import gesture_names

    unknown = [(path, g) for path, g in wanted if not _library(g)]
    if not unknown:
        return []
    clips = avatar_clip_names(rundown)
    own = {_key(n) for c in clips for n in (c, c.split("|")[-1])}
    have = ", ".join(gesture_names()) + ("; the avatar's clips: " + ", ".join(clips) if clips
                                         else "; the avatar has no clips")
    return [at(path, "gestures", f"unknown gesture {g!r} (gestures: {have})")
            for path, g in unknown if _key(g) not in own]
