"""Refresh the screenshots of the control room and the press desk in ``docs/images/``.

Starts a real ``vhuman serve`` (``bench/desks.py``), runs a show with some chat on it (one
message answered, its reply graded), a guest on air from a second Chromium with a fake
camera, asks the press desk a question by voice (Piper through a fake microphone) and
one typed, and captures both pages with Debian Chromium:

    .venv/bin/python scripts/screenshot_desks.py            # writes docs/images/*.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.desks import (  # noqa: E402
    HOST_KEY,
    PRESS_KEY,
    DeskServer,
    fake_media_args,
    launch,
    sign_in,
    write_camera_clip,
    write_spoken_question,
)


def control_room(browser: object, guest_browser: object, server: DeskServer, out: Path) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{server.base}/control#show=desk")
    sign_in(page, HOST_KEY)
    page.wait_for_function("() => window.control.show === 'desk' && window.program.frames > 30",
                           timeout=90_000)
    page.fill("#say-text", "Breaking news: the ice hockey final moved to Saturday!")
    page.select_option("#say-emotion", "excited")
    page.click("#say-button")
    for viewer, text, gift in (("Ann", "When does the ice hockey final start?", 0),
                               ("Bo", "Greetings from Oslo!", 5),
                               ("Cy", "Can you wave at us?", 0),
                               ("Dee", "you are shit", 0)):
        server.host("POST", "/v1/shows/desk/chat", json={"viewer": viewer, "text": text,
                                                         "gift": gift})
    page.wait_for_function("() => document.querySelectorAll('#chat-queue li[data-viewer]')"
                           ".length >= 3", timeout=30_000)
    page.wait_for_function("() => document.querySelector('#log').textContent"
                           ".includes('Breaking news')", timeout=60_000)
    page.click("#chat-queue li[data-viewer='Cy'] button:has-text('Answer now')")
    page.wait_for_selector("#chat-replies li[data-grade]", timeout=180_000)
    # a guest: invited from the panel, joins with a fake camera, admitted
    page.fill("#invite-name", "Ana Lopez")
    page.click("#invite-button")
    page.wait_for_selector("#invite-share:not([hidden])")
    guest = guest_browser.new_page()  # type: ignore[attr-defined]
    guest.goto(page.input_value("#invite-link"))
    page.wait_for_selector("#guests li[data-state='waiting'] button[data-action='admit']",
                           timeout=60_000)
    page.click("#guests li[data-state='waiting'] button[data-action='admit']")
    page.wait_for_selector("#guests li[data-state='on_air']", timeout=30_000)
    page.fill("#invite-name", "Bo Berg")
    page.select_option("#invite-role", "reporter")
    page.click("#invite-button")
    page.click("#cameras button[data-shot='medium']")
    page.click("#rundown-panel details summary")
    time.sleep(2.5)  # a few health samples for the charts
    page.screenshot(path=str(out / "control_room.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    time.sleep(0.5)
    page.screenshot(path=str(out / "control_room_phone.png"))
    page.close()


def press_desk(browser: object, server: DeskServer, out: Path) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(f"{server.base}/press")
    sign_in(page, PRESS_KEY)
    page.click("#mic-button")  # asked by voice: the fake microphone says it
    page.wait_for_function("() => window.pressVoice.asked.some((a) => a.shownAt !== null)",
                           timeout=300_000)
    page.click("#mic-button")
    for question in ("When is the ice hockey final?",):
        page.fill("#question", question)
        page.click("#ask-button")
        page.wait_for_function(f"() => window.press.answer && window.press.answer.question "
                               f"=== {question!r}", timeout=120_000)
    page.wait_for_selector("#doc-text mark#highlight")
    time.sleep(0.5)
    page.screenshot(path=str(out / "press_desk.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("window.scrollTo(0, 0)")
    time.sleep(0.3)
    page.screenshot(path=str(out / "press_desk_phone.png"))
    ctx.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = DeskServer(Path(tmp), size=256).start()
        try:
            r = server.host("POST", "/v1/shows", json={"rundown_path": "shows/desk.yaml",
                                                       "id": "desk", "start": True})
            r.raise_for_status()
            camera = write_camera_clip(Path(tmp) / "camera.y4m", (120, 170, 220))
            question = write_spoken_question(Path(tmp) / "question.wav",
                                             "Where is the curling final?", tail_s=8.0)
            with sync_playwright() as p:
                browser = launch(p, fake_media_args(microphone=question))
                guest_browser = launch(p, fake_media_args(camera))
                try:
                    control_room(browser, guest_browser, server, args.out)
                    press_desk(browser, server, args.out)
                finally:
                    guest_browser.close()
                    browser.close()
        finally:
            server.stop()
    print(f"screenshots written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
