"""The control room's guests panel, as seen from the page: click -> the program reacting.

One real ``vhuman serve`` (``bench/desks.py``: live performer, eSpeak, 256² at 25 fps),
one control room, and a guest in a second Chromium whose fake camera shows solid
magenta. Each round invites a guest (API), the guest opens the link and waits, then from
the panel:

- admit click -> the guest's picture in the page's program video (magenta in the frame);
- "side by side" click -> the guest filling the right half;
- "host full + guest PiP" click -> the right half back to the host;
- remove click -> no magenta left in the program.

The page samples its program video every 10 ms (a canvas read), so the figures include
WebRTC's video path (encode, jitter buffer, decode) and up to 10 ms of sampling; the
HTTP round trip of each click is reported beside them. ``python -m bench.run --only
desks_guests``.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench import load_average
from bench.bench_desks import _open, _stats
from bench.desks import (
    HOST_KEY,
    PROGRAM_SHARE_JS,
    DeskServer,
    fake_media_args,
    launch,
    write_camera_clip,
)

CLICK_UNTIL_JS = """async ([selector, box, op, level]) => {
  const share = SHARE;
  const t0 = performance.now();
  window.guests.lastAction = null;
  document.querySelector(selector).click();
  while (performance.now() - t0 < 30000) {
    const s = share(box);
    if (op === '>' ? s > level : s < level) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}""".replace("SHARE", PROGRAM_SHARE_JS)
WHOLE, RIGHT = [0, 0, 1, 1], [0.5, 0, 0.5, 1]


async def _click_until(page: Any, selector: str, box: list[float], op: str,
                       level: float) -> tuple[float | None, float | None]:
    """Click ``selector``; ms until the program's magenta share in ``box`` passes
    ``level``, and the click's HTTP round trip."""
    ms = await page.evaluate(CLICK_UNTIL_JS, [selector, box, op, level])
    http = await page.evaluate("window.guests.lastAction && window.guests.lastAction.ms")
    return ms, http


async def _measure(server: DeskServer, camera: Path, rounds: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    moves: dict[str, list[float]] = {k: [] for k in ("admit", "side_by_side", "host_pip", "remove")}
    http: dict[str, list[float]] = {k: [] for k in moves}
    missed: dict[str, int] = {k: 0 for k in moves}
    async with async_playwright() as p:
        browser = await launch(p)
        guests = await launch(p, fake_media_args(camera))
        try:
            page, _ = await _open(browser, f"{server.base}/control#show=main", HOST_KEY,
                                  "() => window.program && window.program.frames > 10 "
                                  "&& window.guests")
            for i in range(rounds):
                made = server.host("POST", "/v1/shows/main/guests",
                                   json={"name": f"Guest {i}", "ttl_s": 600}).json()
                guest = await guests.new_page()
                await guest.goto(f"{server.base}{made['link']}")
                await guest.wait_for_function(
                    "() => window.vhumanGuest && window.vhumanGuest.state === 'waiting'",
                    timeout=60_000)
                row = f"#guests li[data-guest='{made['guest']['id']}']"
                await page.wait_for_selector(f"{row}[data-state='waiting'] button[data-action='admit']",
                                             timeout=30_000)
                steps = (("admit", f"{row} button[data-action='admit']", WHOLE, ">", 0.005),
                         ("side_by_side", "#layouts button[data-layout='side_by_side']", RIGHT, ">", 0.6),
                         ("host_pip", "#layouts button[data-layout='host_pip']", RIGHT, "<", 0.2),
                         ("remove", f"{row} button[data-action='remove']", WHOLE, "<", 0.001))
                for name, selector, box, op, level in steps:
                    if name == "remove":
                        await page.wait_for_selector(f"{row}[data-state='on_air'] "
                                                     "button[data-action='remove']")
                    ms, round_trip = await _click_until(page, selector, box, op, level)
                    if ms is None:
                        missed[name] += 1
                    else:
                        moves[name].append(ms)
                    if round_trip is not None:
                        http[name].append(float(round_trip))
                    await asyncio.sleep(0.5)
                await guest.close()
        finally:
            await guests.close()
            await browser.close()
    out: dict[str, Any] = {"rounds": rounds}
    for name in moves:
        out[f"{name}_click_to_program_ms"] = _stats(moves[name])
        out[f"{name}_http_round_trip_ms"] = _stats(http[name])
        if missed[name]:
            out[f"{name}_not_seen_in_30s"] = missed[name]
    return out


def run(quick: bool = False) -> dict[str, Any]:
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        camera = write_camera_clip(Path(tmp) / "camera.y4m")
        server = DeskServer(Path(tmp) / "serve", size=256, fps=25).start()
        try:
            figures = asyncio.run(_measure(server, camera, 3 if quick else 5))
        finally:
            server.stop()
    figures["loadavg_before"] = load_before
    figures["loadavg_after"] = load_average()
    return figures


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
