"""Offline rendering of a spoken line: text → voice → motion → frames → MP4.

``render_clip`` runs the same processors as the live engine, only into a file, as fast as
the machine allows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.types import Emotion, InputError, PhonemeTiming, SpeakingStyle

from .aio import run_sync
from .frames import AudioFrame, ErrorFrame, MotionFrame, TextFrame
from .media import MediaWriter, check_writable
from .processor import Pipeline
from .processors import MotionProcessor, RecorderProcessor, RenderProcessor, VoiceProcessor
from .testing import run_processor

log = logging.getLogger(__name__)


@dataclass
class RenderOptions:
    """How a clip looks: avatar, frame size and rate, background, camera, backends."""

    avatar: str | Path | None = None
    width: int = 512
    height: int = 512
    fps: float = 30.0
    background: str | tuple[float, ...] | Path | None = "#1e2a3a"
    transparent: bool = False
    camera: str = "portrait"
    renderer: str = "moderngl"
    voice: str = "piper"
    device: str | None = None
    seed: int = 0

    def validate(self) -> None:
        if not (16 <= self.width <= 4096 and 16 <= self.height <= 4096):
            raise InputError(f"--size must be between 16x16 and 4096x4096, got "
                             f"{self.width}x{self.height}")
        if self.width % 2 or self.height % 2:
            raise InputError(f"--size must be even (H.264), got {self.width}x{self.height}")
        if not 1 <= self.fps <= 120:
            raise InputError(f"--fps must be within 1..120, got {self.fps}")


@dataclass
class ClipResult:
    """What :func:`render_clip` produced, with the timings it measured."""

    path: Path
    duration: float
    frames: int
    sample_rate: int
    first_audio_s: float
    total_s: float
    chunks: list = field(default_factory=list)  # AudioChunk, for plots and checks
    motion: list = field(default_factory=list)  # MotionClip per utterance
    errors: list[str] = field(default_factory=list)

    @property
    def realtime_factor(self) -> float:
        """Wall time over media time (below 1 = faster than real time)."""
        return self.total_s / max(self.duration, 1e-9)

    @property
    def motion_clip(self):  # animation.clip.MotionClip for the whole clip
        from animation.clip import concat_clips

        return concat_clips(self.motion)

    @property
    def phonemes(self) -> list[PhonemeTiming]:
        """Every phoneme with its start in samples from the beginning of the clip."""
        out, offset = [], 0
        for chunk in self.chunks:
            out += [PhonemeTiming(p.phoneme, p.start + offset, p.duration) for p in chunk.phonemes]
            offset += len(chunk.samples)
        return out

    def plot(self, out_png: str | Path) -> Path:
        """Viseme timeline PNG: waveform, phonemes and mouth shapes over time."""
        from animation.plot import plot_viseme_timeline

        return plot_viseme_timeline(self.motion_clip, self.phonemes, self.audio,
                                    self.sample_rate, out_png, fps=self.motion_clip.fps)

    @property
    def audio(self) -> np.ndarray:
        if not self.chunks:
            return np.zeros(0, np.float32)
        return np.concatenate([c.samples for c in self.chunks])


def parse_size(value: str) -> tuple[int, int]:
    """``"512x512"`` → (512, 512), with a clear error otherwise."""
    try:
        w, h = value.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise InputError(f"--size must look like 512x512, got {value!r}") from None


def build_pipeline(options: RenderOptions, writer: MediaWriter,
                   on_progress: Callable[[int, int], None] | None = None) -> Pipeline:
    """The offline pipeline: voice → motion → render → recorder."""
    from avatar.loader import load_avatar
    from avatar.render import create_renderer
    from avatar.rig import Rig
    from models.tts import get_tts

    character = load_avatar(options.avatar)
    tts = get_tts(options.voice)
    rig = Rig(character, device=options.device)

    def make_renderer():
        return create_renderer(options.renderer, character, width=options.width,
                               height=options.height, camera=options.camera,
                               background=options.background,
                               transparent=options.transparent)

    return Pipeline([
        VoiceProcessor(tts),
        MotionProcessor(options.fps, seed=options.seed),
        RenderProcessor(rig, make_renderer, on_progress=on_progress),
        RecorderProcessor(writer),
    ], name="say")


def render_clip(text: str, out: str | Path, *, emotion: str | Emotion = Emotion.NEUTRAL,
                intensity: float = 0.6, options: RenderOptions | None = None,
                progress: bool = False) -> ClipResult:
    """Speak ``text`` with the avatar and write the clip to ``out`` (MP4 or WebM)."""
    from animation.gestures import gesture_names

    from .cues import extract_gestures

    options = options or RenderOptions()
    options.validate()
    if not text or not text.strip():
        raise InputError("text to say is empty")
    style = SpeakingStyle(emotion=Emotion.parse(emotion), intensity=intensity)
    clean, gestures = extract_gestures(text, gesture_names())
    if not clean.strip():
        raise InputError("text to say has nothing to speak once tags are removed")
    path = check_writable(out)
    if options.transparent and path.suffix.lower() != ".webm":
        raise InputError("transparent output needs a .webm file (VP9 with alpha)")
    return run_sync(_render(clean, gestures, style, path, options, progress))


async def _render(text: str, gestures: list[tuple[float, str]], style: SpeakingStyle,
                  path: Path, options: RenderOptions, progress: bool) -> ClipResult:
    from models.tts import get_tts

    sample_rate = get_tts(options.voice).sample_rate
    writer = MediaWriter(path, width=options.width, height=options.height, fps=options.fps,
                         sample_rate=sample_rate, alpha=options.transparent)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="frame", desc="rendering", dynamic_ncols=True)

    def on_progress(done: int, more: int) -> None:
        if bar is not None:
            if more:
                bar.total += more
                bar.refresh()
            bar.update(done)

    pipeline = build_pipeline(options, writer, on_progress)
    t0 = time.monotonic()  # frames are stamped with time.monotonic()
    try:
        out = await run_processor(pipeline, [TextFrame(text=text, style=style,
                                                       gestures=gestures)],
                                  timeout=3600)
    finally:
        if bar is not None:
            bar.close()
    total = time.monotonic() - t0
    chunks = [f.chunk for f in out if isinstance(f, AudioFrame)]
    errors = [f.message for f in out if isinstance(f, ErrorFrame)]
    if errors:
        raise InputError("; ".join(errors))
    first_audio = next((f.created - t0 for f in out if isinstance(f, AudioFrame)), 0.0)
    duration = sum(c.duration for c in chunks)
    return ClipResult(path=path, duration=duration, frames=writer.frames_written,
                      sample_rate=sample_rate, first_audio_s=first_audio,
                      total_s=total, chunks=chunks,
                      motion=[f.clip for f in out if isinstance(f, MotionFrame)], errors=errors)
