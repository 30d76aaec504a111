"""Captions burned into the program picture: two lines in the title-safe area.

:class:`CaptionBurner` runs where pictures are made (the live render thread). It keeps
its own :class:`~.track.CaptionTrack` in program time, fed with what each rendered tick
plays (its timed lines) and with people's turns as they arrive, and draws the cue on
screen at the tick's time: centred at the bottom of the title-safe area (5 % in from the
sides, 7 % up from the bottom), at most two lines, on a translucent box, the text in the
speaker's colour (the host white; people in yellow, cyan, green, magenta, by name). Each
cue is laid out once (Pillow) and alpha-blended per frame in numpy.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from .track import CaptionTrack, Cue, Turn
from .words import Heard

HOST_COLOUR = (255, 255, 255)
PEOPLE_COLOURS = ((255, 230, 64), (96, 232, 255), (128, 240, 128), (255, 140, 255))
BOX = (0, 0, 0, 170)
SAFE_SIDE, SAFE_BOTTOM = 0.05, 0.07


def speaker_colour(cue: Cue) -> tuple[int, int, int]:
    """White for the host; a stable colour per person otherwise."""
    if cue.role == "host":
        return HOST_COLOUR
    return PEOPLE_COLOURS[zlib.crc32(cue.speaker.encode()) % len(PEOPLE_COLOURS)]


@lru_cache(maxsize=8)
def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def layout_cue(cue: Cue, width: int, height: int) -> tuple[np.ndarray, int, int]:
    """The cue as an RGBA patch for a ``width`` x ``height`` picture: (patch, top, left)."""
    from PIL import Image, ImageDraw

    lines = cue.text.split("\n")[:2]
    usable = int(width * (1 - 2 * SAFE_SIDE))
    size = max(10, height // 20)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    while size > 10 and max(probe.textlength(t, font=_font(size)) for t in lines) > usable - size:
        size -= 1
    font = _font(size)
    pad = max(3, size // 4)
    step = int(size * 1.25)
    text_w = int(max(probe.textlength(t, font=font) for t in lines))
    box_w = min(usable, text_w + 2 * pad)
    box_h = step * len(lines) + 2 * pad
    canvas = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=BOX)
    colour = speaker_colour(cue) + (255,)
    for i, text in enumerate(lines):
        w = draw.textlength(text, font=font)
        draw.text(((box_w - w) / 2, pad + i * step), text, font=font, fill=colour)
    top = height - int(height * SAFE_BOTTOM) - box_h
    left = (width - box_w) // 2
    return np.asarray(canvas, np.uint8), max(0, top), max(0, left)


class CaptionBurner:
    """Draws the current cue onto each program picture (thread-safe feeding)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.track = CaptionTrack(origin=0.0, lead_s=0.0)
        self._turns: list[Turn] = []
        self._lock = threading.Lock()
        self._cache: tuple[Cue, tuple[np.ndarray, np.ndarray, int, int]] | None = None
        self._frames = 0

    def add_turn(self, turn: Turn) -> None:
        """A person's recognised speech (shown from when it arrives, for its length; a
        partial one until its next revision)."""
        with self._lock:
            self._turns.append(turn)

    def current(self, pts: float) -> Cue | None:
        """The cue on screen at program time ``pts``: the latest started one still on."""
        on = [c for c in self.track.cues() + self.track.partials() if c.start <= pts < c.end]
        return max(on, key=lambda c: c.start) if on else None

    def paint(self, image: np.ndarray, pts: float, duration: float,
              said: Iterable[Heard]) -> np.ndarray:
        """``image`` (the picture of the tick at ``pts``) with its caption burned in."""
        from vhuman.stage.picture import blend_patch

        with self._lock:
            turns, self._turns = self._turns, []
        # a turn arrives after it was spoken: show it now for as long as it took to say
        # (a partial one from now until it is revised)
        turns = [replace(t, start=pts, end=pts + (max(1.5, t.end - t.start) if t.final
                                                  and not t.withdrawn else 0.0))
                 for t in turns]
        self.track.feed(pts, duration, said, turns)
        self._frames += 1
        if self._frames % 300 == 0:
            self.track.forget_before(pts - 10.0)
        cue = self.current(pts)
        if cue is None:
            return image
        if self._cache is None or self._cache[0] != cue:
            rgba, top, left = layout_cue(cue, image.shape[1], image.shape[0])
            alpha = rgba[..., 3:4].astype(np.float32) / 255.0
            self._cache = (cue, (rgba[..., :3].astype(np.float32) * alpha, alpha, top, left))
        colour, alpha, top, left = self._cache[1]
        return blend_patch(image, colour, alpha, top, left)
