"""Guests of a show: invites, joining, and the host's admit / mute / unmute / remove.

The host creates an :class:`Invite` (display name, role ``guest`` or ``reporter``, an
expiry); its token is shown once (only its SHA-256 is kept) and makes the invite link.
A guest who opens the link joins with the token and waits in the green room until the
host admits them; then they are on air (picture in the program, voice in the mix).

States (``Guest.state``): ``invited`` -> ``waiting`` (joined, not admitted) ->
``on_air`` <-> ``muted`` (on air, voice off) ; ``removed`` (by the host: the token is
dead), ``expired`` (not joined in time), ``left`` (the browser hung up or the connection
dropped and did not come back within ``reconnect_s``; the token may join again until it
expires). A second join with the same token replaces the first connection (a reloaded
page, a new device): the old one is closed, the guest keeps their place on air.
Connection health is separate (``Guest.link``: ``connecting``, ``connected``,
``unstable`` (flapping), ``lost``), so the host always sees a clear state and the
program never waits for a guest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from vhuman.models.types import InputError

log = logging.getLogger(__name__)

Role = Literal["guest", "reporter"]
ROLES = ("guest", "reporter")
MAX_GUESTS = 8
"""Invites alive at once per show (removed/expired ones do not count)."""


class InviteRefused(InputError):
    """A join with an unknown, removed or expired token."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Guest:
    """One invited person and where they stand."""

    id: str
    name: str
    role: Role
    expires_at: float
    """Wall-clock time (``time.time()``) after which a guest who never joined is refused."""
    token_hash: str
    state: str = "invited"
    link: str = "none"
    joins: int = 0
    connection: int = 0
    """Increments with each join: the live connection's number (older ones are stale)."""
    has_video: bool = False
    has_audio: bool = False
    flaps: list[float] = field(default_factory=list)
    joined_at: float | None = None
    on_air_at: float | None = None
    note: str | None = None
    """Why the state is what it is (refused video, dropped connection...)."""

    @property
    def on_air(self) -> bool:
        return self.state in ("on_air", "muted")

    @property
    def audible(self) -> bool:
        return self.state == "on_air"

    def public(self) -> dict[str, Any]:
        """What the host API shows (never the token)."""
        return {"id": self.id, "name": self.name, "role": self.role, "state": self.state,
                "link": self.link, "video": self.has_video, "audio": self.has_audio,
                "joins": self.joins, "expires_at": round(self.expires_at, 3),
                "note": self.note}


