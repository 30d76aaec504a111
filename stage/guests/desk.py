"""The guest desk of one show: the room, each guest's media and connection, the program.

:class:`GuestDesk` ties a :class:`~.room.GuestRoom` to a live performer's
:class:`~.program.Program`: whenever a guest's state changes the program's guests are
set again (on air in on-air order; muted ones silent; removed or gone ones out at once,
their connection closed). ``join`` answers a guest browser's WebRTC offer.

With ``ears`` (a factory of listening sessions, set by the server when guests are to
be heard), each guest's microphone also goes to speech recognition while they are on
air and not muted: their words are captioned and heard by the show like anyone's at a
microphone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .link import Ear, GuestLink
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
        self.ears: Callable[[Guest], Ear] | None = None
        """Makes the listening session of a guest's voice (None: voices are not heard)."""
        self._ears: dict[str, Ear] = {}
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
            ear = self._ears.pop(guest.id, None)
            if ear is not None and self._loop is not None:
                self._loop.create_task(ear.close())  # a turn in progress is finished

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
        if audio:
            link.ear = await self._ear(guest)
        self.links[guest.id] = link
        try:
            answer = await link.answer(sdp)
        except Exception:
            self.links.pop(guest.id, None)
            self.room.link(guest.id, connection, "closed", "the browser's offer was refused")
            raise
        return guest, answer

    async def _ear(self, guest: Guest) -> Ear | None:
        """The guest's listening session (made once per guest, models loaded off the loop);
        None when voices are not heard or it cannot be made."""
        if self.ears is None:
            return None
        ear = self._ears.get(guest.id)
        if ear is None:
            try:
                ear = await asyncio.to_thread(self.ears, guest)
                await ear.start()
            except Exception:  # noqa: BLE001 - the guest is still seen and heard on air
                log.exception("guest %s: their voice cannot be recognised", guest.name)
                return None
            self._ears[guest.id] = ear
        return ear

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
        for ear in list(self._ears.values()):
            await ear.close()
        self._ears.clear()
        self.program.set_guests(())
