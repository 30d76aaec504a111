"""The live performer: real voice, audio-clocked ticks, interrupts, idle, dance, metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from vhuman.models.tts import get_tts
from vhuman.models.types import InputError, VhumanError
from vhuman.stage.live import (
    AudioRing,
    AudioSegment,
    LiveConfig,
    LiveMotion,
    LivePerformer,
    Metrics,
    MotionMixer,
    PatternRenderer,
)
from vhuman.stage.outputs.base import ThreadedOutput, Tick
from vhuman.stage.performer import Performer


class Collect(ThreadedOutput):
    """Keeps what a viewer would notice of every tick."""

    def __init__(self) -> None:
        super().__init__("collect", max_queue=1000)
        self.ticks: list[tuple[int, float, float, bool, bytes]] = []

    def write(self, tick: Tick) -> None:
        self.ticks.append((tick.index, tick.wall, float(np.abs(tick.audio).max()),
                           tick.speaking, tick.image[::4, ::4].tobytes()))


def test_live_performer_speaks_interrupts_to_silence_and_never_freezes() -> None:
    async def main() -> tuple[LivePerformer, Collect, dict]:
        perf = LivePerformer(LiveConfig(fps=30, width=256, height=256), tts=get_tts("piper"))
        assert isinstance(perf, Performer)
        await perf.start()
        out = perf.add_output(Collect())
        first = await perf.say("Good evening everyone, and welcome to the show. Tonight we "
                               "have a long list of guests and a lot of music for you.")
        queued = await perf.say("This line is waiting in the queue.")
        await asyncio.wait_for(asyncio.shield(first.started), 10)
        await asyncio.sleep(1.5)
        await perf.interrupt("host stop")
        done = await asyncio.wait_for(first.wait(), 5)
        queued_done = await asyncio.wait_for(queued.wait(), 5)
        await asyncio.sleep(0.4)
        after = await perf.say("Sorry, new line.")
        ok = await asyncio.wait_for(after.wait(), 10)
        await asyncio.sleep(0.3)
        status = perf.status()
        await perf.close()
        return perf, out, {"done": done, "queued": queued_done, "after": ok, "status": status}

    perf, out, res = asyncio.run(main())
    assert res["done"] is False and res["queued"] is False and res["after"] is True
    # Timing on the audio clock (wall-clock figures under load are in bench live / load).
    silence = perf.last_interrupt
    assert silence["audio_clock_s"] <= 0.15, silence
    ticks = out.ticks
    idx = [t[0] for t in ticks]
    assert idx == list(range(idx[0], idx[0] + len(idx)))  # every tick arrived, in order
    assert sum(t[3] for t in ticks) > 30  # it really spoke
    assert len({t[4] for t in ticks}) > 10  # the picture changes
    assert res["status"]["latency"]["text_to_first_audio"] > 0


def test_interrupt_closes_mouth_over_the_fade() -> None:
    motion = LiveMotion(30)
    mixer = MotionMixer(30, fade_s=0.1)
    talking = motion.idle(0, 10)
    talking.morph[:, talking.morph_index("viseme_aa")] = 1.0
    idle = motion.idle(10, 10)
    assert mixer.mouth_open(mixer.pose(talking, 3, "speech")) == 1.0
    mixer.fade()
    opening = [mixer.mouth_open(mixer.pose(idle, i, "idle")) for i in range(5)]
    assert opening[0] > 0.5 and opening[-1] == 0.0
    assert all(a >= b for a, b in zip(opening, opening[1:], strict=False))  # closes smoothly


def test_audio_ring_reads_exact_slices_and_pads_with_silence() -> None:
    ring = AudioRing(1000)
    ring.push(AudioSegment(np.ones(250, np.float32), utterance="a"))
    ring.push(AudioSegment(np.zeros(0, np.float32), utterance="a", last=True))
    first = ring.read(100)
    assert first.first is not None and first.first[1] == 0 and not first.silent
    rest = ring.read(200)
    assert rest.samples[:150].min() == 1.0 and rest.samples[150:].max() == 0.0
    assert [s.last for s in rest.finished] == [False, True]
    assert ring.read(50).silent
    with pytest.raises(InputError, match="NaN"):
        ring.push(AudioSegment(np.array([np.nan], np.float32)))


def test_dance_status_overlay_and_bad_input(tmp_path: Path) -> None:
    import soundfile as sf

    sr = 22050
    beat = np.zeros(sr // 2, np.float32)
    beat[:800] = np.sin(np.arange(800) / 3.0) * 0.8
    song = tmp_path / "song.wav"
    sf.write(song, np.tile(beat, 8), sr)  # 120 bpm, 4 s

    async def main() -> dict:
        metrics = Metrics()
        perf = LivePerformer(LiveConfig(fps=20, width=64, height=64), tts=get_tts("espeak"),
                             metrics=metrics)
        await perf.start()
        out = perf.add_output(Collect())
        handle = await perf.dance(song, duration=1.0)
        await perf.show_overlay({"title": "Blender", "price": "$49"})
        completed = await asyncio.wait_for(handle.wait(), 5)
        errors = []
        for call in (perf.say("   "), perf.dance(tmp_path / "missing.wav"),
                     perf.set_emotion("furious"), perf.gesture("")):
            try:
                await call
            except InputError as exc:
                errors.append(str(exc))
        await perf.set_emotion("happy", 0.8)
        status = perf.status()
        await perf.close()
        return {"completed": completed, "errors": errors, "status": status,
                "ticks": out.ticks, "prom": metrics.prometheus()}

    res = asyncio.run(main())
    assert res["completed"] is True
    assert len(res["errors"]) == 4 and "furious" in res["errors"][2]
    assert res["status"]["overlay"] == {"title": "Blender", "price": "$49"}
    assert res["status"]["emotion"] == "happy"
    playing = [t for t in res["ticks"] if t[3]]
    assert 19 <= len(playing) <= 21  # one second of music at 20 fps
    assert sum(t[2] > 0.5 for t in playing) >= 2  # its two beats were heard
    assert "vhuman_live_ticks_total" in res["prom"]
    assert '# TYPE vhuman_live_render_seconds histogram' in res["prom"]


def test_metrics_prometheus_text_and_validation() -> None:
    m = Metrics()
    m.inc("output_dropped_frames_total", 2, {"output": "rtmp"}, help="drops")
    m.set("live_fps", 29.5)
    for v in (0.01, 0.2):
        m.observe("live_interrupt_to_silence_seconds", v)
    text = m.prometheus()
    assert 'vhuman_output_dropped_frames_total{output="rtmp"} 2.0' in text
    assert 'vhuman_live_interrupt_to_silence_seconds_bucket{le="0.15"} 1' in text
    assert "vhuman_live_interrupt_to_silence_seconds_count 2" in text
    assert m.snapshot()["live_fps"] == 29.5
    with pytest.raises(InputError, match="not a valid"):
        m.inc("bad name")
    with pytest.raises(InputError, match="is a counter"):
        m.set("output_dropped_frames_total", 1)


def test_pattern_renderer_mouth_is_measurable() -> None:
    motion = LiveMotion(30)
    pose = motion.idle(0, 1)
    r = PatternRenderer(128, 128)
    closed = r.mouth_openness(r.render(pose))
    pose.morph[0, pose.morph_index("viseme_aa")] = 1.0
    opened = r.mouth_openness(r.render(pose))
    assert closed < 0.15 < 0.8 < opened
    rgba = PatternRenderer(64, 64, transparent=True).render(pose)
    assert rgba.shape == (64, 64, 4) and rgba[0, 0, 3] == 0 and rgba[32, 32, 3] == 255


def test_not_started_performer_refuses_clearly() -> None:
    async def main() -> None:
        perf = LivePerformer(LiveConfig(width=64, height=64), tts=get_tts("espeak"))
        await perf.say("hello")

    with pytest.raises(VhumanError, match="not started"):
        asyncio.run(main())
    with pytest.raises(InputError, match="fps"):
        LiveConfig(fps=0).validate()


def test_utterance_queue_is_bounded_and_drops_the_least_important_line() -> None:
    async def main() -> tuple[list, dict]:
        perf = LivePerformer(LiveConfig(fps=30, width=64, height=64, max_pending=3),
                             tts=get_tts("espeak"))
        await perf.start()
        # several sentences: the voice stays on this line (waiting for room in the audio
        # ring) while the test fills the queue, so nothing is taken from it meanwhile
        playing = await perf.say("A long first line that keeps the voice busy for a while. "
                                 "Everything after it has to wait in the queue. "
                                 "It goes on for another sentence. And one more, to be sure.")
        await asyncio.wait_for(asyncio.shield(playing.started), 10)
        low = [await perf.say(f"Viewer line {i}.", priority=0, source="chat") for i in range(3)]
        host = await perf.say("Host line.", priority=5)  # full: the oldest chat line goes
        late = await perf.say("One more viewer line.", priority=-1)  # matters least: refused
        await asyncio.sleep(0.05)  # drops resolve on the event loop
        states = [h.done.result() if h.done.done() else "waiting" for h in (*low, host, late)]
        status = perf.status()
        await perf.interrupt("test")
        await perf.close()
        return states, status

    states, status = asyncio.run(main())
    assert states == [False, "waiting", "waiting", "waiting", False]
    assert status["dropped_utterances"] == 2
    assert status["queue_depth"] in (3, 4)  # 3 waiting (+ the first line if still synthesizing)
    with pytest.raises(InputError, match="max_pending"):
        LivePerformer(LiveConfig(max_pending=0), tts=get_tts("espeak"))


def test_live_background_is_a_colour_name_or_an_image(tmp_path: Path) -> None:
    LiveConfig(background="green").validate()
    LiveConfig(background="#00b140").validate()
    image = tmp_path / "set.png"
    image.write_bytes(b"\x89PNG")
    LiveConfig(background=str(image)).validate()
    with pytest.raises(InputError, match="not #rrggbb"):
        LiveConfig(background="blurple-ish").validate()


def test_a_prepared_line_is_spoken_from_its_voice_synthesized_ahead(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer prepared before the person finished: its voice is synthesized without
    playing, the say that follows uses it; an interrupt forgets what was prepared."""
    tts = get_tts("piper")
    synthesized: list[str] = []
    real = tts.synthesize_iter

    def counting(text, style=None):
        synthesized.append(text)
        return real(text, style) if style is not None else real(text)

    # get_tts caches its voices: the counter must not outlive this test
    monkeypatch.setattr(tts, "synthesize_iter", counting)

    async def main() -> tuple[list[bool], dict]:
        perf = LivePerformer(LiveConfig(fps=25, width=128, height=128), tts=tts)
        await perf.start()
        ready = perf.prepare("Ana, good question!", intensity=0.5, priority=10)
        assert ready is not None and await asyncio.wait_for(ready.done, 30)
        assert perf.status()["speaking"] is False and perf.speech.depth == 0  # nothing plays
        said = await perf.say("Ana, good question!", intensity=0.5, priority=10)
        ok = [await asyncio.wait_for(said.wait(), 30)]
        other = perf.prepare("Another line.", intensity=0.5)
        assert other is not None and await asyncio.wait_for(other.done, 30)
        pending = [perf.prepare(f"Line {n} to forget.") for n in range(3)]
        await perf.interrupt("new turn")
        for handle in pending:  # resolved by the interrupt (or done first), never left hanging
            assert handle is not None
            await asyncio.wait_for(asyncio.shield(handle.done), 30)
        again = await perf.say("Another line.", intensity=0.5)
        ok.append(await asyncio.wait_for(again.wait(), 30))
        status = perf.status()
        await perf.close()
        return ok, status

    ok, status = asyncio.run(main())
    assert ok == [True, True]
    # once ahead for the prepared line; the forgotten one twice
    assert synthesized[:2] == ["Ana, good question!", "Another line."]
    assert synthesized[-1] == "Another line."
    assert "Ana, good question!" not in synthesized[1:]
    assert status["latency"]["text_to_first_audio"] > 0
