"""A show that moves to another process keeps its guests: the room's snapshot restores
invites and admissions, and the cluster's guest book saves and reads it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from vhuman.stage.cluster.guestbook import GuestBook
from vhuman.stage.guests.program import Program
from vhuman.stage.guests.room import GuestRoom, InviteRefused
from vhuman.stage.guests.service import desk_of


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _old_room(clock: Clock) -> tuple[GuestRoom, dict[str, tuple[str, str]]]:
    """A room with a guest on air, one waiting, one invited, one removed."""
    room = GuestRoom(clock=clock)
    made = {}
    for name in ("Ana", "Bo", "Cy", "Di"):
        guest, token = room.invite(name, ttl_s=600)
        made[name] = (guest.id, token)
    for name in ("Ana", "Bo", "Di"):
        room.join(made[name][1], video=True, audio=True)
        room.link(made[name][0], 1, "connected")
    room.admit(made["Ana"][0])
    room.mute(made["Ana"][0])
    room.remove(made["Di"][0])
    return room, made


def test_restored_room_keeps_invites_and_admissions() -> None:
    clock = Clock()
    old, made = _old_room(clock)
    records = json.loads(json.dumps(old.snapshot()))  # as stored: plain JSON
    assert all(made[n][1] not in json.dumps(records) for n in made)  # never the tokens
    new = GuestRoom(clock=clock)
    lost = new.restore(records)
    ana, bo, cy = (new.get(made[n][0]) for n in ("Ana", "Bo", "Cy"))
    assert {g.name for g in lost} == {"Ana", "Bo"}
    assert (ana.state, ana.link, ana.connection) == ("muted", "lost", 2)
    assert ana.on_air and new.on_air() == [ana] and "moved" in (ana.note or "")
    assert (bo.state, bo.link) == ("waiting", "lost") and cy.state == "invited"
    # the old process's connection is stale here; the page joins again with its token
    assert not new.link(ana.id, 1, "closed")
    again, conn = new.join(made["Ana"][1], video=True, audio=True)
    assert again is ana and conn == 3 and ana.state == "muted"  # still admitted
    assert new.link(ana.id, 3, "connected") and ana.link == "connected"
    new.check(made["Cy"][1])  # an invite not used yet is still valid
    with pytest.raises(InviteRefused, match="withdrawn"):
        new.check(made["Di"][1])
    # a guest who never comes back leaves after reconnect_s (the desk's timer)
    assert new.lost_too_long(bo.id, bo.connection) and bo.state == "left"
    clock.t += 700
    with pytest.raises(InviteRefused, match="expired"):
        new.check(made["Bo"][1])


class FakeRedis:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.ttl: dict[str, int] = {}

    async def get(self, key: str) -> str | None:
        return self.data.get(key)

    async def set(self, key: str, value: str, ex: int | None = None) -> None:
        self.data[key] = value
        self.ttl[key] = ex or 0


class Show:
    """A performer with a live program (all the guest desk needs of it here)."""

    def __init__(self) -> None:
        self.program = Program(64, 64, 16000)


def test_guest_book_saves_each_change_and_the_next_holder_restores_it() -> None:
    redis = FakeRedis()

    async def first_holder() -> tuple[str, str]:
        show = Show()
        book = GuestBook(redis, "tv", show)
        assert await book.open() == 0
        room = desk_of(show).room
        guest, token = room.invite("Ana Lopez", ttl_s=600)
        room.join(token, video=False, audio=True)
        room.admit(guest.id)
        await asyncio.sleep(0.05)  # the writer task runs
        saved = json.loads(redis.data["vh:guests:tv"])
        assert [g["state"] for g in saved] == ["on_air"] and redis.ttl["vh:guests:tv"] > 7 * 86400
        await book.close()
        room.link(guest.id, guest.connection, "closed")  # hung up after letting go: not saved
        await asyncio.sleep(0.05)
        assert json.loads(redis.data["vh:guests:tv"])[0]["state"] == "on_air"
        return guest.id, token

    async def next_holder(guest_id: str, token: str) -> dict[str, Any]:
        show = Show()
        book = GuestBook(redis, "tv", show)
        assert await book.open() == 1
        desk = desk_of(show)
        on_air = [g.id for g in show.program.guests]  # in the program again (a name card)
        status = desk.status()["guests"][0]
        desk.room.join(token, video=True, audio=True)
        await asyncio.sleep(0.05)
        joins = json.loads(redis.data["vh:guests:tv"])[0]["joins"]
        await book.close()
        return {"on_air": on_air, "status": status, "joins": joins}

    guest_id, token = asyncio.run(first_holder())
    out = asyncio.run(next_holder(guest_id, token))
    assert out["on_air"] == [guest_id]
    assert (out["status"]["state"], out["status"]["link"]) == ("on_air", "lost")
    assert out["joins"] == 2  # the rejoin was saved by the new holder


def test_a_performer_without_a_program_has_no_guest_book() -> None:
    async def scenario() -> int:
        book = GuestBook(FakeRedis(), "tv", object())
        restored = await book.open()
        await book.close()
        return restored

    assert asyncio.run(scenario()) == 0
