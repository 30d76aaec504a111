"""Guests and captions: compositing cost, program frame rate with two guests, guest
send -> program (and -> a WebRTC viewer) delay and A/V offset, caption timing.

``run(quick)`` measures, in this run:

- ``compose_ms``: CPU time of the program stage (:meth:`stage.guests.program.Program.picture`)
  per frame with 1 and 2 guests (640x480 cameras) at 512x512 and 1280x720, per layout,
  median of repeated frames; with burned-in captions too.
- ``program_fps``: the live program (built-in avatar rendered in a child process when
  available, else the pattern face) at 512², for ``seconds`` with no guest, then with two
  guests sending 30 fps pictures and audio: ticks per second, fresh pictures per second
  and repeated pictures, side by side in one run.
- ``guest_delay``: a guest connected over WebRTC (an aiortc client through the server's
  join route) flashes its picture black -> white and starts a tone at the same instant;
  the delay until the program's ticks carry the white picture and the tone (guest send ->
  program out), and until an aiortc viewer on the server's WebRTC route receives the
  white picture (guest send -> viewer receive); the guest's A/V offset through the
  program = picture delay - sound delay (positive: the picture is late).
- ``caption_host``: a recorded line (Piper voice, offline clock): for each cue that
  starts a phrase, cue start minus the measured audio onset of its words (<= 0: the
  caption is up before the words are heard).
- ``caption_people``: from a recognised turn handed to ``performer.caption`` to its
  event on the viewers' socket (the recogniser's own latency comes on top).
- ``caption_people_heard``: the same with recognition in the loop: real recordings
  played in real time into the show's listening path, word spoken -> first caption event
  showing it, p95, with partial transcripts as live caption revisions and with finals
  only (``bench/captions_heard.py``).
- ``caption_translation``: settled host lines through the live translation queue into
  Spanish with the packaged chat model (Qwen2.5-0.5B on llama.cpp): the delay a
  translated caption adds after its original, per line, and the answers.
- ``caption_translation_quality``: chrF of caption translations into Spanish and Chinese
  against careful references (``bench/caption_translation.py``, 36 talk-show lines), for
  the packaged chat model and, when ``$VHUMAN_CAPTION_TRANSLATOR_URL`` names an
  OpenAI-compatible server, for that server too; with the worst lines.
"""

from __future__ import annotations

import asyncio
import fractions
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import load_average

SIZE = 512
FPS = 30


def _median_ms(fn: Any, n: int, setup: Any = None) -> float:
    times = []
    for _ in range(n):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 3)


def compose_cost(quick: bool) -> dict[str, Any]:
    from vhuman.stage.captions.words import Heard, SpokenLine, Word
    from vhuman.stage.guests.layout import LAYOUTS
    from vhuman.stage.guests.media import GuestMedia
    from vhuman.stage.guests.program import OnAir, Program

    n = 20 if quick else 100
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {"load_before": load_average()}
    words = tuple(Word(w, i * 0.3, i * 0.3 + 0.25) for i, w in enumerate(
        "Welcome back, tonight we talk about bridges with two guests".split()))
    line = SpokenLine(" ".join(w.text for w in words), words, 4.0)
    cams = [rng.integers(0, 255, (480, 640, 3), np.uint8) for _ in range(4)]
    for w, h in ((512, 512), (1280, 720)):
        host = rng.integers(0, 255, (h, w, 3), np.uint8)
        for guests in (1, 2):
            for layout in LAYOUTS:
                program = Program(w, h, 22050, layout=layout)
                media = []
                for i in range(guests):
                    m = GuestMedia(22050)
                    m.push_image(cams[i])
                    media.append(OnAir(f"g{i}", f"Guest {i}", "guest", m))
                program.set_guests(media)

                def new_frames(media: list[OnAir] = media) -> None:
                    for g in media:  # every guest sends a new picture each tick
                        g.media.push_image(cams[int(rng.integers(0, len(cams)))])
                out[f"{w}x{h}_{guests}guest_{layout}"] = _median_ms(
                    lambda p=program, im=host: p.picture(im, 1.0, 1 / FPS, ()), n, new_frames)
        program = Program(w, h, 22050, burn_captions=True)
        out[f"{w}x{h}_captions_only"] = _median_ms(
            lambda p=program, im=host: p.picture(im, 1.0, 1 / FPS, (Heard(line, 0.5),)), n)
    out["load_after"] = load_average()
    return out


