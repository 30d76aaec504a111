"""Camera shots of the live program: named framings of the host with a cut or an ease.

- ``wide``: the configured camera as it is (the default: nothing changes for a show
  that never switches);
- ``medium``: 1.5× closer, centred on the head and shoulders;
- ``close_up``: 2.2× closer, the face fills the picture;
- ``guest``: a guest on air full frame with the host picture-in-picture (the program's
  ``guest_pip`` layout; leaving the shot puts the layout back).

A shot is a *framing* ``(zoom, focus)``: ``zoom`` relative to the configured camera and
how far (0..1) its aim moves from the camera's target to the head. A renderer with
``set_framing`` (:class:`~.render.AvatarRenderer`) moves its 3D camera: a dolly toward
the head, no loss of sharpness. Any other renderer (the pattern face) gets the same
framing as a crop of its picture around the head, scaled back to size
(:func:`crop_frame`). A ``cut`` switches at the next frame; an ``ease`` moves there in
``seconds`` (smoothstep), as a camera operator's zoom would.

:class:`ShotDirector` is shared by the control thread (``take``) and the render thread
(``framing``); its state is a few floats replaced under a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from vhuman.models.types import InputError

SHOTS = ("wide", "medium", "close_up", "guest")
Transition = Literal["cut", "ease"]
MAX_EASE_S = 5.0


@dataclass(frozen=True)
class Framing:
    zoom: float = 1.0
    """How much closer than the configured camera (1: as configured)."""
    focus: float = 0.0
    """How far the aim has moved from the camera's target to the head (0..1)."""


FRAMINGS = {"wide": Framing(1.0, 0.0), "medium": Framing(1.5, 0.6),
            "close_up": Framing(2.2, 1.0), "guest": Framing(1.0, 0.0)}
HEAD = (0.5, 0.45)
"""Where a picture-only renderer's head is (x, y as fractions): the pattern face's."""


def _mix(a: Framing, b: Framing, t: float) -> Framing:
    s = t * t * (3.0 - 2.0 * t)  # smoothstep: starts and lands softly
    return Framing(a.zoom + (b.zoom - a.zoom) * s, a.focus + (b.focus - a.focus) * s)


class ShotDirector:
    """The program's current shot and the move toward it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._now = clock
        self._lock = threading.Lock()
        self.shot = "wide"
        self.transition: Transition = "cut"
        self._from = self._to = FRAMINGS["wide"]
        self._start = 0.0
        self._seconds = 0.0
        self.switches = 0

    def take(self, shot: str, transition: Transition = "cut", seconds: float = 0.6) -> None:
        """Switch to ``shot`` (one of :data:`SHOTS`) by a cut or an ease of ``seconds``."""
        if shot not in FRAMINGS:
            raise InputError(f"unknown camera shot {shot!r}; use one of: {', '.join(SHOTS)}")
        if transition not in ("cut", "ease"):
            raise InputError("transition must be cut or ease")
        if not 0.0 <= seconds <= MAX_EASE_S:
            raise InputError(f"an ease lasts 0 to {MAX_EASE_S:g} seconds")
        with self._lock:
            now = self._now()
            current = self._framing_at(now)
            self.shot, self.transition = shot, transition
            self._from, self._to = current, FRAMINGS[shot]
            self._start = now
            self._seconds = seconds if transition == "ease" else 0.0
            self.switches += 1

    def _framing_at(self, now: float) -> Framing:
        if self._seconds <= 0.0 or now >= self._start + self._seconds:
            return self._to
        return _mix(self._from, self._to, max(0.0, (now - self._start) / self._seconds))

    def framing(self, now: float | None = None) -> Framing:
        """The framing to render now (mid-ease: on the way)."""
        with self._lock:
            return self._framing_at(self._now() if now is None else now)

    @property
    def moving(self) -> bool:
        with self._lock:
            return self._seconds > 0.0 and self._now() < self._start + self._seconds

    def status(self) -> dict[str, object]:
        f = self.framing()
        return {"shot": self.shot, "transition": self.transition, "shots": list(SHOTS),
                "zoom": round(f.zoom, 3), "moving": self.moving, "switches": self.switches}


def crop_frame(image: np.ndarray, framing: Framing, head: tuple[float, float] = HEAD
               ) -> np.ndarray:
    """``image`` framed digitally: the part ``1/zoom`` of its size, its centre moved
    ``focus`` of the way to ``head``, scaled back to the full size (bilinear)."""
    if framing.zoom <= 1.0 + 1e-3:
        return image
    h, w = image.shape[:2]
    cw, ch = max(2, round(w / framing.zoom)), max(2, round(h / framing.zoom))
    cx = 0.5 * w + (head[0] * w - 0.5 * w) * framing.focus
    cy = 0.5 * h + (head[1] * h - 0.5 * h) * framing.focus
    x0 = int(round(min(max(cx - cw / 2, 0), w - cw)))
    y0 = int(round(min(max(cy - ch / 2, 0), h - ch)))
    from .render import upscale

    return upscale(np.ascontiguousarray(image[y0:y0 + ch, x0:x0 + cw]), w, h)
