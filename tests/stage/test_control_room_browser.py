"""The control room and the press desk in a real browser, against a real ``vhuman serve``.

Playwright (PyPI ``playwright``) drives Debian's ``/usr/bin/chromium`` (never a
downloaded browser). The server is the ``vhuman serve`` command on a loopback port, with
the live performer (eSpeak voice, 128² video), the dialogue brain and a two-document
knowledge base. Skipped with a reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.desks import (
    CHROMIUM,
    HOST_KEY,
    KEYS,
    PRESS_KEY,
    PROGRAM_SHARE_JS,
    RUNDOWN,
    DeskServer,
    fake_media_args,
    launch,
    sign_in,
    write_camera_clip,
    write_spoken_question,
)
from vhuman.stage.guests.layout import regions

BAD = RUNDOWN.replace("duration: 600", "duration: -5")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskServer]:
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser "
                        "download needed: Debian chromium is used)")
    srv = DeskServer(tmp_path_factory.mktemp("desk")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def playwright(server: DeskServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: object) -> Iterator[object]:
    b = launch(playwright)
    yield b
    b.close()


def test_control_room_runs_a_show_in_the_browser(server: DeskServer, browser: object) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.base}/control")
    page.fill("#key", "this-is-not-a-key")
    page.click("#signin button[type=submit]")
    page.wait_for_function("() => document.querySelector('#signin .state').textContent.includes('Wrong key')")
    sign_in(page, HOST_KEY)
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


def test_press_desk_answers_with_the_source_highlighted(server: DeskServer, browser: object) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(f"{server.base}/press")
    sign_in(page, PRESS_KEY)
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


def test_press_desk_asks_by_voice(server: DeskServer, playwright: object, tmp_path: Path) -> None:
    # a reporter's spoken question (Piper's voice through Chromium's fake microphone) goes
    # the listening path and is asked and answered like a typed one, with its source.
    # Chromium loops the file from the moment it captures, before the WebRTC connection
    # carries sound: a question already under way when the microphone comes on is not
    # taken ("clipped"), and the long silence after it means the next loop's question is
    # heard whole. The recogniser has the press kit's names and terms as its prompt.
    wav = write_spoken_question(tmp_path / "question.wav", "What day is the ice hockey final?",
                                lead_s=1.0, tail_s=9.0)
    talker = launch(playwright, fake_media_args(microphone=wav))
    try:
        page = talker.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server.base}/press")
        sign_in(page, PRESS_KEY)
        page.wait_for_selector("#documents li button")
        page.click("#mic-button")
        assert page.get_attribute("#mic-button", "aria-pressed") == "true"
        page.wait_for_function("() => window.pressVoice.state === 'listening'", timeout=60_000)
        peer = page.evaluate("window.pressVoice.peer")
        # a microphone is its opener's alone: another key does not read it
        assert server.host("GET", f"/v1/press/mic/{peer}").status_code == 404
        page.wait_for_function("() => window.pressVoice.asked.length > 0", timeout=120_000)
        heard = page.evaluate("window.pressVoice.asked[0].text")
        assert "hockey" in heard.lower(), heard
        page.wait_for_function("() => window.pressVoice.asked[0].shownAt !== null",
                               timeout=180_000)
        page.click("#mic-button")  # stop: the microphone closes on the server
        page.wait_for_function("() => window.pressVoice.state === 'closed'")
        assert page.get_attribute("#mic-button", "aria-pressed") == "false"
        answer = page.evaluate("window.pressVoice.asked[0].answer")
        assert answer["question"] == heard and answer["answered"], answer
        assert "21 February" in page.inner_text("#short-answer")
        assert "ice hockey final" in page.inner_text("#doc-text mark#highlight")
        asked = page.evaluate("window.pressVoice.asked.map((a) => a.text)")
        assert page.input_value("#question") in asked
        page.wait_for_function("() => document.querySelector('#history').textContent"
                               ".toLowerCase().includes('hockey')")
        closed = httpx.get(f"{server.base}/v1/press/mic/{peer}",
                           headers={"X-API-Key": PRESS_KEY}).json()
        assert closed["state"] == "closed"
        questions = [t["text"] for t in closed["heard"] if t["status"] == "ok"]
        assert questions[0] == heard, closed
        assert errors == []
    finally:
        talker.close()


def test_wrong_role_and_expired_session_get_clear_states(server: DeskServer,
                                                          browser: object) -> None:
    from vhuman.stage.server.keys import key_name
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


def test_guests_panel_invites_admits_and_lays_out_a_guest(server: DeskServer, playwright: object,
                                                          browser: object, tmp_path: Path) -> None:
    camera = write_camera_clip(tmp_path / "cam.y4m")
    guest_browser = launch(playwright, fake_media_args(camera))
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{server.base}/control#show=main")
        sign_in(page, HOST_KEY)
        page.wait_for_function("() => window.control.show === 'main' && window.program.frames > 5",
                               timeout=60_000)
        # camera shots from the buttons and the keyboard
        page.click("#cameras button[data-shot='close_up']")
        page.wait_for_selector("#cameras button[data-shot='close_up'][aria-pressed='true']")
        assert _camera(server)["shot"] == "close_up"
        page.keyboard.press("Shift+X")  # medium, by an ease
        page.wait_for_selector("#cameras button[data-shot='medium'][aria-pressed='true']")
        assert _camera(server)["transition"] == "ease"
        page.click("#cameras button[data-shot='guest']")  # no guest on air yet: refused
        page.wait_for_function("() => document.querySelector('#takeover-result').textContent"
                               ".includes('no guest is on air')")
        page.keyboard.press("z")
        page.wait_for_selector("#cameras button[data-shot='wide'][aria-pressed='true']")
        page.fill("#invite-name", "Ana Lopez")
        page.select_option("#invite-ttl", "900")
        page.click("#invite-button")
        page.wait_for_selector("#invite-share:not([hidden])")
        link = page.input_value("#invite-link")
        assert link.startswith(f"{server.base}/shows/main/guest#")
        page.wait_for_selector("#guests li[data-state='invited']")

        # the guest opens the link with a fake camera and waits to be admitted
        guest = guest_browser.new_page()
        guest.goto(link)
        guest.wait_for_function("() => window.vhumanGuest && window.vhumanGuest.state === 'waiting'",
                                timeout=60_000)
        page.wait_for_selector("#guests li[data-state='waiting'] button[data-action='admit']",
                               timeout=30_000)
        page.click("#guests li[data-state='waiting'] button[data-action='admit']")
        guest.wait_for_function("() => window.vhumanGuest.state === 'on_air'", timeout=30_000)
        page.wait_for_selector("#guests li[data-state='on_air']")
        assert "on air" in page.inner_text("#guests-result")
        # the guest's picture shows in the program the page plays (a corner tile: host_pip)
        assert page.evaluate("window.guests.layout") == "host_pip"
        page.wait_for_function(f"() => ({PROGRAM_SHARE_JS})([0, 0, 1, 1]) > 0.005", timeout=30_000)
        assert page.evaluate(PROGRAM_SHARE_JS, [0, 0, 1, 1]) < 0.2

        # the guest shot: the guest full frame, host picture-in-picture; wide gives the
        # layout back
        page.keyboard.press("v")
        page.wait_for_selector("#layouts button[data-layout='guest_pip'][aria-pressed='true']")
        page.wait_for_function(f"() => ({PROGRAM_SHARE_JS})({_box('guest_pip')}) > 0.6",
                               timeout=30_000)
        page.keyboard.press("z")
        page.wait_for_selector("#layouts button[data-layout='host_pip'][aria-pressed='true']")
        page.wait_for_function(f"() => ({PROGRAM_SHARE_JS})([0, 0, 1, 1]) < 0.2",
                               timeout=30_000)  # the program shows the corner tile again
        # side by side from the layout buttons: the guest fills the right half, the host
        # keeps the left (one frame of the page's program shows both)
        page.click("#layouts button[data-layout='side_by_side']")
        page.wait_for_selector("#layouts button[data-layout='side_by_side'][aria-pressed='true']")
        page.wait_for_function(f"() => ({PROGRAM_SHARE_JS})({_box('side_by_side')}) > 0.6 && "
                               f"({PROGRAM_SHARE_JS})({_box('side_by_side', 0)}) < 0.05",
                               timeout=30_000)

        page.click("#guests li[data-state='on_air'] button[data-action='mute']")
        page.wait_for_selector("#guests li[data-state='muted'] button[data-action='unmute']")
        page.click("#guests li[data-state='muted'] button[data-action='remove']")
        guest.wait_for_function("() => window.vhumanGuest.state === 'removed'", timeout=30_000)
        page.wait_for_selector("#guests li[data-state='removed']")
        page.wait_for_function(f"() => ({PROGRAM_SHARE_JS})([0, 0, 1, 1]) < 0.001",
                               timeout=30_000)
        # an action the guest's state does not allow is refused with its reason, nothing stuck
        gid = page.get_attribute("#guests li[data-state='removed']", "data-guest")
        r = server.host("POST", "/v1/shows/main/guests/control",
                        json={"guest": gid, "action": "admit"})
        assert r.status_code == 409 and "removed" in r.text
        page.click("#layouts button[data-layout='host_pip']")
        page.wait_for_selector("#layouts button[data-layout='host_pip'][aria-pressed='true']")
        assert errors == []
    finally:
        ctx.close()
        guest_browser.close()


def _camera(server: DeskServer) -> dict[str, object]:
    status = server.host("GET", "/v1/shows/main").json()
    return status["performer"]["camera"]  # type: ignore[no-any-return]


def _box(layout: str, index: int = 1) -> str:
    """A program region (0 the host, 1 the guest) as fractions, in JavaScript."""
    rect = regions(layout, 128, 128, 1)[index]
    return f"[{rect.x / 128}, {rect.y / 128}, {rect.w / 128}, {rect.h / 128}]"


def test_server_restart_mid_show_recovers_without_a_new_sign_in(server: DeskServer,
                                                                 browser: object) -> None:
    r = server.host("POST", "/v1/shows", json={"rundown_path": "shows/desk.yaml",
                                               "id": "late", "start": True})
    assert r.status_code == 201, r.text
    ctx = browser.new_context()  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.base}/control#show=late")
    sign_in(page, HOST_KEY)
    page.wait_for_function("() => window.control.show === 'late' && window.program.frames > 5",
                           timeout=60_000)
    server.stop()
    page.wait_for_function("() => document.querySelector('#connection').textContent"
                           ".includes('unreachable')", timeout=30_000)
    server.start()
    # back: the same sign-in still holds, the show that was lost is reported, the
    # program reconnects to the show that exists
    page.wait_for_function("() => document.querySelector('#connection').textContent === ''",
                           timeout=60_000)
    page.wait_for_function("() => window.control.show === 'main'", timeout=30_000)
    page.wait_for_function("() => window.program.frames > 5", timeout=60_000)
    assert page.evaluate("document.body.dataset.signedIn") == "true"
    assert errors == []
    ctx.close()
