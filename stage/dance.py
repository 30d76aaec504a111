"""Offline dance rendering: music (a file, or the synthesized demo track) → MP4."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vhuman.models.types import InputError

from .aio import run_sync
from .media import check_writable
from .performer import SpeechHandle
from .say import RenderOptions, check_avatar

log = logging.getLogger(__name__)

MAX_SECONDS = 600.0


@dataclass
class DanceResult:
    """The rendered dance and how long it took."""

    path: Path
    duration: float
    frames: int
    total_s: float


def render_dance(music: str | Path | None, out: str | Path, *, seconds: float | None = None,
                 options: RenderOptions | None = None, progress: bool = False) -> DanceResult:
    """Choreograph a dance to ``music`` and render it with the music as the soundtrack.

    ``music=None`` uses the synthesized demo track (20 s at 120 BPM), so it works offline.
    The live engine renders it (:mod:`stage.offline`), as a show's dance segment would be.
    """
    options = options or RenderOptions(camera="full_body")
    options.validate()
    path = check_writable(out)
    if seconds is not None and seconds <= 0:
        raise InputError(f"--seconds must be positive, got {seconds}")
    if music is not None and not Path(music).is_file():
        raise InputError(f"music file not found: {music}")
    check_avatar(options.avatar)
    limit = min(seconds or MAX_SECONDS, MAX_SECONDS)
    return run_sync(_render(Path(music) if music else None, limit, path, options, progress))


async def _render(music: Path | None, seconds: float, path: Path, options: RenderOptions,
                  progress: bool) -> DanceResult:
    from .offline import render_offline

    with tempfile.TemporaryDirectory(prefix="vhuman-dance-") as tmp:
        if music is None:
            import soundfile as sf

            from vhuman.animation.dance.demo_track import synth_demo_track

            sr = 22050
            music = Path(tmp) / "demo.wav"
            sf.write(str(music), synth_demo_track(seconds=min(seconds, 20.0), sr=sr), sr)

        async def act(performer: Any) -> SpeechHandle:
            return await performer.dance(music, duration=seconds)

        run = await render_offline(path, options, act, tail_s=0.0,
                                   progress="dancing" if progress else None)
    return DanceResult(path=path, duration=run.duration, frames=run.frames,
                       total_s=run.total_s)
