"""Listen to an audio input device on this machine through FFmpeg (PyAV's bundled build).

``--device default`` is ALSA's default capture device; ``alsa:hw:1,0``, ``oss:/dev/dsp``
name others; any FFmpeg input format works as ``FORMAT:NAME`` (``lavfi:amovie=a.wav``
plays a file as if it were a microphone, which is how it is tested without hardware).
Audio is fed to the listener as it arrives; a device that disappears ends the listen
with the turns heard so far.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

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


def listen_device(device: str, config: ListenConfig | None = None, *,
                  seconds: float | None = None, speaker: str = "guest", role: str = "guest",
                  on_event: Callable[[ListenEvent], None] | None = None) -> list[HeardTurn]:
    """Turns heard from ``device`` until it ends, ``seconds`` pass, or Ctrl-C."""
    import av

    config = config or ListenConfig()
    fmt, name = parse_device(device)
    if fmt not in av.formats_available:
        raise InputError(f"--device: input format {fmt!r} is not in this FFmpeg build")
    try:
        container = av.open(name, format=fmt, mode="r")
    except (av.error.FFmpegError, OSError) as exc:  # type: ignore[attr-defined]
        raise InputError(f"--device {device!r}: cannot open it: {exc}") from None
    listener = config.build_listener(speaker=speaker, role=role)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
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
        if not container.streams.audio:
            raise InputError(f"--device {device!r}: has no audio")
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                samples = out.to_ndarray().reshape(-1).astype(np.float32)
                heard += samples.size
                take(listener.feed(samples))
            if seconds is not None and heard >= seconds * SAMPLE_RATE:
                break
    except KeyboardInterrupt:
        log.info("listening stopped after %.1f s", time.monotonic() - started)
    except av.error.FFmpegError as exc:  # type: ignore[attr-defined] - the device went away
        log.warning("device %s stopped: %s", device, exc)
    finally:
        container.close()
    tail = np.zeros(int((config.turns.unfinished_silence_s + 0.1) * SAMPLE_RATE), np.float32)
    take(listener.feed(tail))
    take(listener.finish())
    return turns
