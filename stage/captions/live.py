"""Live captions for viewers: an output that turns ticks into caption events.

:class:`LiveCaptions` is offered every tick by the clock (it only feeds a
:class:`~.track.CaptionTrack`, no blocking work) and hands each cue to ``sink`` when its
start time comes — ``lead_s`` before, since the viewers' picture and sound travel
through a WebRTC jitter buffer that the caption socket does not — as a
``{"type": "caption", start, end, text, speaker, role, language}`` event (people's
captions in revisions add ``id``, ``rev`` and ``final``: a page replaces the caption of
that ``id`` with each higher revision); a host line cut by an interrupt sends
``{"type": "caption_cut", line}`` and a withdrawn person's caption
``{"type": "caption_cut", id}``, so pages drop what was not said. The
server's sink broadcasts on the show's viewer socket (event loop, thread-safe hop).
With a translator, each settled cue is also translated on the event loop and sent as
``{"type": "caption_translation", language, text, start, end, speaker, role}``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .track import CaptionTrack
from .translate import TranslationQueue, Translator

log = logging.getLogger(__name__)


class LiveCaptions:
    """An :class:`stage.outputs.base.Output` sending caption events as cues fall due."""

    def __init__(self, sink: Callable[[dict[str, Any]], object], *, lead_s: float = 0.1,
                 name: str = "captions", translator: Translator | None = None,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.name = name
        self.sink = sink
        self.lead_s = lead_s
        self.track = CaptionTrack()
        self.sent = 0
        self._ticks = 0
        self.translations = TranslationQueue(translator, sink, loop) \
            if translator is not None and loop is not None else None
        """Settled cues translated on ``loop`` (a second live track), when configured."""

    def start(self) -> None:
        """Nothing to open."""

    def offer(self, tick: Any) -> None:
        self.track.observe(tick)
        now = float(tick.pts) - (self.track.origin or 0.0)
        for cue in self.track.due(now + self.lead_s):
            self._send(cue.event())
            if self.translations is not None and cue.final:
                self.translations.submit(cue)
        if self.track.cut:
            cuts, self.track.cut = self.track.cut, []  # only this (clock) thread feeds it
            for serial, at in cuts:
                self._send({"type": "caption_cut", "line": serial, "at": round(at, 3)})
        if self.track.withdrawn:
            keys, self.track.withdrawn = self.track.withdrawn, []
            for key in keys:
                self._send({"type": "caption_cut", "id": key})
        self._ticks += 1
        if self._ticks % 300 == 0:
            self.track.forget_before(now - 30.0)

    def _send(self, event: dict[str, Any]) -> None:
        try:
            self.sink(event)
            self.sent += 1
        except Exception as exc:  # noqa: BLE001 - captions must never stop the clock
            log.warning("caption event not sent: %s", exc)

    def interrupt(self) -> None:
        """Cut lines are found from the ticks themselves."""

    def close(self) -> None:
        """Nothing to flush."""

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sent": self.sent}
        if self.translations is not None:
            out.update(translated=self.translations.sent, translations_dropped=
                       self.translations.dropped)
        return out
