"""The viewer page in real headless Chromium: WebRTC video plays and changes; a browser that
leaves is cleaned up."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import time
from pathlib import Path

import pytest

from vhuman.models.tts import get_tts
from vhuman.stage.live import LiveConfig, LivePerformer, Metrics
from vhuman.stage.outputs.webrtc import webrtc_router


def _load(name: str):  # sibling helper module (tests are not a package)
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


browser = _load("browser")
pytestmark = pytest.mark.skipif(browser.missing_reason() is not None,
                                reason=browser.missing_reason() or "")

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_viewer_plays_live_video(tmp_path: Path) -> None:
    import uvicorn
    from fastapi import FastAPI

    async def main() -> dict:
        metrics = Metrics()
        perf = LivePerformer(LiveConfig(fps=25, width=160, height=160),
                             tts=get_tts("espeak"), metrics=metrics)
        await perf.start()
        app = FastAPI()
        router = webrtc_router({"host": perf}, metrics=metrics)
        app.include_router(router)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        serving = asyncio.create_task(server.serve())
        chrome = browser.Chromium(tmp_path / "profile")
        await asyncio.to_thread(chrome.start)
        out: dict = {}
        try:
            while not server.started:
                await asyncio.sleep(0.05)
            page = await chrome.open(f"http://127.0.0.1:{port}/viewer?performer=host")
            await page.wait_for("window.vhuman && window.vhuman.state === 'connected'", 15)
            await perf.say("Hello viewers, welcome to the live stream. Nice to see you all.")
            await page.wait_for("document.getElementById('video').currentTime > 1", 15)
            first = await page.evaluate(browser.FRAME_HASH)
            hashes = {first}
            for _ in range(6):
                await asyncio.sleep(0.25)
                hashes.add(await page.evaluate(browser.FRAME_HASH))
            out["hashes"] = len(hashes)
            out["size"] = await page.evaluate(
                "[document.getElementById('video').videoWidth, document.getElementById('video').videoHeight]")
            out["peers_while_watching"] = metrics.value("webrtc_peers")
            # the one viewer page, alone (no show server): video only, no chat panel
            await page.wait_for("window.vhuman.bare === true", 10)
            out["side_shown"] = await page.evaluate(
                "getComputedStyle(document.getElementById('side')).display !== 'none'")
            await chrome.close_page(page)
            deadline = time.monotonic() + 12
            while router.viewers.peers and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            out["peers_after_leave"] = len(router.viewers.peers)
            out["ticks"] = perf.tick_index
            await asyncio.sleep(0.3)
            out["ticks_later"] = perf.tick_index
        finally:
            await asyncio.to_thread(chrome.stop)
            await router.viewers.close()
            server.should_exit = True
            await serving
            await perf.close()
        return out

    out = asyncio.run(main())
    assert out["size"] == [160, 160]
    assert out["hashes"] >= 3, out  # the picture moves (mouth, blinks, sway)
    assert out["peers_while_watching"] == 1
    assert out["side_shown"] is False
    assert out["peers_after_leave"] == 0  # a browser that leaves is cleaned up
    assert out["ticks_later"] > out["ticks"]  # and the show goes on
