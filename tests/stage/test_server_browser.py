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

_SERVER = """
import sys, uvicorn
from stage.server import create_app, ServerSettings, Backends
from stage.testing_performer import FakePerformer, FakeBrain
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
