"""HTML/JS sent in chat reaches a real browser's viewer page as text, never as markup.

Headless Chromium (Debian ``chromium``) is driven over the DevTools protocol; skipped
with a reason when the binary is absent.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>hi'
OTHER_PAYLOAD = '<img src=y onerror="window.__pwned=3">hello from Eve'

_SERVER = """
import sys, uvicorn
from vhuman.stage.server import create_app, ServerSettings, Backends
from vhuman.stage.testing_performer import FakePerformer, FakeBrain
settings = ServerSettings(database_url=sys.argv[1], _env_file=None)
app = create_app(settings, backends=Backends(lambda s, r: FakePerformer(0.01),
                                             lambda s, r: FakeBrain()))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, timeout: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian 'chromium')")
def test_chat_markup_is_shown_as_text_in_a_real_browser(tmp_path: Path) -> None:
    port, devtools = _free_port(), _free_port()
    server = subprocess.Popen([sys.executable, "-c", _SERVER, f"sqlite:///{tmp_path}/b.db",
                               str(port)], cwd=ROOT, env={**os.environ,
                                                          "PYTHONPATH": str(ROOT)})
    browser = subprocess.Popen([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                                "--no-first-run", "--disable-background-networking",
                                "--disable-component-update", "--disable-sync",
                                f"--user-data-dir={tmp_path / 'profile'}",
                                f"--remote-debugging-port={devtools}", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz")
        targets = _wait_http(f"http://127.0.0.1:{devtools}/json/list").json()
        page = next(t for t in targets if t["type"] == "page")
        result = asyncio.run(_drive(page["webSocketDebuggerUrl"], port))
    finally:
        browser.send_signal(signal.SIGTERM)
        server.send_signal(signal.SIGKILL)
        browser.wait(10)
        server.wait(10)
    assert result["pwned"] is None
    assert result["images"] == 0 and result["scripts_in_log"] == 0
    assert PAYLOAD in result["texts"]  # shown verbatim, as text
    assert any(t.startswith("Eve, thanks") for t in result["texts"])


async def _drive(ws_url: str, port: int) -> dict:
    ids = iter(range(1, 10_000))

    async with websockets.connect(ws_url, max_size=None) as cdp:
        async def call(method: str, **params: object) -> dict:
            mid = next(ids)
            await cdp.send(json.dumps({"id": mid, "method": method, "params": params}))
            while True:
                msg = json.loads(await asyncio.wait_for(cdp.recv(), 30))
                if msg.get("id") == mid:
                    return msg.get("result", {})

        async def evaluate(expr: str) -> object:
            out = await call("Runtime.evaluate", expression=expr, returnByValue=True)
            return out.get("result", {}).get("value")

        await call("Page.enable")
        await call("Page.navigate", url=f"http://127.0.0.1:{port}/shows/main/view")
        for _ in range(200):  # until the page's chat socket is open
            if await evaluate("document.readyState") == "complete" and await evaluate(
                    "fetch('/healthz').then(r => r.json()).then(j => j.viewers)") is not None:
                async with httpx.AsyncClient() as client:
                    viewers = (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
                if viewers["viewers"] >= 1:
                    break
            await asyncio.sleep(0.1)
        async with httpx.AsyncClient() as client:
            r = await client.post(f"http://127.0.0.1:{port}/v1/chat",
                                  json={"viewer": "Eve", "text": PAYLOAD})
            assert r.status_code == 202
        texts: list[str] = []
        for _ in range(100):
            texts = await evaluate(  # type: ignore[assignment]
                "[...document.querySelectorAll('#log li .text')].map(e => e.textContent)")
            if texts and any(t.startswith("Eve, thanks") for t in texts):
                break
            await asyncio.sleep(0.1)
        return {"texts": texts or [],
                "pwned": await evaluate("window.__pwned === undefined ? null : window.__pwned"),
                "images": await evaluate("document.querySelectorAll('#log img').length"),
                "scripts_in_log": await evaluate(
                    "document.querySelectorAll('#log script').length")}


# -- the real live performer behind the server, watched and chatted with from the page --


def _browser_kit():  # sibling helper module (tests are not a package)
    import importlib.util

    spec = importlib.util.spec_from_file_location("browser", Path(__file__).parent / "browser.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian 'chromium')")
def test_live_show_in_a_real_browser_video_chat_answer_and_markup(tmp_path: Path) -> None:
    out = asyncio.run(_live_session(tmp_path))
    assert out["ready_at_first"] is False and out["ready_later"] is True  # warm-up first
    assert out["warmup"]["total_s"] > 0
    assert out["size"] == [128, 128]
    assert out["current_time"] > 1.0
    assert out["hashes"] >= 3, out  # the picture moves (mouth, blinks, sway)
    assert ("What are you cooking today?", "Ada") in out["asked"]  # reached the brain
    assert any(t.startswith("Ada, thanks for asking about What are you cooking")
               for t in out["replies"]), out["replies"]
    assert out["first_audio_s"] is not None and out["first_audio_s"] < 3.0
    assert out["pwned"] is None and out["images"] == 0
    assert OTHER_PAYLOAD in out["texts"]  # another viewer's markup, shown verbatim as text
    assert any(PAYLOAD in t for t in out["own_lines"])  # and our own, as text too
    assert out["stored_sources"] >= {"ws", "http"}
    metrics = out["metrics"]
    assert 'vhuman_webrtc_peers 1.0' in metrics
    assert 'vhuman_live_ticks_total{show="main"}' in metrics
    assert 'vhuman_performer_output_dropped{output="webrtc-' in metrics
    assert 'vhuman_live_stage_latency_seconds_count{show="main",stage="text_to_first_audio"}' \
        in metrics or 'stage="text_to_first_audio",show="main"' in metrics
    assert out["peers_after_leave"] == 0


async def _live_session(tmp_path: Path) -> dict:
    import uvicorn

    from vhuman.stage.live import AvatarRenderer, LiveConfig, LivePerformer
    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.store import SQLiteStore
    from vhuman.stage.testing_performer import FakeBrain

    kit = _browser_kit()
    brains: list[FakeBrain] = []

    def performer(show_id: str, rundown: object) -> LivePerformer:
        config = LiveConfig(fps=25, width=128, height=128, voice="espeak")
        return LivePerformer(config, renderer_factory=lambda: AvatarRenderer(None, 128, 128))

    def brain(show_id: str, rundown: object) -> FakeBrain:
        brains.append(FakeBrain())
        return brains[-1]

    store = SQLiteStore(tmp_path / "live.db")
    app = create_app(ServerSettings(_env_file=None), backends=Backends(performer, brain),
                     store=store)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    serving = asyncio.create_task(server.serve())
    chrome = kit.Chromium(tmp_path / "profile")
    out: dict = {}
    base = f"http://127.0.0.1:{port}"
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            out["ready_at_first"] = (await client.get("/readyz")).json()["ready"]
            await asyncio.to_thread(chrome.start)
            for _ in range(600):
                ready = (await client.get("/readyz")).json()
                if ready["ready"]:
                    break
                await asyncio.sleep(0.1)
            out["ready_later"] = ready["ready"]
            out["warmup"] = ready["shows"]["main"]["warmup"]
            page = await chrome.open(f"{base}/")
            await page.wait_for("window.vhuman && window.vhuman.state === 'connected'", 20)
            await page.wait_for("document.getElementById('video').currentTime > 1", 20)
            out["current_time"] = await page.evaluate("document.getElementById('video').currentTime")
            await page.type_into("#name", "Ada")
            await page.type_into("#message", "What are you cooking today?")
            await page.evaluate("document.getElementById('send').click()")
            hashes = {await page.evaluate(kit.FRAME_HASH)}
            for _ in range(8):  # the answer is spoken meanwhile: the mouth moves
                await asyncio.sleep(0.25)
                hashes.add(await page.evaluate(kit.FRAME_HASH))
            out["hashes"] = len(hashes)
            out["size"] = await page.evaluate("[document.getElementById('video').videoWidth, "
                                              "document.getElementById('video').videoHeight]")
            out["replies"] = await page.wait_for(
                "(() => { const r = [...document.querySelectorAll('#log li.reply .text')]"
                ".map(e => e.textContent); return r.length ? r : null; })()", 20)
            out["asked"] = brains[0].asked
            samples = app.state.vhuman.metrics.samples("vhuman_chat_first_audio_seconds",
                                                       {"show": "main"})
            out["first_audio_s"] = samples[0] if samples else None
            # markup, from this page and from another viewer, stays text
            await page.type_into("#message", PAYLOAD)
            await page.evaluate("document.getElementById('send').click()")
            r = await client.post("/v1/chat", json={"viewer": "Eve", "text": OTHER_PAYLOAD})
            assert r.status_code == 202, r.text
            out["texts"] = await page.wait_for(
                "(() => { const t = [...document.querySelectorAll('#log li .text')]"
                f".map(e => e.textContent); return t.includes({OTHER_PAYLOAD!r}) ? t : null; }})()",
                10)
            out["own_lines"] = await page.evaluate(
                "[...document.querySelectorAll('#log li')].map(e => e.textContent)")
            out["pwned"] = await page.evaluate(
                "window.__pwned === undefined ? null : window.__pwned")
            out["images"] = await page.evaluate("document.querySelectorAll('#log img').length")
            out["stored_sources"] = {c.source for c in store.chats("main", limit=50)}
            out["metrics"] = (await client.get("/metrics")).text
            await chrome.close_page(page)
            viewers = app.state.vhuman_live.webrtc
            for _ in range(120):
                if not viewers.peers:
                    break
                await asyncio.sleep(0.1)
            out["peers_after_leave"] = len(viewers.peers)
    finally:
        await asyncio.to_thread(chrome.stop)
        server.should_exit = True
        await serving
    return out
