"""A guest in real headless Chromium: a fake camera (Y4M file) and microphone (WAV file)
join from the invite link; the guest's picture appears in its region of the program and
their voice in its audio; captions reach the viewer page; remove cuts both within 1 s."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vhuman.models.tts import get_tts
from vhuman.stage.guests.layout import regions
from vhuman.stage.live import LiveConfig, LivePerformer
from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain


def _load(name: str):  # sibling helper modules (tests are not a package)
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


browser = _load("../browser")
server_test = _load("test_guest_server")
pytestmark = pytest.mark.skipif(browser.missing_reason() is not None,
                                reason=browser.missing_reason() or "")

HOST = "host-key-1234"
W, H, FPS = 192, 128, 25


def write_y4m(path: Path, rgb: tuple[int, int, int], *, width: int = 320, height: int = 240,
              fps: int = 15, frames: int = 30) -> None:
    """A solid-colour YUV4MPEG2 clip (full-range BT.601, 4:2:0) for a fake camera."""
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u, v = 128 + (b - y) * 0.564, 128 + (r - y) * 0.713
    planes = (bytes([int(round(y))]) * (width * height)
              + bytes([int(round(np.clip(u, 0, 255)))]) * (width * height // 4)
              + bytes([int(round(np.clip(v, 0, 255)))]) * (width * height // 4))
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + planes)


def write_tone(path: Path, hz: float = 440.0, seconds: float = 2.0, rate: int = 48000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    pcm = (0.4 * np.sin(2 * np.pi * hz * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_chromium_guest_is_seen_heard_captioned_and_removed(tmp_path: Path) -> None:
    import httpx
    import uvicorn

    camera, mic = tmp_path / "cam.y4m", tmp_path / "mic.wav"
    write_y4m(camera, (255, 0, 255))
    write_tone(mic)

    def performer(show_id: str, rundown: object) -> LivePerformer:
        return LivePerformer(LiveConfig(fps=FPS, width=W, height=H, layout="side_by_side"),
                             tts=get_tts("espeak"))

    settings = ServerSettings(api_keys={HOST: "host"}, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "b.db"))
    auth = {"Authorization": f"Bearer {HOST}"}
    rect = regions("side_by_side", W, H, 1)[1]

    async def main() -> dict[str, Any]:
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        serving = asyncio.create_task(server.serve())
        chrome = browser.Chromium(tmp_path / "profile", extra_args=[
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
            f"--use-file-for-fake-audio-capture={mic}"])
        await asyncio.to_thread(chrome.start)
        out: dict[str, Any] = {}
        keep = server_test.Keep()
        try:
            while not server.started:
                await asyncio.sleep(0.05)
            root = f"http://127.0.0.1:{port}"
            base = f"{root}/v1/shows/main"
            async with httpx.AsyncClient(timeout=30) as http:
                session = app.state.vhuman.sessions["main"]
                await session.wait_ready(60)
                perf = session.performer
                perf.add_output(keep)
                made = (await http.post(f"{base}/guests", headers=auth,
                                        json={"name": "Ana Lopez"})).json()
                viewer = await chrome.open(f"{root}/shows/main/view")
                # DevTools takes the address as its query: the fragment must be escaped
                guest = await chrome.open(f"{root}{made['link']}".replace("#", "%23"))
                await guest.wait_for(
                    "window.vhumanGuest && window.vhumanGuest.state === 'waiting'", 30)
                await guest.wait_for("window.vhumanGuest.link === 'connected'", 30)
                await http.post(f"{base}/guests/control", headers=auth,
                                json={"guest": made['guest']['id'], "action": "admit"})
                await guest.wait_for("window.vhumanGuest.state === 'on_air'", 10)
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:  # the guest's picture and voice arrive
                    recent = keep.ticks[-10:]
                    if recent and min(server_test.magenta_share(t, rect) for t in recent) > 0.8 \
                            and np.median([server_test.tone_share(t) for t in recent]) > 0.5:
                        break
                    await asyncio.sleep(0.1)
                n = len(keep.ticks)
                await asyncio.sleep(0.8)
                out["on_air"] = keep.ticks[n:]
                await viewer.wait_for("window.vhuman && window.vhuman.state === 'connected'", 20)
                await http.post(f"{base}/control/say", headers=auth,
                                json={"text": "Welcome, Ana. Thank you for joining us."})
                out["captions"] = await viewer.wait_for(
                    "window.vhuman.captions.length > 0 && window.vhuman.captions", 20)
                for text, final in (("So the first", False),
                                    ("So the first bridge was in Lima.", True)):
                    await http.post(f"{base}/captions", headers=auth, json={
                        "speaker": "Ana Lopez", "text": text, "id": "r1", "final": final})
                    await viewer.wait_for(  # each revision replaces the words shown
                        f"document.querySelector('#captions span').textContent"
                        f".endsWith({text!r})", 10)
                out["revisions"] = await viewer.wait_for(
                    "window.vhuman.captions.filter(c => c.id === 'api:r1')"
                    ".map(c => [c.rev, c.final])", 10)
                t_remove = time.monotonic()
                await http.post(f"{base}/guests/control", headers=auth,
                                json={"guest": made['guest']['id'], "action": "remove"})
                await asyncio.sleep(1.5)
                out["after"] = [t for t in keep.ticks if t.wall >= t_remove]
                out["t_remove"] = t_remove
                out["guest_page"] = await guest.wait_for(
                    "window.vhumanGuest.state === 'removed' && window.vhumanGuest.state", 10)
                perf.remove_output(keep)
        finally:
            await asyncio.to_thread(chrome.stop)
            server.should_exit = True
            await serving
        return out

    out = asyncio.run(main())
    on_air = out["on_air"]
    assert np.mean([server_test.magenta_share(t, rect) > 0.8 for t in on_air]) > 0.8
    assert np.median([server_test.tone_share(t) for t in on_air]) > 0.5
    cue = out["captions"][0]
    assert cue["type"] == "caption" and cue["text"].startswith("Welcome, Ana.")
    assert out["revisions"] == [[1, False], [2, True]]
    # remove cuts picture and sound within a second of the call, on the program's ticks
    after = out["after"]
    gone = next(t for t in after if server_test.magenta_share(t, rect) < 0.05
                and server_test.tone_share(t) < 0.2)
    assert gone.wall - out["t_remove"] <= 1.0
    assert all(server_test.magenta_share(t, rect) < 0.05 for t in after if t.index > gone.index)
    assert out["guest_page"] == "removed"