class GuestRoom:
    """The guests of one show (thread-safe: the media threads read who is on air).

    ``on_change(guest)`` runs after every state change (e.g. to recompose the layout or
    close a removed guest's connection)."""

    def __init__(self, *, clock: Callable[[], float] = time.time, reconnect_s: float = 10.0,
                 flap_window_s: float = 30.0, flap_limit: int = 3) -> None:
        self._clock = clock
        self.reconnect_s = reconnect_s
        self.flap_window_s, self.flap_limit = flap_window_s, flap_limit
        self._lock = threading.RLock()
        self._guests: dict[str, Guest] = {}
        self._by_token: dict[str, str] = {}
        self.listeners: list[Callable[[Guest], None]] = []

    # -- host side -----------------------------------------------------------------------
    def invite(self, name: str, role: str = "guest", ttl_s: float = 3600.0) -> tuple[Guest, str]:
        """A new invite; returns the guest and the one-time token (shown only now)."""
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise InputError("invite: name must be 1..64 characters")
        if role not in ROLES:
            raise InputError(f"invite: role must be one of {', '.join(ROLES)}, got {role!r}")
        if not 10 <= ttl_s <= 7 * 86400:
            raise InputError(f"invite: ttl_s must be within 10..604800, got {ttl_s}")
        with self._lock:
            self._expire()
            alive = [g for g in self._guests.values() if g.state not in ("removed", "expired")]
            if len(alive) >= MAX_GUESTS:
                raise InputError(f"invite: at most {MAX_GUESTS} guests per show")
            token = secrets.token_urlsafe(24)
            guest = Guest(secrets.token_hex(6), name, role,  # type: ignore[arg-type]
                          self._clock() + ttl_s, _digest(token))
            self._guests[guest.id] = guest
            self._by_token[guest.token_hash] = guest.id
        self._changed(guest)
        return guest, token

    def get(self, guest_id: str) -> Guest:
        with self._lock:
            self._expire()
            guest = self._guests.get(guest_id)
            if guest is None:
                raise InputError("no such guest")  # never echo what the caller sent
            return guest

    def guests(self) -> list[Guest]:
        with self._lock:
            self._expire()
            return list(self._guests.values())

    def on_air(self) -> list[Guest]:
        """Guests in the program, in the order they went on air."""
        with self._lock:
            return sorted((g for g in self._guests.values() if g.on_air),
                          key=lambda g: g.on_air_at or 0.0)

    def audible(self, guest_id: str) -> bool:
        """Whether the guest's voice is in the program now (on air, not muted)."""
        guest = self._guests.get(guest_id)
        return guest is not None and guest.audible

    def admit(self, guest_id: str) -> Guest:
        return self._host_action(guest_id, "admit", ("waiting",), "on_air")

    def mute(self, guest_id: str) -> Guest:
        return self._host_action(guest_id, "mute", ("on_air", "muted"), "muted")

    def unmute(self, guest_id: str) -> Guest:
        return self._host_action(guest_id, "unmute", ("on_air", "muted"), "on_air")

    def remove(self, guest_id: str) -> Guest:
        """Off air at once; the token is refused from now on."""
        return self._host_action(guest_id, "remove", None, "removed")

    def _host_action(self, guest_id: str, action: str, allowed: tuple[str, ...] | None,
                     to: str) -> Guest:
        with self._lock:
            guest = self.get(guest_id)
            if allowed is not None and guest.state not in allowed:
                raise InputError(f"{action}: guest {guest.name!r} is {guest.state}; "
                                 f"{action} needs {' or '.join(allowed)}")
            if to == "on_air" and guest.on_air_at is None:
                guest.on_air_at = self._clock()
            if to == "removed":
                guest.link = "closed"
                guest.on_air_at = None
            guest.state, guest.note = to, None
        self._changed(guest)
        return guest

    # -- guest side ----------------------------------------------------------------------
    def check(self, token: str) -> Guest:
        """The guest a token belongs to, if it may join now (``InviteRefused`` if not)."""
        with self._lock:
            self._expire()
            guest_id = self._by_token.get(_digest(token or ""))
            guest = self._guests.get(guest_id or "")
            if guest is None:
                raise InviteRefused("this invite is not valid")
            if guest.state == "removed":
                raise InviteRefused("this invite was withdrawn by the host")
            if guest.state == "expired" or (
                    self._clock() >= guest.expires_at and guest.state in ("invited", "left")):
                raise InviteRefused("this invite has expired")
            return guest

    def join(self, token: str, *, video: bool, audio: bool) -> tuple[Guest, int]:
        """A browser joins with ``token``; returns the guest and this connection's number
        (a later join supersedes it). On air guests stay on air (a reload)."""
        with self._lock:
            guest = self.check(token)
            guest.joins += 1
            guest.connection += 1
            guest.has_video, guest.has_audio = video, audio
            guest.link = "connecting"
            guest.joined_at = self._clock()
            if guest.state in ("invited", "left"):
                guest.state = "waiting"
            guest.note = None if video else "no camera: a name card is shown"
            if guest.joins > 1:
                log.info("guest %s joined again (connection %d replaces the previous one)",
                         guest.name, guest.connection)
            number = guest.connection
        self._changed(guest)
        return guest, number

    def link(self, guest_id: str, connection: int, state: str, note: str | None = None) -> bool:
        """Connection ``connection`` of a guest reports ``connected`` / ``lost`` /
        ``closed``; a stale connection (superseded by a later join) is ignored."""
        with self._lock:
            guest = self._guests.get(guest_id)
            if guest is None or guest.connection != connection or guest.state == "removed":
                return False
            now = self._clock()
            if state == "connected":
                guest.flaps = [t for t in guest.flaps if now - t < self.flap_window_s]
                guest.link = "unstable" if len(guest.flaps) >= self.flap_limit else "connected"
            elif state == "lost":
                guest.flaps.append(now)
                guest.link = "lost"
            elif state == "closed":
                guest.link = "closed"
                guest.state = "left"
                guest.on_air_at = None
            if note:
                guest.note = note
        self._changed(guest)
        return True

    def lost_too_long(self, guest_id: str, connection: int) -> bool:
        """Called ``reconnect_s`` after a loss: a connection still lost leaves."""
        with self._lock:
            guest = self._guests.get(guest_id)
            if guest is None or guest.connection != connection or guest.link != "lost":
                return False
        return self.link(guest_id, connection, "closed", "connection lost")

    def set_media(self, guest_id: str, *, video: bool | None = None,
                  audio: bool | None = None, note: str | None = None) -> None:
        with self._lock:
            guest = self._guests.get(guest_id)
            if guest is None:
                return
            if video is not None:
                guest.has_video = video
            if audio is not None:
                guest.has_audio = audio
            if note is not None:
                guest.note = note
        self._changed(guest)

    # -- keeping the room elsewhere (a cluster's store) -----------------------------------
    def snapshot(self) -> list[dict[str, Any]]:
        """Every guest as plain data (token hashes included, never tokens): what another
        process needs to take the show over with its invites and admissions."""
        with self._lock:
            return [dataclasses.asdict(g) for g in self._guests.values()]

    def restore(self, records: Iterable[dict[str, Any]]) -> list[Guest]:
        """Guests from :meth:`snapshot` of the process that held the show before. Their
        connections were there, so each one counts as lost (a newer connection number: the
        old process's events are stale): an admitted guest stays on air (a name card
        until their page joins again with the token), a waiting one keeps waiting. Returns
        the guests whose connection is to come back (see :meth:`lost_too_long`)."""
        fields = {f.name for f in dataclasses.fields(Guest)}
        lost: list[Guest] = []
        with self._lock:
            for record in records:
                try:
                    guest = Guest(**{k: v for k, v in record.items() if k in fields})
                except TypeError:
                    log.warning("a stored guest record was not understood; skipped")
                    continue
                if guest.state in ("waiting", "on_air", "muted"):
                    guest.connection += 1
                    guest.link = "lost"
                    guest.note = "the show moved to another server; waiting for the guest " \
                                 "to reconnect"
                    lost.append(guest)
                self._guests[guest.id] = guest
                self._by_token[guest.token_hash] = guest.id
        for guest in lost:
            self._changed(guest)
        return lost

    # -- internals -----------------------------------------------------------------------
    def _expire(self) -> None:
        now = self._clock()
        for guest in self._guests.values():
            if guest.state == "invited" and now >= guest.expires_at:
                guest.state = "expired"

    def _changed(self, guest: Guest) -> None:
        for listener in list(self.listeners):
            try:
                listener(guest)
            except Exception:  # noqa: BLE001 - a listener must not break the host API
                log.exception("guest listener failed")
