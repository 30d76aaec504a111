"""The control room and the press desk in a real browser, against a real ``vhuman serve``.

Playwright (PyPI ``playwright``) drives Debian's ``/usr/bin/chromium`` (never a
downloaded browser). The server is the ``vhuman serve`` command on a loopback port, with
the live performer (eSpeak voice, 128² video), the dialogue brain and a two-document
knowledge base. Skipped with a reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOST_KEY, PRESS_KEY = "host-secret-browser", "press-secret-browser"
KEYS = {HOST_KEY: "host", PRESS_KEY: "reporter"}

GOOD = """show:
  title: Browser desk test
preemption:
  viewer_interrupts: []      # chat waits in the queue for the host (no chat segment)
segments:
  - type: say
    id: opening
    lines:
      - "Good evening and welcome to the desk test."
      - "We have a lot to get through tonight."
      - "First, the weather."
  - type: say
    id: weather
    lines:
      - "It is sunny in the mountains and snowing in the valley."
      - "Tomorrow looks the same."
  - type: pause
    id: hold
    duration: 120
"""
BAD = GOOD.replace("duration: 120", "duration: -5")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``vhuman serve`` in a subprocess, on a free loopback port."""

    def __init__(self, tmp: Path) -> None:
        import json

        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "serve.log"
        self.env = {**os.environ, "VHUMAN_API_KEYS": json.dumps(KEYS),
                    "VHUMAN_DATABASE_URL": f"sqlite:///{tmp / 'serve.db'}",
                    "VHUMAN_HOST": "127.0.0.1", "VHUMAN_PORT": str(self.port),
                    "VHUMAN_TTS_BACKEND": "espeak", "VHUMAN_LIVE_WIDTH": "128",
                    "VHUMAN_LIVE_HEIGHT": "128", "VHUMAN_LIVE_FPS": "15",
                    "VHUMAN_WARM_UP": "false", "VHUMAN_KNOWLEDGE_DIR": str(tmp / "kb"),
                    "VHUMAN_MEDIA_ROOT": str(tmp / "media"),
                    "VHUMAN_OUTPUT_ROOT": str(tmp / "recordings"),
                    "VHUMAN_ALLOW_ANONYMOUS_VIEWERS": "true"}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180.0) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "vhuman", "serve"], cwd=ROOT,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vhuman serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"vhuman serve not ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser "
                        "download needed: Debian chromium is used)")
    tmp = tmp_path_factory.mktemp("desk")
    (tmp / "kb").mkdir()
    for name in ("schedule.md", "venues.md"):
        shutil.copy(ROOT / "examples" / "kb" / name, tmp / "kb" / name)
    (tmp / "media" / "shows").mkdir(parents=True)
    (tmp / "media" / "shows" / "desk.yaml").write_text(GOOD)
    srv = Server(tmp)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


def _sign_in(page: object, key: str) -> None:
    page.fill("#key", key)  # type: ignore[attr-defined]
    page.click("#signin button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#app:not([hidden])")  # type: ignore[attr-defined]


