"""Offline dance rendering: music (a file, or the synthesized demo track) → MP4."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.types import AudioChunk, InputError

from .aio import run_sync
from .frames import AudioFrame, ErrorFrame, MotionFrame
from .media import MediaWriter, check_writable
from .processor import Pipeline
from .processors import RecorderProcessor, RenderProcessor
from .say import RenderOptions
from .testing import run_processor

log = logging.getLogger(__name__)


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
    """
    from animation.dance.demo_track import synth_demo_track
    from animation.dance.music import load_music
    from animation.performance import dance

    options = options or RenderOptions(camera="full_body")
    options.validate()
    path = check_writable(out)
    if seconds is not None and seconds <= 0:
        raise InputError(f"--seconds must be positive, got {seconds}")
    limit = seconds or 600.0
    if music is None:
        sr = 22050
        y = synth_demo_track(seconds=min(limit, 20.0), sr=sr)
    else:
        y, sr = load_music(music, max_seconds=limit)
    clip = dance(y, sr, fps=options.fps, seed=options.seed, max_seconds=limit)
    audio = AudioChunk(samples=np.asarray(y, np.float32), sample_rate=sr, text="music")
    return run_sync(_render(clip, audio, path, options, progress))


async def _render(clip, audio: AudioChunk, path: Path, options: RenderOptions,
                  progress: bool) -> DanceResult:
    from avatar.loader import load_avatar
    from avatar.render import create_renderer
    from avatar.rig import Rig

    character = load_avatar(options.avatar)
    writer = MediaWriter(path, width=options.width, height=options.height, fps=options.fps,
                         sample_rate=audio.sample_rate, alpha=options.transparent)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=clip.num_frames, unit="frame", desc="dancing", dynamic_ncols=True)

    def on_progress(done: int, more: int) -> None:
        if bar is not None:
            bar.update(done)

    def make_renderer():
        return create_renderer(options.renderer, character, width=options.width,
                               height=options.height, camera=options.camera,
                               background=options.background, transparent=options.transparent)

    pipeline = Pipeline([RenderProcessor(Rig(character, device=options.device), make_renderer,
                                         on_progress=on_progress),
                         RecorderProcessor(writer)], name="dance")
    t0 = time.monotonic()
    try:
        out = await run_processor(pipeline, [AudioFrame(chunk=audio), MotionFrame(clip=clip)],
                                  timeout=7200)
    finally:
        if bar is not None:
            bar.close()
    errors = [f.message for f in out if isinstance(f, ErrorFrame)]
    if errors:
        raise InputError("; ".join(errors))
    return DanceResult(path=path, duration=audio.duration, frames=writer.frames_written,
                       total_s=time.monotonic() - t0)
