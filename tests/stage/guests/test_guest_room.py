"""Invites and the host's controls: tokens, expiry, second joins, flapping links."""

from __future__ import annotations

import numpy as np
import pytest

from vhuman.models.types import InputError
from vhuman.stage.guests.layout import LAYOUTS, compose, cover, regions, side_of
from vhuman.stage.guests.media import GuestMedia
from vhuman.stage.guests.room import GuestRoom, InviteRefused


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_invite_join_admit_mute_remove() -> None:
    clock = Clock()
    room = GuestRoom(clock=clock)
    seen: list[str] = []
    room.listeners.append(lambda g: seen.append(g.state))
    guest, token = room.invite("Ana Lopez", "reporter", ttl_s=600)
    assert guest.state == "invited" and token not in str(guest.public())
    with pytest.raises(InputError, match="waiting"):
        room.admit(guest.id)  # not joined yet
    joined, conn = room.join(token, video=True, audio=True)
    assert joined is guest and guest.state == "waiting" and conn == 1
    room.admit(guest.id)
    assert guest.on_air and guest.audible and room.on_air() == [guest]
    room.mute(guest.id)
    assert guest.on_air and not guest.audible
    room.unmute(guest.id)
    assert guest.audible
    room.remove(guest.id)
    assert guest.state == "removed" and room.on_air() == []
    with pytest.raises(InviteRefused, match="withdrawn"):
        room.join(token, video=True, audio=True)
    assert seen[-1] == "removed"


def test_expired_unknown_and_bad_invites_are_refused() -> None:
    clock = Clock()
    room = GuestRoom(clock=clock)
    guest, token = room.invite("Bo", ttl_s=60)
    clock.t += 61
    with pytest.raises(InviteRefused, match="expired"):
        room.join(token, video=False, audio=True)
    assert room.get(guest.id).state == "expired"
    with pytest.raises(InviteRefused, match="not valid"):
        room.check("made-up-token")
    for bad in ({"name": ""}, {"name": "x", "role": "boss"}, {"name": "x", "ttl_s": 1}):
        with pytest.raises(InputError):
            room.invite(**bad)


def test_a_second_join_replaces_the_first_and_stale_links_are_ignored() -> None:
    clock = Clock()
    room = GuestRoom(clock=clock, flap_limit=3)
    guest, token = room.invite("Cy")
    _, first = room.join(token, video=True, audio=True)
    room.link(guest.id, first, "connected")
    room.admit(guest.id)
    _, second = room.join(token, video=False, audio=True)  # reloaded page, no camera now
    assert second == first + 1 and guest.on_air and guest.joins == 2
    assert "name card" in (guest.note or "")
    assert room.link(guest.id, first, "closed") is False  # the old tab closing: ignored
    assert guest.on_air
    for _ in range(3):  # flapping
        room.link(guest.id, second, "lost")
        room.link(guest.id, second, "connected")
    assert guest.link == "unstable"
    room.link(guest.id, second, "lost")
    assert room.lost_too_long(guest.id, second) is True
    assert guest.state == "left" and not guest.on_air
    room.join(token, video=True, audio=True)  # may come back while the invite lasts
    assert guest.state == "waiting"


def test_layout_regions_cover_the_frame_and_odd_cameras_are_bounded() -> None:
    for layout in LAYOUTS:
        rects = regions(layout, 1280, 720, 2)
        assert len(rects) == 3
        for r in rects:
            assert r.x >= 0 and r.y >= 0 and r.x + r.w <= 1280 and r.y + r.h <= 720
    assert side_of("host_pip", 1280, 720, 1) > 0.5  # the PiP is on the right
    assert side_of("side_by_side", 1280, 720, 1) > 0
    media = GuestMedia(22050)
    media.push_image(np.zeros((2160, 3840, 3), np.uint8))  # 4K
    assert max(media.image().shape[:2]) == 640
    media.push_image(np.zeros((1920, 1080, 3), np.uint8))  # portrait
    assert media.image().shape[:2] == (640, 360)
    assert cover(media.image(), 200, 100).shape == (100, 200, 3)
    host = np.zeros((720, 1280, 3), np.uint8)
    assert compose(host, "side_by_side", []) is host
    out = compose(host, "guest_pip", [(None, "Dee", "guest")])  # no camera: a name card
    assert out[300:400, 500:700].std() > 0


def test_media_audio_is_bounded_and_stale_pictures_expire() -> None:
    t = [0.0]
    media = GuestMedia(16000, max_buffer_s=0.2, clock=lambda: t[0])
    media.push_audio(np.ones(48000, np.float32) * 0.1, 48000)  # 1 s at 48 kHz
    assert media.audio_dropped > 0
    got = media.pull_audio(16000)
    assert np.count_nonzero(got) <= int(0.2 * 16000) + 1
    media.push_image(np.zeros((10, 10, 3), np.uint8))
    t[0] = 5.0
    assert media.image() is None  # a camera that stopped: the name card, not a frozen face