def test_control_room_runs_a_show_in_the_browser(server: Server, browser: object) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.base}/control")
    page.fill("#key", "this-is-not-a-key")
    page.click("#signin button[type=submit]")
    page.wait_for_function("() => document.querySelector('#signin .state').textContent.includes('Wrong key')")
    _sign_in(page, HOST_KEY)
    assert HOST_KEY not in page.url and "key" not in page.url

    # a rundown with an error, uploaded: the line-numbered problem is shown
    page.set_input_files("#create-file", files=[{"name": "bad.yaml", "mimeType": "text/yaml",
                                                  "buffer": BAD.encode()}])
    page.click("#create-button")
    problem = page.wait_for_selector("#create-problems li")
    line = BAD.splitlines().index("    duration: -5") + 1
    assert f"rundown_yaml:{line}:" in problem.inner_text() and "duration" in problem.inner_text()

    # the good one, picked from the media root, created and started
    page.wait_for_function("() => [...document.querySelectorAll('#create-path option')]"
                           ".some(o => o.value === 'shows/desk.yaml')")
    page.select_option("#create-path", "shows/desk.yaml")
    page.fill("#create-id", "desk")
    page.check("#create-start")
    page.click("#create-button")
    page.wait_for_function("() => window.control.show === 'desk'", timeout=120_000)
    page.wait_for_function("() => document.querySelector('#timeline li.on_air') !== null",
                           timeout=60_000)
    # program video frames arrive over WebRTC
    page.wait_for_function("() => window.program.frames > 15 && "
                           "document.getElementById('program').videoWidth > 0", timeout=60_000)
    size = page.evaluate("[document.getElementById('program').videoWidth, "
                         "document.getElementById('program').videoHeight]")
    assert size == [128, 128]

    # say-now from the keyboard, then in the show log
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "say-text"
    page.keyboard.type("Breaking news from the browser test")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#say-result').textContent.includes('Say now: done')")
    page.wait_for_function("() => document.querySelector('#log').textContent"
                           ".includes('Breaking news from the browser test')", timeout=60_000)

    # a viewer's message waits in the queue; the host blocks them
    r = httpx.post(f"{server.base}/v1/shows/desk/chat",
                   json={"viewer": "Troll", "text": "buy followers at my shop now"})
    assert r.status_code == 202, r.text
    page.wait_for_selector("#chat-queue li[data-viewer='Troll']")
    page.click("#chat-queue li[data-viewer='Troll'] button[aria-label='block Troll']")
    page.wait_for_selector("#chat-blocked li[data-viewer='Troll']", state="attached")
    page.wait_for_function("() => !document.querySelector(\"#chat-queue li[data-viewer='Troll']\")")
    again = httpx.post(f"{server.base}/v1/shows/desk/chat",
                       json={"viewer": "Troll", "text": "let me back in"})
    assert again.json()["reason"] == "blocked"

    # the show deleted from another control room: this one says so and moves on
    httpx.delete(f"{server.base}/v1/shows/desk", headers={"X-API-Key": HOST_KEY})
    page.wait_for_function("() => window.control.show !== 'desk'", timeout=30_000)
    assert "desk" not in page.eval_on_selector_all("#show-select option",
                                                   "os => os.map(o => o.value)")
    assert errors == []
    ctx.close()


def test_press_desk_answers_with_the_source_highlighted(server: Server, browser: object) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(f"{server.base}/press")
    _sign_in(page, PRESS_KEY)
    page.wait_for_selector("#documents li button")
    assert page.eval_on_selector_all("#documents li", "ls => ls.length") == 2
    page.fill("#question", "When is the ice hockey final?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#short-answer", timeout=120_000)
    answer = page.evaluate("window.press.answer")
    assert answer["answered"], answer
    assert "21 February" in page.inner_text("#short-answer")
    mark = page.wait_for_selector("#doc-text mark#highlight")
    source = answer["sources"][-1]
    assert mark.inner_text() == source["text"] and "ice hockey final" in mark.inner_text()
    assert page.inner_text("#doc-name").endswith("schedule.md")
    page.wait_for_function("() => document.querySelectorAll('#history li').length >= 1")
    assert "ice hockey" in page.inner_text("#history")
    # a question the kit cannot answer shows the closest passage instead
    page.fill("#question", "What is the favourite colour of the mayor's cat?")
    page.click("#ask-button")
    page.wait_for_function("() => document.querySelector('#short-answer').textContent"
                           ".includes(\"doesn't say\")", timeout=60_000)
    assert page.query_selector("#doc-text mark#highlight") is not None
    ctx.close()


def test_wrong_role_and_expired_session_get_clear_states(server: Server,
                                                          browser: object) -> None:
    from vhuman.stage.server.auth import key_name
    from vhuman.stage.server.pagesession import SESSION_COOKIE, issue
    from vhuman.stage.server.settings import ServerSettings

    ctx = browser.new_context()  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(f"{server.base}/control")
    page.fill("#key", PRESS_KEY)
    page.click("#signin button[type=submit]")
    page.wait_for_function("() => document.querySelector('#signin .state').textContent"
                           ".includes('needs a host key')")
    settings = ServerSettings(api_keys=KEYS, _env_file=None)  # type: ignore[call-arg]
    old, _ = issue(settings, "host", key_name(HOST_KEY, "host"), now=time.time() - 86_400)
    ctx.add_cookies([{"name": SESSION_COOKIE, "value": old, "url": server.base}])
    page.goto(f"{server.base}/control")
    page.wait_for_function("() => document.querySelector('#signin .state').textContent"
                           ".includes('session expired')")
    assert page.is_hidden("#app")
    ctx.close()
