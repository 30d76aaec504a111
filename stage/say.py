"""Offline rendering of a spoken line: text → voice → motion → frames → MP4.

``render_clip`` runs the live engine itself (:mod:`stage.offline`: the live performer on
a clock that is not real time), only into a file, as fast as the machine allows.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.animation.clip import concat_clips
from vhuman.avatar.presets import CAMERA_PRESETS, camera_key
from vhuman.models.types import Emotion, InputError, PhonemeTiming, SpeakingStyle

from .aio import run_sync
from .media import check_writable
from .performer import SpeechHandle

log = logging.getLogger(__name__)


@contextlib.contextmanager
def no_partial_output(path: Path) -> Iterator[None]:
    """Remove ``path`` if the block fails after creating or changing it: a failed render
    leaves no 0-byte or half-written file behind (a file it never touched stays)."""
    before = path.stat() if path.exists() else None
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            now = path.stat() if path.exists() else None
            if now is not None and (before is None or (now.st_mtime_ns, now.st_size)
                                    != (before.st_mtime_ns, before.st_size)):
                path.unlink()
                log.info("removed the unfinished output %s", path)
        raise


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
        if camera_key(str(self.camera)) not in CAMERA_PRESETS:
            raise InputError(f"unknown camera {self.camera!r}; expected one of: "
                             f"{', '.join(CAMERA_PRESETS)}")


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
        if not self.motion:
            raise InputError("no motion was kept: render with collect=True to plot or inspect it")
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
        from vhuman.animation.plot import plot_viseme_timeline

        return plot_viseme_timeline(self.motion_clip, self.phonemes, self.audio,
                                    self.sample_rate, out_png, fps=self.motion_clip.fps)

    @property
    def audio(self) -> np.ndarray:
        if not self.chunks:
            return np.zeros(0, np.float32)
        return np.concatenate([c.samples for c in self.chunks])


def check_avatar(avatar: str | Path | None) -> None:
    """Reject an avatar path that is not a readable .glb/.gltf/.vrm file before anything
    heavy loads (the voice, the renderer)."""
    if avatar is None:
        return
    path = Path(avatar).expanduser()
    if not path.is_file():
        raise InputError(f"avatar file not found: {path}")
    if path.suffix.lower() not in (".glb", ".gltf", ".vrm"):
        raise InputError(f"avatar must be a .glb, .gltf or .vrm file, got {path.name}")


def parse_size(value: str) -> tuple[int, int]:
    """``"512x512"`` → (512, 512), with a clear error otherwise."""
    try:
        w, h = value.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise InputError(f"--size must look like 512x512, got {value!r}") from None


def render_clip(text: str, out: str | Path, *, emotion: str | Emotion = Emotion.NEUTRAL,
                intensity: float = 0.6, options: RenderOptions | None = None,
                progress: bool = False, collect: bool = False) -> ClipResult:
    """Speak ``text`` with the avatar and write the clip to ``out`` (MP4 or WebM).

    Inline ``[gesture]`` tags play where they stand; voice markup (``[sad]``,
    ``[pause 300ms]``) shapes the voice. ``collect=True`` keeps the voice chunks and the
    per-frame motion on the result (for plots and checks; it grows with the clip).
    """
    options = options or RenderOptions()
    options.validate()
    if not text or not text.strip():
        raise InputError("text to say is empty")
    style = SpeakingStyle(emotion=Emotion.parse(emotion), intensity=intensity)
    if options.transparent and Path(out).suffix.lower() != ".webm":
        raise InputError("transparent output needs a .webm file (VP9 with alpha)")
    check_avatar(options.avatar)
    target = Path(out).expanduser()
    with no_partial_output(target):
        path = check_writable(out)
        return run_sync(_render(text, style, path, options, progress, collect))


async def _render(text: str, style: SpeakingStyle, path: Path, options: RenderOptions,
                  progress: bool, collect: bool) -> ClipResult:
    from .offline import render_offline

    async def act(performer: Any) -> SpeechHandle:
        return await performer.say(text, emotion=style.emotion, intensity=style.intensity)

    run = await render_offline(path, options, act, collect=collect,
                               progress="rendering" if progress else None)
    motion = [concat_clips(run.poses)] if run.poses else []
    return ClipResult(path=path, duration=run.duration, frames=run.frames,
                      sample_rate=run.sample_rate, first_audio_s=run.first_audio_s,
                      total_s=run.total_s, chunks=run.chunks, motion=motion)
