"""Guests in the live program: picture in the layout's region, voice in the mix, the host
turning toward them, captions burned in — measured from a recording."""

from __future__ import annotations

import asyncio

import numpy as np

from vhuman.models.tts import get_tts
from vhuman.stage.captions import Cue, Turn
from vhuman.stage.captions.burn import speaker_colour
from vhuman.stage.guests.layout import regions
from vhuman.stage.guests.media import GuestMedia
from vhuman.stage.guests.program import OnAir
from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer
from vhuman.stage.outputs.base import Tick

W, H, FPS = 160, 96, 30


class Keep:
    name = "keep"

    def __init__(self) -> None:
        self.ticks: list[Tick] = []

    def start(self) -> None: ...
    def offer(self, tick: Tick) -> None: self.ticks.append(tick)
    def interrupt(self) -> None: ...
    def close(self) -> None: ...
    def stats(self) -> dict: return {}


def _run(layout: str, *, burn: bool = False, seconds: float = 1.5) -> list[Tick]:
    out = Keep()

    async def main() -> None:
        perf = LivePerformer(LiveConfig(fps=FPS, width=W, height=H, layout=layout,
                                        burn_captions=burn),
                             tts=get_tts("espeak"),
                             renderer_factory=lambda: PatternRenderer(W, H))
        sr = perf.sample_rate
        media = GuestMedia(sr)
        perf.program.set_guests([OnAir("g1", "Ana Lopez", "guest", media)])
        await perf.start()
        perf.add_output(out)
        magenta = np.zeros((480, 360, 3), np.uint8)  # a portrait camera
        magenta[..., 0] = 255
        magenta[..., 2] = 255
        t = np.arange(sr // FPS) / sr
        for i in range(int(seconds * FPS)):
            media.push_image(magenta)
            media.push_audio(0.3 * np.sin(2 * np.pi * 440 * (t + i / FPS)), sr)
            if burn and i == 10:
                now = perf.program_time()
                perf.caption(Turn("Ana Lopez", "guest", "Hello everyone", "en",
                                  max(0.0, now - 0.5), now))
            await asyncio.sleep(1 / FPS)
        await perf.close()

    asyncio.run(main())
    return out.ticks


def _magenta(image: np.ndarray) -> np.ndarray:
    r, g, b = (image[..., i].astype(int) for i in range(3))
    return (r > 200) & (b > 200) & (g < 60)


def test_guest_picture_fills_its_region_and_voice_is_in_the_mix() -> None:
    ticks = _run("side_by_side")
    late = ticks[len(ticks) // 2:]
    host, guest = regions("side_by_side", W, H, 1)
    image = late[-1].image
    inside = _magenta(image[guest.y:guest.y + guest.h, guest.x:guest.x + guest.w])
    outside = _magenta(image[host.y:host.y + host.h, host.x:host.x + host.w])
    assert inside.mean() > 0.6 and outside.mean() < 0.05
    audio = np.concatenate([t.audio for t in late])
    sr = late[0].sample_rate
    spectrum = np.abs(np.fft.rfft(audio))
    peak = np.fft.rfftfreq(len(audio), 1 / sr)[np.argmax(spectrum)]
    assert abs(peak - 440) < 5  # the guest's tone is what the program plays
    assert 0.15 < np.sqrt(np.mean(audio ** 2)) < 0.3  # at the guest gain, not clipped


def test_pip_layout_and_burned_caption_in_the_speakers_colour() -> None:
    ticks = _run("host_pip", burn=True, seconds=2.0)
    image = ticks[-1].image
    _, pip = regions("host_pip", W, H, 1)
    top_half = image[pip.y + 3:pip.y + pip.h // 2, pip.x + 3:pip.x + pip.w - 3]  # above the name
    assert _magenta(top_half).mean() > 0.9
    # the guest's line is burned in, in the guest's colour, in the bottom safe area
    colour = np.array(speaker_colour(Cue(0, 1, "x", "Ana Lopez", "guest", "en")))
    def text_pixels(tick: Tick) -> int:
        low = tick.image[int(H * 0.6):int(H * 0.95), :, :3].astype(int)
        return int((np.abs(low - colour).sum(-1) < 60).sum())
    assert max(text_pixels(t) for t in ticks) > 20
    assert text_pixels(ticks[0]) == 0


def test_host_turns_toward_the_guest_while_listening_and_back_when_speaking() -> None:
    from vhuman.animation import quat
    from vhuman.animation.clip import MotionClip
    from vhuman.stage.guests.attention import LookOverlay

    look = LookOverlay(30)
    bones = ["neck", "head", "leftEye", "rightEye"]
    def pose() -> MotionClip:
        return MotionClip(30, [], np.zeros((1, 0), np.float32), bones,
                          np.tile(np.array([0, 0, 0, 1], np.float32), (1, 4, 1)),
                          np.zeros((1, 3), np.float32))
    for _ in range(60):
        p = pose()
        look.apply(p, 0.6, speaking=False)  # guest on the right of the picture
    assert 12 < look.yaw <= 0.6 * 22 + 1e-6
    facing = quat.rotate(p.rotations[0, 1], np.array([0.0, 0.0, 1.0]))
    assert facing[0] > 0.05  # the head turned toward +X: the character's left, screen right
    for _ in range(60):
        look.apply(pose(), 0.6, speaking=True)
    assert abs(look.yaw) < 1.0
