"""Camera shots of the live program: the director's cuts and eases, the framing of the
head in rendered pictures (pattern face cropped, real avatar's 3D camera), the guest shot,
and a live performer switching shots on air."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from vhuman.animation.clip import MotionClip
from vhuman.models.tts import get_tts
from vhuman.models.types import Emotion, InputError
from vhuman.stage.live import LiveConfig, LivePerformer
from vhuman.stage.live.render import PatternRenderer
from vhuman.stage.live.shots import FRAMINGS, SHOTS, ShotDirector, crop_frame
from vhuman.stage.outputs.base import ThreadedOutput, Tick

SKIN = (238, 196, 160)


def skin_box(image: np.ndarray, colour: tuple[int, int, int] = SKIN, tol: int = 12
             ) -> tuple[float, float, float]:
    """Share of the picture in ``colour``, and the centre (x, y as fractions) of it."""
    hit = np.all(np.abs(image[..., :3].astype(int) - colour) <= tol, axis=-1)
    ys, xs = np.nonzero(hit)
    h, w = hit.shape
    return float(hit.mean()), float(xs.mean() / w), float(ys.mean() / h)


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_cut_is_immediate_and_an_ease_moves_softly_to_the_shot() -> None:
    clock = FakeClock()
    shots = ShotDirector(clock)
    assert shots.shot == "wide" and shots.framing() == FRAMINGS["wide"]
    shots.take("close_up")
    assert shots.framing() == FRAMINGS["close_up"] and not shots.moving
    shots.take("medium", "ease", 1.0)
    start, end = FRAMINGS["close_up"].zoom, FRAMINGS["medium"].zoom
    zooms = []
    for _ in range(11):
        zooms.append(shots.framing().zoom)
        clock.t += 0.1
    assert zooms[0] == pytest.approx(start) and zooms[-1] == pytest.approx(end)
    assert all(a >= b for a, b in zip(zooms, zooms[1:], strict=False))  # one way only
    # smoothstep: slow at both ends, fastest in the middle
    assert zooms[0] - zooms[1] < zooms[5] - zooms[6] and zooms[9] - zooms[10] < zooms[5] - zooms[6]
    # a new shot mid-ease starts from where the camera is, not where it was heading
    shots.take("wide", "ease", 1.0)
    assert shots.framing().zoom == pytest.approx(end)
    assert shots.status()["shot"] == "wide" and shots.status()["switches"] == 3
    with pytest.raises(InputError, match="unknown camera shot"):
        shots.take("drone")
    with pytest.raises(InputError, match="0 to 5"):
        shots.take("wide", "ease", 9.0)


def _pose() -> MotionClip:
    motion = LivePerformer(LiveConfig(width=64, height=64), tts=get_tts("espeak")).motion
    return motion.idle(0, 1, emotion=Emotion.NEUTRAL, intensity=0.6)


def test_pattern_face_is_framed_closer_by_each_shot() -> None:
    renderer = PatternRenderer(128, 128)
    image = renderer.render(_pose())
    shares = {}
    for shot in ("wide", "medium", "close_up"):
        framed = crop_frame(image, FRAMINGS[shot])
        assert framed.shape == image.shape
        share, cx, cy = skin_box(framed)
        shares[shot] = share
        assert abs(cx - 0.5) < 0.05  # the head stays centred left-right
    assert np.array_equal(crop_frame(image, FRAMINGS["wide"]), image)  # wide changes nothing
    # the head fills more of the picture the closer the shot (area ~ zoom²)
    assert shares["wide"] < shares["medium"] < shares["close_up"]
    assert shares["medium"] / shares["wide"] == pytest.approx(FRAMINGS["medium"].zoom ** 2, rel=0.2)
    assert skin_box(crop_frame(image, FRAMINGS["close_up"]))[0] > 0.5


@pytest.mark.slow
def test_the_avatar_camera_dollies_to_the_head() -> None:
    from vhuman.stage.live.render import AvatarRenderer

    renderer = AvatarRenderer(None, 128, 128)
    try:
        pose = _pose()
        background = np.array([0x1E, 0x2A, 0x3A])
        seen = {}
        for shot in ("wide", "medium", "close_up"):
            f = FRAMINGS[shot]
            renderer.set_framing(f.zoom, f.focus)
            image = renderer.render(pose)[..., :3].astype(int)
            figure = np.any(np.abs(image - background) > 24, axis=-1)
            seen[shot] = (float(figure.mean()), image)
        # closer shots: the character covers more of the picture, and the pictures differ
        assert seen["wide"][0] < seen["medium"][0] < seen["close_up"][0]
        assert np.abs(seen["wide"][1] - seen["close_up"][1]).mean() > 10
        renderer.set_framing(1.0, 0.0)  # back to the configured camera, exactly
        again = renderer.render(pose)[..., :3].astype(int)
        assert np.abs(again - seen["wide"][1]).mean() < 1.0
    finally:
        renderer.close()


class Frames(ThreadedOutput):
    def __init__(self) -> None:
        super().__init__("frames", max_queue=1000)
        self.images: list[np.ndarray] = []

    def write(self, tick: Tick) -> None:
        self.images.append(tick.image)


def test_live_program_switches_shots_and_the_guest_shot_needs_a_guest() -> None:
    async def main() -> dict[str, object]:
        perf = LivePerformer(LiveConfig(fps=25, width=96, height=96), tts=get_tts("espeak"))
        await perf.start()
        out = perf.add_output(Frames())
        seen: dict[str, object] = {}
        try:
            for shot in ("wide", "close_up", "medium"):
                perf.set_shot(shot)
                await asyncio.sleep(0.6)
                n = len(out.images)
                await asyncio.sleep(0.4)
                seen[shot] = [skin_box(i)[0] for i in out.images[n:]]
            with pytest.raises(InputError, match="no guest"):
                perf.set_shot("guest")
            seen["status"] = perf.status()["camera"]
        finally:
            await perf.close()
        return seen

    seen = asyncio.run(main())
    wide, close, medium = (float(np.median(seen[s])) for s in ("wide", "close_up", "medium"))
    assert wide < medium < close
    assert seen["status"]["shot"] == "medium" and seen["status"]["shots"] == list(SHOTS)


def test_guest_shot_puts_the_guest_full_frame_and_gives_the_layout_back() -> None:
    from vhuman.stage.guests.media import GuestMedia
    from vhuman.stage.guests.program import OnAir

    perf = LivePerformer(LiveConfig(width=64, height=64, layout="side_by_side"),
                         tts=get_tts("espeak"))
    perf.program.set_guests([OnAir("g1", "Ana", "guest", GuestMedia(perf.sample_rate))])
    perf.set_shot("guest")
    assert perf.program.layout == "guest_pip" and perf.shots.shot == "guest"
    perf.set_shot("close_up", "ease", 0.4)
    assert perf.program.layout == "side_by_side" and perf.shots.shot == "close_up"