def _has_avatar() -> bool:
    try:
        import moderngl  # noqa: F401

        from vhuman.avatar import render  # noqa: F401
        return True
    except Exception:  # noqa: BLE001
        return False


async def program_fps(quick: bool) -> dict[str, Any]:
    from vhuman.models.tts import get_tts
    from vhuman.stage.guests.media import GuestMedia
    from vhuman.stage.guests.program import OnAir
    from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer
    from vhuman.stage.live.procrender import ProcessRenderer

    seconds = 10.0 if quick else 30.0
    renderer = "avatar" if _has_avatar() else "pattern"
    factory: Any = (lambda: ProcessRenderer.avatar(None, SIZE, SIZE)) if renderer == "avatar" \
        else (lambda: PatternRenderer(SIZE, SIZE))
    perf = LivePerformer(LiveConfig(fps=FPS, width=SIZE, height=SIZE), tts=get_tts("piper"),
                         renderer_factory=factory)
    await perf.start()
    out: dict[str, Any] = {"renderer": renderer, "size": SIZE, "fps_target": FPS,
                           "seconds": seconds}
    rng = np.random.default_rng(1)
    cams = [rng.integers(0, 255, (480, 640, 3), np.uint8) for _ in range(2)]

    async def phase(name: str, guests: int) -> None:
        media = [GuestMedia(perf.sample_rate) for _ in range(guests)]
        perf.program.set_guests(OnAir(f"g{i}", f"Guest {i}", "guest", m)
                                for i, m in enumerate(media))
        load0 = load_average()
        t0, k0 = time.monotonic(), perf.tick_index
        r0, rep0 = perf.render_loop.rendered, perf.repeated_frames
        end = t0 + seconds
        say_at = t0
        sr = perf.sample_rate
        while (now := time.monotonic()) < end:
            if now >= say_at:
                await perf.say("Our guests are with us tonight, and we have a lot to talk about.")
                say_at = now + 6.0
            for m, cam in zip(media, cams[:len(media)], strict=True):
                m.push_image(cam)
                m.push_audio(0.1 * rng.standard_normal(sr // FPS).astype(np.float32), sr)
            await asyncio.sleep(1 / FPS)
        wall = time.monotonic() - t0
        out[name] = {"tick_fps": round((perf.tick_index - k0) / wall, 2),
                     "picture_fps": round((perf.render_loop.rendered - r0) / wall, 2),
                     "repeated": perf.repeated_frames - rep0,
                     "quality_level": perf.render_loop.governor.index
                     if perf.render_loop.governor else None,
                     "load_before": load0, "load_after": load_average()}
        await perf.interrupt("phase end")

    try:
        await phase("no_guest", 0)
        await phase("two_guests", 2)
    finally:
        await perf.close()
    return out


def _flash_tracks(state: dict[str, Any]) -> tuple[Any, Any]:
    """A guest camera and microphone that flash white + tone while ``state['on']``."""
    import av
    from aiortc.mediastreams import MediaStreamTrack

    class Camera(MediaStreamTrack):
        kind = "video"

        def __init__(self) -> None:
            super().__init__()
            self.n = 0

        async def recv(self) -> av.VideoFrame:
            await asyncio.sleep(1 / 30)
            value = 255 if state["on"] else 0
            frame = av.VideoFrame.from_ndarray(np.full((240, 320, 3), value, np.uint8),
                                               format="rgb24")
            frame.pts, frame.time_base = self.n, fractions.Fraction(1, 30)
            self.n += 1
            return frame

    class Microphone(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.n = 0

        async def recv(self) -> av.AudioFrame:
            await asyncio.sleep(0.02)
            t = (self.n + np.arange(960)) / 48000
            amp = 0.4 if state["on"] else 0.0
            pcm = (amp * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48000, self.n
            frame.time_base = fractions.Fraction(1, 48000)
            self.n += 960
            return frame

    return Camera(), Microphone()


async def guest_delay(quick: bool) -> dict[str, Any]:
    import socket

    import httpx
    import uvicorn
    from aiortc import RTCPeerConnection, RTCSessionDescription

    from vhuman.models.tts import get_tts
    from vhuman.stage.guests.layout import regions
    from vhuman.stage.live import LiveConfig, LivePerformer
    from vhuman.stage.outputs.base import Tick
    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.store import SQLiteStore
    from vhuman.stage.testing_performer import FakeBrain

    w, h = 320, 240
    host = "bench-host-key-1"

    def performer(show_id: str, rundown: object) -> LivePerformer:
        return LivePerformer(LiveConfig(fps=FPS, width=w, height=h, layout="side_by_side"),
                             tts=get_tts("espeak"))

    flashes = 4 if quick else 10
    state: dict[str, Any] = {"on": False, "t_on": 0.0}
    seen: dict[str, list[float]] = {"video": [], "audio": [], "viewer": []}
    rect = regions("side_by_side", w, h, 1)[1]

    class Watch:
        name = "watch"
        video_on = audio_on = False

        def start(self) -> None: ...
        def interrupt(self) -> None: ...
        def close(self) -> None: ...
        def stats(self) -> dict[str, Any]: return {}

        def offer(self, tick: Tick) -> None:
            part = tick.image[rect.y + 4:rect.y + rect.h // 2, rect.x + 4:rect.x + rect.w - 4]
            white = float(part.mean()) > 200
            loud = float(np.abs(tick.audio).max()) > 0.1
            if white and not self.video_on:
                seen["video"].append(tick.wall)
            if loud and not self.audio_on:
                seen["audio"].append(tick.wall)
            self.video_on, self.audio_on = white, loud

    with tempfile.TemporaryDirectory() as tmp:
        settings = ServerSettings(api_keys={host: "host"}, _env_file=None)  # type: ignore[call-arg]
        app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                         store=SQLiteStore(Path(tmp) / "b.db"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        serving = asyncio.create_task(server.serve())
        guest_pc, viewer_pc = RTCPeerConnection(), RTCPeerConnection()
        out: dict[str, Any] = {"flashes": flashes, "size": [w, h], "load_before": load_average()}
        try:
            while not server.started:
                await asyncio.sleep(0.05)
            base = f"http://127.0.0.1:{port}/v1/shows/main"
            async with httpx.AsyncClient(timeout=30) as http:
                session = app.state.vhuman.sessions["main"]
                await session.wait_ready(60)
                session.performer.add_output(Watch())
                made = (await http.post(f"{base}/guests", json={"name": "Bench"},
                                        headers={"Authorization": f"Bearer {host}"})).json()
                for track in _flash_tracks(state):
                    guest_pc.addTrack(track)
                await guest_pc.setLocalDescription(await guest_pc.createOffer())
                answer = (await http.post(f"{base}/guests/join", json={
                    "token": made["token"], "sdp": guest_pc.localDescription.sdp,
                    "type": "offer"})).json()
                await guest_pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
                await http.post(f"{base}/guests/control",
                                json={"guest": made["guest"]["id"], "action": "admit"},
                                headers={"Authorization": f"Bearer {host}"})
                viewer_pc.addTransceiver("video", direction="recvonly")
                viewer_pc.addTransceiver("audio", direction="recvonly")

                async def watch_viewer(track: Any) -> None:
                    on = False
                    while True:
                        frame = await track.recv()
                        img = frame.to_ndarray(format="rgb24")
                        white = float(img[rect.y + 4:rect.y + rect.h // 2,
                                          rect.x + 4:rect.x + rect.w - 4].mean()) > 200
                        if white and not on:
                            seen["viewer"].append(time.monotonic())
                        on = white

                tasks = []
                viewer_pc.on("track", lambda t: tasks.append(asyncio.ensure_future(
                    watch_viewer(t))) if t.kind == "video" else None)
                await viewer_pc.setLocalDescription(await viewer_pc.createOffer())
                va = (await http.post(f"http://127.0.0.1:{port}/shows/main/webrtc/offer", json={
                    "sdp": viewer_pc.localDescription.sdp, "type": "offer"})).json()
                await viewer_pc.setRemoteDescription(RTCSessionDescription(va["sdp"], "answer"))
                await asyncio.sleep(3.0)
                starts = []
                for _ in range(flashes):
                    state["on"], state["t_on"] = True, time.monotonic()
                    starts.append(state["t_on"])
                    await asyncio.sleep(1.0)
                    state["on"] = False
                    await asyncio.sleep(1.0)
                for t in tasks:
                    t.cancel()
        finally:
            await guest_pc.close()
            await viewer_pc.close()
            server.should_exit = True
            await serving

    def delays(times: list[float]) -> list[float]:
        got = []
        for t0 in starts:
            after = [t - t0 for t in times if 0 <= t - t0 < 1.0]
            if after:
                got.append(after[0])
        return got

    video, audio, viewer = delays(seen["video"]), delays(seen["audio"]), delays(seen["viewer"])
    offsets = [v - a for v, a in zip(video, audio, strict=False)]
    out.update({
        "program_picture_delay_ms": _stats(video), "program_sound_delay_ms": _stats(audio),
        "viewer_picture_delay_ms": _stats(viewer),
        "guest_av_offset_through_program_ms": _stats(offsets),
        "load_after": load_average()})
    return out


def _vtt_seconds(stamp: str) -> float:
    """``HH:MM:SS.mmm`` -> seconds (webvtt-py's ``start_in_seconds`` drops the ms)."""
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ms = sorted(v * 1000 for v in values)
    return {"n": len(ms), "median": round(statistics.median(ms), 1),
            "p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
            "min": round(ms[0], 1), "max": round(ms[-1], 1)}


async def caption_host(quick: bool) -> dict[str, Any]:
    import av
    import webvtt

    from vhuman.models.tts import get_tts
    from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer
    from vhuman.stage.outputs.recorder import RecorderOutput

    text = ("Good evening and welcome to the show. Tonight, we talk about bridges, rivers "
            "and the people who build them. Our first guest has crossed every continent. "
            "She joins us from Lima, where it is still raining. Let us begin. First, a "
            "question for all of you at home: which bridge would you cross tomorrow? Write "
            "to us in the chat. Then, after the break, our second guest, a painter, shows "
            "us her work. Stay with us.")
    out: dict[str, Any] = {"voice": "piper", "load_before": load_average()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.mp4"
        perf = LivePerformer(LiveConfig(fps=FPS, width=64, height=64, realtime=False),
                             tts=get_tts("piper"), renderer_factory=lambda: PatternRenderer(64, 64))
        await perf.start()
        perf.add_output(RecorderOutput(path, width=64, height=64, fps=FPS,
                                       sample_rate=perf.sample_rate, lossless=True,
                                       fragmented=False))
        handle = await perf.say(text)
        await handle.done
        await perf.hold(0.3)
        await perf.close()
        with av.open(str(path)) as c:
            stream = c.streams.audio[0]
            audio = np.concatenate([f.to_ndarray().mean(axis=0) for f in c.decode(stream)])
            sr = stream.rate
        cues = list(webvtt.read(str(path.with_suffix(".vtt"))))
    win = int(0.01 * sr)
    env = np.array([np.abs(audio[i:i + win]).max() for i in range(0, len(audio) - win, win)])
    loud = env > 0.02
    lead = []
    for cue in cues:
        start = _vtt_seconds(cue.start)
        k = int(round(start * 100))
        # the sound of the cue's first word: the first loud 10 ms window after at least
        # 40 ms of quiet, looked for from 0.3 s before the cue to 0.3 s after it
        onset = None
        for j in range(max(4, k - 30), min(len(loud), k + 30)):
            if loud[j] and not loud[j - 4:j].any():
                onset = j
                if j >= k - 5:
                    break
        if onset is not None:
            lead.append(start - onset / 100)  # <= 0: the caption leads the sound
    out["cues"] = len(cues)
    out["measured_phrase_starts"] = len(lead)
    out["caption_minus_onset_ms"] = _stats(lead)
    out["load_after"] = load_average()
    return out


async def caption_people(quick: bool) -> dict[str, Any]:
    from fastapi.testclient import TestClient  # noqa: F401 - the app runs in this loop instead

    from vhuman.models.tts import get_tts
    from vhuman.stage.captions import Turn
    from vhuman.stage.captions.live import LiveCaptions
    from vhuman.stage.live import LiveConfig, LivePerformer, PatternRenderer

    n = 20 if quick else 60
    perf = LivePerformer(LiveConfig(fps=FPS, width=64, height=64), tts=get_tts("espeak"),
                         renderer_factory=lambda: PatternRenderer(64, 64))
    await perf.start()
    got: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    perf.add_output(LiveCaptions(lambda e: loop.call_soon_threadsafe(
        got.__setitem__, e.get("text", ""), time.monotonic())))
    sent: dict[str, float] = {}
    for i in range(n):
        text = f"Answer number {i} from the guest."
        now = perf.program_time()
        sent[text] = time.monotonic()
        perf.caption(Turn("Guest", "guest", text, "en", max(0.0, now - 2.0), now))
        await asyncio.sleep(0.15)
    await asyncio.sleep(0.5)
    await perf.close()
    delays = [got[t] - s for t, s in sent.items() if t in got]
    return {"turns": n, "delivered": len(delays), "entry_to_viewer_event_ms": _stats(delays),
            "load": load_average()}


async def caption_people_heard(quick: bool) -> dict[str, Any]:
    from bench.captions_heard import CLIPS, heard_caption_delay

    clips = CLIPS[:2] if quick else CLIPS
    out: dict[str, Any] = {"load_before": load_average()}
    out["with_partials"] = await heard_caption_delay(clips, partials=True)
    out["load_between"] = load_average()
    out["finals_only"] = await heard_caption_delay(clips, partials=False)
    out["load_after"] = load_average()
    return out


async def caption_translation(quick: bool) -> dict[str, Any]:
    from vhuman.models.llm import get_llm
    from vhuman.stage.captions.track import Cue
    from vhuman.stage.captions.translate import CaptionTranslator, TranslationQueue

    lines = ["Good evening and welcome to the show.", "Tonight we talk about bridges.",
             "Our first guest joins us from Lima.", "Write to us in the chat.",
             "Stay with us after the break.", "Thank you for watching."]
    lines = lines[:3] if quick else lines
    out: dict[str, Any] = {"model": "qwen2.5-coder-0.5b (llama.cpp)", "target": "es",
                           "load_before": load_average()}
    t0 = time.perf_counter()
    translator = CaptionTranslator(get_llm("llamacpp", model="qwen2.5-coder-0.5b"), "es")
    await translator.translate("Hello.", "en")  # load and warm the model
    out["load_and_first_s"] = round(time.perf_counter() - t0, 2)
    got: list[dict[str, Any]] = []
    queue = TranslationQueue(translator, got.append, asyncio.get_running_loop())
    for i, text in enumerate(lines):  # one line at a time, as a host speaks them
        queue.submit(Cue(float(i), i + 2.0, text, "Host", "host", "en", line=i + 1))
        while queue.handled + queue.dropped < i + 1:
            await asyncio.sleep(0.02)
    await queue.close()
    out["added_delay_ms"] = _stats(queue.delays)
    out["answers"] = {e["line"]: e["text"] for e in got}
    out["load_after"] = load_average()
    return out


async def caption_translation_quality(quick: bool) -> dict[str, Any]:
    from bench.caption_translation import translation_quality
    from vhuman.models.llm import get_llm

    out: dict[str, Any] = {"load_before": load_average()}
    packaged = get_llm("llamacpp", model="qwen2.5-coder-0.5b")
    out["packaged"] = {"model": "qwen2.5-coder-0.5b (llama.cpp)",
                       **await translation_quality(packaged, quick=quick)}
    out["load_between"] = load_average()
    url = os.environ.get("VHUMAN_CAPTION_TRANSLATOR_URL")
    if url:
        model = os.environ.get("VHUMAN_CAPTION_TRANSLATOR_MODEL") or "default"
        server = get_llm("openai", base_url=url, model=model, timeout=30.0)
        out["server"] = {"url": url, "model": model,
                         **await translation_quality(server, quick=quick)}
    else:
        out["server"] = "not configured (set VHUMAN_CAPTION_TRANSLATOR_URL)"
    out["load_after"] = load_average()
    return out


def run(quick: bool = False) -> dict[str, Any]:
    figures: dict[str, Any] = {"cpu_count": os.cpu_count()}
    figures["compose_ms"] = compose_cost(quick)
    figures["caption_host"] = asyncio.run(caption_host(quick))
    figures["caption_people"] = asyncio.run(caption_people(quick))
    figures["caption_people_heard"] = asyncio.run(caption_people_heard(quick))
    figures["caption_translation"] = asyncio.run(caption_translation(quick))
    figures["caption_translation_quality"] = asyncio.run(caption_translation_quality(quick))
    figures["guest_delay"] = asyncio.run(guest_delay(quick))
    figures["program_fps"] = asyncio.run(program_fps(quick))
    return figures


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
