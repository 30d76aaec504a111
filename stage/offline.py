"""Rendering to a file: the live engine on a clock that is not real time.

``vhuman say`` and ``vhuman dance`` build the same :class:`~stage.live.LivePerformer` a
show uses, with ``LiveConfig(realtime=False)``: ticks are played as soon as their own
picture is rendered (never a repeat), the voice is waited for (never a gap), and the
recorder is lossless (the clock waits for the encoder). Pictures stream to the encoder
and are dropped, so memory stays flat however long the clip (the queues between the
threads are bounded). Only what a caller asks to keep (``collect=True``: voice chunks
and one pose per frame, for plots and checks) grows with the clip.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vhuman.animation.clip import MotionClip
from vhuman.models.types import AudioChunk, SpeakingStyle, VhumanError

from .outputs.base import Tick
from .performer import SpeechHandle

if TYPE_CHECKING:
    from vhuman.models.tts.base import TTSBackend

log = logging.getLogger(__name__)

TAIL_S = 0.2
"""Played after the last line so the mouth closes (the fade) before the clip ends."""


@dataclass
class OfflineRun:
    """What an offline render produced: frames written, wall time, and what was kept."""

    frames: int
    fps: float
    sample_rate: int
    total_s: float
    first_audio_s: float
    chunks: list[AudioChunk] = field(default_factory=list)
    poses: list[MotionClip] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.frames / self.fps


class _RecordingVoice:
    """A TTS backend that keeps every chunk it yields (for ``collect=True``)."""

    def __init__(self, tts: TTSBackend, chunks: list[AudioChunk]) -> None:
        self._tts = tts
        self._chunks = chunks
        self.name, self.sample_rate, self.language = tts.name, tts.sample_rate, tts.language

    def __getattr__(self, name: str) -> Any:  # the voice's own extras (voice_path...)
        return getattr(self._tts, name)

    def warm_up(self) -> None:
        self._tts.warm_up()

    async def synthesize(self, text: str, style: SpeakingStyle) -> AsyncIterator[AudioChunk]:
        async for chunk in self._tts.synthesize(text, style):
            self._chunks.append(chunk)
            yield chunk

    def synthesize_iter(self, text: str, style: SpeakingStyle) -> Iterator[AudioChunk]:
        for chunk in self._tts.synthesize_iter(text, style):
            self._chunks.append(chunk)
            yield chunk


class PoseCollector:
    """An output that keeps each tick's pose (a one-frame clip), not its picture."""

    name = "poses"

    def __init__(self) -> None:
        self.poses: list[MotionClip] = []

    def start(self) -> None:
        """Nothing to open."""

    def offer(self, tick: Tick) -> None:
        if tick.pose is not None:
            self.poses.append(tick.pose)

    def interrupt(self) -> None:
        """Poses already played stay."""

    def close(self) -> None:
        """Nothing to flush."""

    def stats(self) -> dict[str, Any]:
        return {"written": len(self.poses)}


def _prepare_character(options: Any) -> tuple[Any, Any]:
    """The avatar (the built-in one is cached on disk) and its rig, ready to render."""
    from vhuman.avatar.loader import load_avatar
    from vhuman.avatar.rig import Rig

    character = load_avatar(options.avatar)
    return character, Rig(character, device=options.device)


async def render_offline(path: Path, options: Any,
                         act: Callable[[Any], Awaitable[SpeechHandle]], *,
                         tts: TTSBackend | None = None, collect: bool = False, progress: str | None = None,
                         tail_s: float = TAIL_S) -> OfflineRun:
    """Start an offline performer recording to ``path``, run ``act(performer)`` (it
    queues a line or a dance and returns its handle), wait until it has played, play
    ``tail_s`` more, and close. ``options`` is a :class:`stage.say.RenderOptions`."""
    from .live import AvatarRenderer, LiveConfig, LivePerformer
    from .outputs.recorder import RecorderOutput

    chunks: list[AudioChunk] = []
    t0 = time.monotonic()
    # The character and its rig build in a worker thread while the voice loads here:
    # the two biggest start-up costs overlap (the GL context is made in the render thread).
    with ThreadPoolExecutor(1, thread_name_prefix="vhuman-prepare") as pool:
        prepared = pool.submit(_prepare_character, options)
        if tts is None:
            from vhuman.models.tts import get_tts

            tts = get_tts(options.voice)
        character_and_rig = prepared.result()
    voice = _RecordingVoice(tts, chunks) if collect else tts
    config = LiveConfig(fps=options.fps, width=options.width, height=options.height,
                        background=None if options.background is None
                        else str(options.background),
                        transparent=options.transparent, voice=options.voice,
                        lookahead_frames=8, skin_batch=4, render_nice=0,
                        render_torch_threads=None, seed=options.seed, realtime=False,
                        avatar=str(options.avatar) if options.avatar else None)

    def renderer() -> AvatarRenderer:
        return AvatarRenderer(options.avatar, options.width, options.height,
                              backend=options.renderer, camera=options.camera,
                              background=options.background,
                              transparent=options.transparent, device=options.device,
                              prepared=character_and_rig)

    performer = LivePerformer(config, tts=voice, renderer_factory=renderer)
    recorder = RecorderOutput(path, width=options.width, height=options.height,
                              fps=options.fps, sample_rate=performer.sample_rate,
                              alpha=options.transparent, lossless=True, max_queue=16, fragmented=False,
                              metrics=performer.metrics)
    poses = PoseCollector()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="frame", desc=progress, dynamic_ncols=True)
    try:
        await performer.start()
        performer.add_output(recorder)
        if collect:
            performer.add_output(poses)
        handle = await act(performer)
        while not handle.done.done():
            if performer.render_loop.error:
                raise VhumanError(f"rendering failed: {performer.render_loop.error}")
            if bar is not None:
                bar.update(performer.tick_index - bar.n)
            await asyncio.sleep(0.05)
        if not handle.done.result():
            reason = performer.speech.last_error or "it was cut short"
            raise VhumanError(f"could not render {handle.text[:60]!r}: {reason}")
        await performer.hold(tail_s)
        first_audio = (handle.started.result() - t0
                       if handle.started.done() and not handle.started.cancelled() else 0.0)
    finally:
        await performer.close()
        if bar is not None:
            bar.update(performer.tick_index - bar.n)
            bar.close()
    if recorder.errors:
        raise VhumanError(f"could not write {path}: {recorder.last_error}")
    return OfflineRun(frames=recorder.written, fps=options.fps,
                      sample_rate=performer.sample_rate, total_s=time.monotonic() - t0,
                      first_audio_s=first_audio, chunks=chunks, poses=poses.poses)
