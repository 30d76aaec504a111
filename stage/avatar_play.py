"""``vhuman avatar play``: an avatar's own animation clip rendered to a video file.

On its own avatar the clip plays natively (every joint it animates, fingers included),
turned to face the camera; ``on`` another avatar (or the built-in) it is retargeted
through the normalized humanoid space first. ``loops`` repeats it, ``seconds`` sets the
length (looping as needed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vhuman.models.types import InputError

from .media import MediaWriter, check_writable
from .say import RenderOptions, check_avatar, no_partial_output

log = logging.getLogger(__name__)

MAX_SECONDS = 600.0
BATCH = 30


@dataclass
class PlayResult:
    """The rendered clip."""

    path: Path
    clip: str
    duration: float
    frames: int


def render_avatar_clip(avatar: str | Path, clip: str, out: str | Path, *, loops: int = 1,
                       seconds: float | None = None, on: str | Path | None = None,
                       on_builtin: bool = False, options: RenderOptions | None = None,
                       progress: bool = False) -> PlayResult:
    """Render clip ``clip`` of ``avatar`` into ``out`` (see the module docstring)."""
    options = options or RenderOptions(camera="full_body")
    options.validate()
    check_avatar(avatar)
    check_avatar(on)
    if loops < 1:
        raise InputError(f"--loops must be at least 1, got {loops}")
    if seconds is not None and not 0 < seconds <= MAX_SECONDS:
        raise InputError(f"--seconds must be within 0..{MAX_SECONDS:.0f}, got {seconds}")
    with no_partial_output(Path(out).expanduser()):
        return _render(avatar, clip, out, loops, seconds, on, on_builtin, options, progress)


def _render(avatar: str | Path, clip: str, out: str | Path, loops: int, seconds: float | None,
            on: str | Path | None, on_builtin: bool, options: RenderOptions,
            progress: bool) -> PlayResult:
    from vhuman.avatar.clips import clip_motion, find_clip
    from vhuman.avatar.loader import load_avatar
    from vhuman.avatar.render import create_renderer, render_motion
    from vhuman.avatar.rig import Rig

    path = check_writable(out)
    source = load_avatar(avatar)
    anim = find_clip(source, clip)
    if anim.duration <= 0:
        raise InputError(f"clip {anim.name!r} has no duration")
    total = min(seconds if seconds is not None else anim.duration * loops, MAX_SECONDS)
    fps = options.fps
    n = max(1, int(round(total * fps)))
    times = np.arange(n) / fps
    # loop: wrap into [0, duration], the last frame of each pass landing on the last key
    local = np.where((times > 0) & (np.mod(times, anim.duration) < 1e-9), anim.duration,
                     np.mod(times, anim.duration))
    target = load_avatar(on) if on is not None else (load_avatar(None) if on_builtin else source)
    rig = Rig(target, device=options.device)
    motion = None if target is source else clip_motion(source, anim, fps)
    renderer = create_renderer(options.renderer, target, options.width, options.height,
                               camera=options.camera, background=options.background or "#1e2a3a",
                               transparent=options.transparent)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n, unit="frame", desc=f"clip {anim.name}")
    try:
        with MediaWriter(path, width=options.width, height=options.height, fps=fps,
                         sample_rate=None, alpha=options.transparent) as writer:
            for a in range(0, n, BATCH):
                b = min(n, a + BATCH)
                if motion is None:
                    pose = rig.sample_animation(anim, local[a:b])
                else:
                    from vhuman.animation.retarget import sample_clip

                    pose = sample_clip(motion, local[a:b], fps)
                for image in render_motion(rig, renderer, pose, times[a], fps=fps):
                    writer.write_video(image)
                    if bar is not None:
                        bar.update(1)
    finally:
        renderer.close()
        if bar is not None:
            bar.close()
    log.info("clip %r of %s: %d frames -> %s", anim.name, Path(avatar).name, n, path)
    return PlayResult(path, anim.name, n / fps, n)
