"""The guest operations of one show as plain calls with JSON answers.

:class:`GuestService` is what the HTTP routes call on the server that renders the show,
and what a cluster worker runs when an API replica forwards a ``guests`` command
(``stage/cluster/commands.py``): the same code either way, so admit / mute / remove and a
guest's WebRTC join work from any replica. Every answer is a JSON-able dict; refusals
are :class:`~.room.InviteRefused` (403), :class:`NoSuchGuest` (404), :class:`NoProgram`
(400) or another ``InputError`` (409: the action does not fit the guest's state).
"""

from __future__ import annotations

import weakref
from typing import Any, Protocol, runtime_checkable

from vhuman.models.types import InputError

from .desk import GuestDesk
from .layout import LAYOUTS
from .program import Program

METHODS = frozenset({"invite", "list", "control", "program", "join", "me", "caption"})
_desks: weakref.WeakKeyDictionary[Any, GuestDesk] = weakref.WeakKeyDictionary()


class NoProgram(InputError):
    """The show's performer has no live program (it does not stream)."""


class NoSuchGuest(InputError):
    """No guest with that id in this show."""


@runtime_checkable
class ProgramHost(Protocol):
    """A performer that composites a live program (the live performer does)."""

    program: Program


def has_desk(performer: Any) -> bool:
    """Whether ``performer`` already has a guest desk (its close is then looked after)."""
    return performer in _desks


def desk_of(performer: Any) -> GuestDesk:
    """The guest desk of a live performer (made on first use, kept while it lives)."""
    if not isinstance(performer, ProgramHost):
        raise NoProgram(f"this show has no live program to put guests in (its performer is "
                        f"{type(performer).__name__})")
    desk = _desks.get(performer)
    if desk is None:
        desk = _desks[performer] = GuestDesk(performer, performer.program)
    return desk


def forget(performer: Any) -> GuestDesk | None:
    """Drop a closing show's desk (the caller closes it)."""
    return _desks.pop(performer, None)


class GuestService:
    """Guest operations on one show's performer (and runner, for interviews)."""

    def __init__(self, performer: Any, runner: Any = None) -> None:
        self.desk = desk_of(performer)
        self.runner = runner

    async def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method not in METHODS:
            raise InputError(f"unknown guest operation {method!r}")
        result: dict[str, Any] = await getattr(self, method)(**args)
        return result

    async def invite(self, name: str, role: str = "guest", ttl_s: float = 3600.0,
                     show_id: str = "main") -> dict[str, Any]:
        guest, token = self.desk.room.invite(name, role, ttl_s)
        return {"guest": guest.public(), "token": token, "link": f"/shows/{show_id}/guest#{token}"}

    async def list(self) -> dict[str, Any]:
        return self.desk.status()

    async def control(self, guest: str, action: str) -> dict[str, Any]:
        if action not in ("admit", "mute", "unmute", "remove"):
            raise InputError("action must be admit, mute, unmute or remove")
        room = self.desk.room
        try:
            room.get(guest)
        except InputError:
            raise NoSuchGuest("no such guest") from None
        return {"guest": getattr(room, action)(guest).public()}

    async def program(self, layout: str | None = None,
                      burn_captions: bool | None = None) -> dict[str, Any]:
        program = self.desk.program
        if layout is not None:
            program.set_layout(layout)
        if burn_captions is not None:
            program.burn_captions(burn_captions)
        return {"layout": program.layout, "layouts": list(LAYOUTS),
                "burn_captions": program.burner is not None}

    async def join(self, token: str, sdp: str, video: bool = True,
                   audio: bool = True) -> dict[str, Any]:
        guest, answer = await self.desk.join(token, sdp, video=video, audio=audio)
        return {**answer, "guest": guest.public()}

    async def me(self, token: str) -> dict[str, Any]:
        guest = self.desk.room.check(token)
        return {"guest": guest.public(), "layout": self.desk.program.layout}

    async def caption(self, speaker: str, text: str, role: str = "guest",
                      language: str = "en", seconds: float = 0.0, id: str | None = None,
                      final: bool = True) -> dict[str, Any]:
        """A person's words: whole, or in revisions under ``id`` (partials, then the final;
        an empty final withdraws the caption). Interviews hear only finished words."""
        from vhuman.stage.captions import Turn

        performer = self.desk.performer
        end = performer.program_time()
        turn = Turn(speaker, role, text, language, max(0.0, end - seconds), end,
                    key=f"api:{id}" if id else "", final=final)
        performer.caption(turn)
        if self.runner is not None and turn.final and not turn.withdrawn:
            self.runner.heard(turn)
        return {"start": round(turn.start, 3), "end": round(turn.end, 3),
                **({"id": turn.key} if turn.key else {})}
