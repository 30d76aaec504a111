"""The program mix: the host's picture and voice with the guests on air and captions.

One :class:`Program` per live performer. The render thread passes every host picture
through :meth:`Program.picture` (guests composited by the layout, then the caption
burned in when asked); the timeline takes :meth:`Program.audio` for each tick it claims,
at the moment it claims it — the same moment the picture for that tick takes the
guest's newest frame — so a guest's voice and picture reach the program together. The
host's head turns toward :meth:`Program.look_side` while listening.

Guests are set as a whole (:meth:`set_guests`) by whoever manages them (the guest room):
a list of :class:`OnAir` entries in on-air order. Nothing here waits on a guest: a guest
without a picture is a name card, without audio silence.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from vhuman.stage.captions.burn import CaptionBurner
from vhuman.stage.captions.track import Turn
from vhuman.stage.captions.words import Heard

from .layout import TileCache, check_layout, compose, side_of
from .media import GuestMedia

log = logging.getLogger(__name__)

GUEST_GAIN = 0.8
"""Guest voices are mixed a little under the host (whose TTS peaks near full scale)."""
LISTEN_LEVEL = 0.01
"""RMS above which a guest counts as talking (the host looks at them)."""


@dataclass
class OnAir:
    """A guest in the program."""

    id: str
    name: str
    role: str
    media: GuestMedia
    audible: bool = True
    gain: float = GUEST_GAIN


class Program:
    """Composites guests and captions into the live program (thread-safe setters)."""

    def __init__(self, width: int, height: int, sample_rate: int, *,
                 layout: str = "host_pip", burn_captions: bool = False) -> None:
        self.width, self.height, self.sample_rate = width, height, sample_rate
        self.layout = check_layout(layout)
        self.burner = CaptionBurner(width, height) if burn_captions else None
        self._guests: tuple[OnAir, ...] = ()
        self._lock = threading.Lock()
        self._tiles = TileCache()
        self.composed = 0

    # -- control -------------------------------------------------------------------------
    def set_guests(self, guests: Iterable[OnAir]) -> None:
        with self._lock:
            self._guests = tuple(guests)

    @property
    def guests(self) -> tuple[OnAir, ...]:
        return self._guests

    def set_layout(self, layout: str) -> None:
        self.layout = check_layout(layout)

    def burn_captions(self, on: bool) -> None:
        if on and self.burner is None:
            self.burner = CaptionBurner(self.width, self.height)
        elif not on:
            self.burner = None

    def add_turn(self, turn: Turn) -> None:
        burner = self.burner
        if burner is not None:
            burner.add_turn(turn)

    # -- the render thread ---------------------------------------------------------------
    def picture(self, image: np.ndarray, pts: float, duration: float,
                said: Iterable[Heard]) -> np.ndarray:
        """The program picture of the tick at ``pts`` from the host's ``image``."""
        guests = self._guests
        if guests:
            image = compose(image, self.layout,
                            [(g.media.image(), g.name, g.role) for g in guests],
                            cache=self._tiles)
            self.composed += 1
        burner = self.burner
        if burner is not None:
            image = burner.paint(image, pts, duration, said)
        return image

    # -- the timeline (claims) -----------------------------------------------------------
    def audio(self, count: int) -> dict[str, np.ndarray] | None:
        """Each audible guest's voice for one tick of ``count`` samples, at its gain, by
        guest id (None: nobody on air). Muted guests' audio is pulled and discarded, so
        unmuting is not a backlog. Kept apart so each guest can be sent the program
        without their own voice (mix-minus)."""
        guests = self._guests
        if not guests:
            return None
        voices: dict[str, np.ndarray] = {}
        for g in guests:
            samples = g.media.pull_audio(count)
            if g.audible:
                voices[g.id] = g.gain * samples
        return voices

    def look_side(self) -> float | None:
        """Where the host should look while listening: the talking guest's (or the first
        guest's) horizontal position -1..1; None with nobody on air."""
        guests = self._guests
        if not guests:
            return None
        talking = [i for i, g in enumerate(guests) if g.audible and g.media.level > LISTEN_LEVEL]
        index = talking[0] if talking else 0
        if self.layout == "guest_pip" and index == 0:
            return 0.0  # the guest fills the frame: the host looks into the camera
        return side_of(self.layout, self.width, self.height, len(guests), index)
