"""The guest desk of one show: the room, each guest's media and connection, the program.

:class:`GuestDesk` ties a :class:`~.room.GuestRoom` to a live performer's
:class:`~.program.Program`: whenever a guest's state changes the program's guests are
set again (on air in on-air order; muted ones silent; removed or gone ones out at once,
their connection closed). ``join`` answers a guest browser's WebRTC offer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .link import GuestLink
from .media import GuestMedia
from .program import OnAir, Program
from .room import Guest, GuestRoom

log = logging.getLogger(__name__)


class GuestDesk:
    """Guests of one show on one performer (used on the server's event loop)."""

    def __init__(self, performer: Any, program: Program, *, room: GuestRoom | None = None) -> None:
        self.performer = performer
        self.program = program
        self.room = room or GuestRoom()
        self.media: dict[str, GuestMedia] = {}
        self.links: dict[str, GuestLink] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.room.listeners.append(self._changed)

    def media_of(self, guest_id: str) -> GuestMedia:
        media = self.media.get(guest_id)
        if media is None:
            media = self.media[guest_id] = GuestMedia(self.program.sample_rate)
        return media

    def _changed(self, guest: Guest) -> None:
        self.sync()
        if guest.state in ("removed", "left"):
            media = self.media.get(guest.id)
            if media is not None:
                media.clear()
            link = self.links.pop(guest.id, None)
            if link is not None and self._loop is not None:
                self._loop.create_task(link.close())

    def sync(self) -> None:
        """The program's guests from the room (called on every change)."""
        self.program.set_guests(
            OnAir(g.id, g.name, g.role, self.media_of(g.id), audible=g.audible)
            for g in self.room.on_air())

    async def join(self, token: str, sdp: str, *, video: bool = True,
                   audio: bool = True) -> tuple[Guest, dict[str, str]]:
        """A guest's browser joins: checks the token, replaces an earlier connection of the
        same guest, and answers its offer."""
        self._loop = asyncio.get_running_loop()
        self.room.check(token)  # refuse before negotiating anything
        guest, connection = self.room.join(token, video=video, audio=audio)
        old = self.links.pop(guest.id, None)
        if old is not None:
            await old.close()
        link = GuestLink(self.room, guest.id, connection, self.media_of(guest.id),
                         self.performer)
        self.links[guest.id] = link
        try:
            answer = await link.answer(sdp)
        except Exception:
            self.links.pop(guest.id, None)
            self.room.link(guest.id, connection, "closed", "the browser's offer was refused")
            raise
        return guest, answer

    def restore(self, records: list[dict[str, Any]]) -> int:
        """Guests kept by the process that held the show before (:meth:`GuestRoom.restore`);
        each lost connection has ``room.reconnect_s`` from now to come back. Call on the
        event loop."""
        self._loop = asyncio.get_running_loop()
        lost = self.room.restore(records)
        for guest in lost:
            self._loop.call_later(self.room.reconnect_s, self.room.lost_too_long, guest.id,
                                  guest.connection)
        return len(records)

    def status(self) -> dict[str, Any]:
        return {"layout": self.program.layout,
                "burn_captions": self.program.burner is not None,
                "guests": [{**g.public(), **self._media_status(g.id)} for g in self.room.guests()]}

    def _media_status(self, guest_id: str) -> dict[str, Any]:
        media = self.media.get(guest_id)
        if media is None:
            return {}
        return {"frames": media.frames, "camera": media.source_size,
                "picture": media.image() is not None, "level": round(media.level, 4)}

    async def close(self) -> None:
        for link in list(self.links.values()):
            await link.close()
        self.links.clear()
        self.program.set_guests(())
