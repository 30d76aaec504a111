"""A small headless-Chromium driver over the DevTools protocol (``websockets``, no npm).

Starts Debian's ``/usr/bin/chromium`` with a throwaway profile, opens pages, evaluates
JavaScript and types text, enough for end-to-end tests of the viewer page.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

FRAME_HASH = """(() => {
  const v = document.getElementById('video');
  const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d'); g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let h = 0; for (let i = 0; i < d.length; i += 7) { h = (h * 31 + d[i]) >>> 0; }
  return h;
})()"""
"""JavaScript: a hash of the pixels the page's <video> shows now (changes when frames do)."""


def missing_reason() -> str | None:
    return None if Path(CHROMIUM).exists() else "chromium is not installed (apt-get install chromium)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Page:
    """One tab, driven over its DevTools WebSocket."""

    def __init__(self, ws: Any, target_id: str) -> None:
        self.ws = ws
        self.target_id = target_id
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.console: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):  # the tab closed: nothing more to read
            await self._read_loop()

    async def _read_loop(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            fut = self._pending.pop(msg.get("id", -1), None)
            if fut is not None and not fut.done():
                fut.set_result(msg)
            elif msg.get("method") == "Runtime.consoleAPICalled":
                args = msg["params"].get("args", [])
                self.console.append(" ".join(str(a.get("value", a.get("description"))) for a in args))

    async def send(self, method: str, params: dict[str, Any] | None = None,
                   timeout: float = 10.0) -> dict[str, Any]:
        msg_id = next(self._ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = fut
        await self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        reply = await asyncio.wait_for(fut, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def evaluate(self, expression: str, timeout: float = 10.0) -> Any:
        """Evaluate JS (promises awaited) and return its JSON value."""
        result = await self.send("Runtime.evaluate", {"expression": expression,
                                                      "awaitPromise": True,
                                                      "returnByValue": True}, timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JS error: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, timeout: float = 15.0, interval: float = 0.1) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {expression}; console: {self.console[-5:]}")
            await asyncio.sleep(interval)

    async def type_into(self, selector: str, text: str) -> None:
        """Focus an element and type ``text`` as keyboard input."""
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        await self.send("Input.insertText", {"text": text})

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()


class Chromium:
    """A headless Chromium process with remote debugging on a free local port."""

    def __init__(self, profile_dir: Path, extra_args: Sequence[str] = ()) -> None:
        self.port = _free_port()
        self.profile = profile_dir
        self.extra_args = list(extra_args)  # e.g. a fake camera and microphone from files
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        self.proc = subprocess.Popen([
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-quic", f"--user-data-dir={self.profile}",
            f"--remote-debugging-port={self.port}", "--remote-allow-origins=*",
            "--autoplay-policy=no-user-gesture-required",
            "--disable-features=WebRtcHideLocalIpsWithMdns", *self.extra_args, "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._http("/json/version")
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("chromium exited at start") from None
                time.sleep(0.1)
        raise RuntimeError("chromium did not open its DevTools port")

    def _http(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method)
        with urllib.request.urlopen(req, timeout=5) as res:
            body = res.read()
        try:
            return json.loads(body)
        except ValueError:  # /json/close answers plain text
            return body.decode(errors="replace")

    async def open(self, url: str) -> Page:
        import websockets

        target = await asyncio.to_thread(self._http, f"/json/new?{url}", "PUT")
        ws = await websockets.connect(target["webSocketDebuggerUrl"], max_size=None)
        page = Page(ws, target["id"])
        await page.send("Runtime.enable")
        return page

    async def close_page(self, page: Page) -> None:
        """Close a tab the way a viewer leaving does."""
        await page.close()
        await asyncio.to_thread(self._http, f"/json/close/{page.target_id}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None
