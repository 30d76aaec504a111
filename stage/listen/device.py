"""Listen to an audio input device on this machine through FFmpeg (PyAV's bundled build).

``--device default`` is ALSA's default capture device; ``alsa:hw:1,0``, ``oss:/dev/dsp``
name others; any FFmpeg input format works as ``FORMAT:NAME`` (``lavfi:amovie=a.wav``
plays a file as if it were a microphone, which is how it is tested without hardware).
Audio is fed to the listener as it arrives; a device that disappears ends the listen
with the turns heard so far.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from vhuman.models.asr.base import SAMPLE_RATE
from vhuman.models.types import InputError

from .config import ListenConfig
from .listener import HeardTurn, ListenEvent

log = logging.getLogger(__name__)


def parse_device(device: str) -> tuple[str, str]:
    """``"default"`` → (alsa, default); ``"FORMAT:NAME"`` → (FORMAT, NAME)."""
    if device in ("", "default"):
        return "alsa", "default"
    fmt, sep, name = device.partition(":")
    if not sep or not name:
        raise InputError(f"--device {device!r}: use 'default' or FORMAT:NAME (alsa:hw:1,0)")
    return fmt, name


def open_device(device: str) -> Any:
    """The FFmpeg input for ``device`` (an ``av`` container); InputError when it cannot be
    opened or has no audio."""
    import av

    fmt, name = parse_device(device)
    if fmt not in av.formats_available:
        raise InputError(f"--device: input format {fmt!r} is not in this FFmpeg build")
    try:
        container = av.open(name, format=fmt, mode="r")
    except (av.error.FFmpegError, OSError) as exc:  # type: ignore[attr-defined]
        raise InputError(f"--device {device!r}: cannot open it: {exc}") from None
    if not container.streams.audio:
        container.close()
        raise InputError(f"--device {device!r}: has no audio")
    return container


def device_audio(container: Any, device: str = "", *,
                 stop: threading.Event | None = None) -> Iterator[np.ndarray]:
    """16 kHz mono float32 pieces from an opened device as they arrive, until it ends,
    goes away (logged) or ``stop`` is set."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    try:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1).astype(np.float32)
            if stop is not None and stop.is_set():
                return
    except av.error.FFmpegError as exc:  # type: ignore[attr-defined]  # the device went away
        log.warning("device %s stopped: %s", device, exc)


def listen_device(device: str, config: ListenConfig | None = None, *,
                  seconds: float | None = None, speaker: str = "guest", role: str = "guest",
                  on_event: Callable[[ListenEvent], None] | None = None) -> list[HeardTurn]:
    """Turns heard from ``device`` until it ends, ``seconds`` pass, or Ctrl-C."""
    config = config or ListenConfig()
    container = open_device(device)
    listener = config.build_listener(speaker=speaker, role=role)
    turns: list[HeardTurn] = []
    heard = 0

    def take(events: list[ListenEvent]) -> None:
        for event in events:
            if on_event is not None:
                on_event(event)
            if event.kind == "final":
                turns.append(event.turn)

    started = time.monotonic()
    try:
        for samples in device_audio(container, device):
            heard += samples.size
            take(listener.feed(samples))
            if seconds is not None and heard >= seconds * SAMPLE_RATE:
                break
    except KeyboardInterrupt:
        log.info("listening stopped after %.1f s", time.monotonic() - started)
    finally:
        container.close()
    tail = np.zeros(int((config.turns.unfinished_silence_s + 0.1) * SAMPLE_RATE), np.float32)
    take(listener.feed(tail))
    take(listener.finish())
    return turns
