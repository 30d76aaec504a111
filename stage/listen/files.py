"""Hear a recording the way a show hears it: ``vhuman listen FILE``.

The file is decoded to 16 kHz mono and fed to a :class:`Listener` in 20 ms pieces (as a
microphone would deliver it), so the turns, their times and their words are the ones the
live show would produce with the same :class:`ListenConfig`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vhuman.models.asr.base import SAMPLE_RATE
from vhuman.models.types import InputError

from .config import ListenConfig
from .listener import HeardTurn, ListenEvent

log = logging.getLogger(__name__)

PIECE = SAMPLE_RATE // 50  # 20 ms, a WebRTC audio frame


def read_audio(path: str | Path) -> np.ndarray:
    """Any audio (or video) file as 16 kHz mono float32; InputError names the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such audio file")
    try:
        import soundfile as sf

        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        audio = audio.mean(axis=1)
    except Exception:  # noqa: BLE001 - not a libsndfile format: let FFmpeg decode it
        audio, rate = _decode_av(path)
    if rate != SAMPLE_RATE:
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(int(rate), SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // g, int(rate) // g).astype(np.float32)
    return np.ascontiguousarray(audio, dtype=np.float32)


def _decode_av(path: Path) -> tuple[np.ndarray, int]:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InputError(f"{path}: has no audio stream")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            pieces = [f.to_ndarray().reshape(-1)
                      for frame in container.decode(audio=0)
                      for f in resampler.resample(frame)]
    except (av.error.FFmpegError, OSError) as exc:  # type: ignore[attr-defined]
        raise InputError(f"{path}: cannot decode audio: {exc}") from None
    return (np.concatenate(pieces) if pieces else np.zeros(0, np.float32)), SAMPLE_RATE


def listen_audio(audio: np.ndarray, config: ListenConfig | None = None, *,
                 speaker: str = "guest", role: str = "guest", partials: bool = False,
                 on_event: Callable[[ListenEvent], None] | None = None) -> list[HeardTurn]:
    """The finished turns in ``audio`` (16 kHz mono), in order."""
    config = config or ListenConfig()
    listener = config.build_listener(speaker=speaker, role=role, partials=partials)
    turns: list[HeardTurn] = []

    def take(events: list[ListenEvent]) -> None:
        for event in events:
            if on_event is not None:
                on_event(event)
            if event.kind == "final":
                turns.append(event.turn)

    for i in range(0, audio.size, PIECE):
        take(listener.feed(audio[i:i + PIECE]))
    # trailing silence so a turn at the very end closes the way it would live
    tail = np.zeros(int((config.turns.unfinished_silence_s + 0.1) * SAMPLE_RATE), np.float32)
    for i in range(0, tail.size, PIECE):
        take(listener.feed(tail[i:i + PIECE]))
    take(listener.finish())
    return turns


def listen_file(path: str | Path, config: ListenConfig | None = None, **kwargs: object
                ) -> list[HeardTurn]:
    """:func:`listen_audio` on a file."""
    return listen_audio(read_audio(path), config, **kwargs)  # type: ignore[arg-type]
