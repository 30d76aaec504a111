"""Control room and press desk figures, as seen from the pages, with 2 control rooms and
20 press desks open at once on one real ``vhuman serve`` (``bench/desks.py``: live
performer with the eSpeak voice at 256², dialogue brain, two-document knowledge base).

- page load: navigation start -> load event, and bytes transferred (document + assets),
  each page opened cold (its own browser context, nothing cached); then sign-in click ->
  the desk filled (control: the show list; press: the document list).
- say-now -> first audio: the control room's "Say now" click (page clock) -> its program
  audio meter rising above -50 dBFS (WebRTC audio through a WebAudio analyser).
- interrupt -> silence: the "Interrupt" click while the host speaks -> the meter falling
  below -50 dBFS and staying there for 300 ms.
- press desk answers: "Ask" click -> the answer rendered, all 20 desks asking at once.

The meter is sampled every 20 ms in the page, so click-to-audio figures include up to
20 ms of sampling plus the WebRTC jitter buffer. ``python -m bench.run --only desks``.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import load_average
from bench.desks import CHROMIUM, HOST_KEY, PRESS_KEY, DeskServer

QUESTIONS = ("When is the ice hockey final?", "Where is the curling final?",
             "When is the opening ceremony?", "When is the biathlon relay?",
             "How many seats does the Crystal Arena have?")
LOAD_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  return {load_ms: nav.loadEventEnd - nav.startTime,
          bytes: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0),
          body_bytes: nav.encodedBodySize + res.reduce((a, r) => a + r.encodedBodySize, 0),
          files: 1 + res.length};
}"""


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    values = sorted(values)
    return {"n": len(values), "p50": round(statistics.median(values), 1),
            "min": round(values[0], 1), "max": round(values[-1], 1),
            "mean": round(statistics.fmean(values), 1)}


async def _open(browser: Any, url: str, key: str, ready_js: str) -> tuple[Any, dict[str, Any]]:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    await page.goto(url)
    await page.wait_for_load_state("load")
    load = await page.evaluate(LOAD_JS)
    t0 = time.perf_counter()
    await page.fill("#key", key)
    await page.click("#signin button[type=submit]")
    await page.wait_for_function(ready_js, timeout=60_000)
    load["signed_in_ready_ms"] = (time.perf_counter() - t0) * 1000
    return page, load


async def _action_ms(page: Any, label: str) -> float:
    """The HTTP round trip of the page's last action (click -> the server's answer)."""
    handle = await page.wait_for_function(
        f"() => window.control.lastAction && window.control.lastAction.label === {label!r} "
        "&& window.control.lastAction.ms", timeout=30_000)
    return float(await handle.json_value())


async def _say_and_interrupt(page: Any, rounds: int) -> dict[str, Any]:
    say, silence, say_http, stop_http, buffered = [], [], [], [], []
    text = ("This is a long sentence from the control room, spoken so that the host can "
            "cut it off in the middle and we can hear the silence come back.")
    for _ in range(rounds):
        await page.wait_for_function("() => window.program.level < window.program.SILENCE_DB",
                                     timeout=30_000)
        await page.fill("#say-text", text)
        t0 = await page.evaluate("() => { const t = performance.now(); "
                                 "window.control.lastAction = null; "
                                 "document.getElementById('say-button').click(); return t; }")
        onset = await page.wait_for_function(
            f"() => window.program.soundSince !== null && window.program.soundSince > {t0} "
            "&& window.program.soundSince", timeout=30_000)
        say.append(await onset.json_value() - t0)
        say_http.append(await _action_ms(page, "Say now"))
        await asyncio.sleep(1.2)
        t1 = await page.evaluate("() => { const t = performance.now(); "
                                 "window.control.lastAction = null; "
                                 "document.getElementById('interrupt').click(); return t; }")
        quiet = await page.wait_for_function(
            f"() => window.program.silentSince !== null && window.program.silentSince > {t1} "
            "&& performance.now() - window.program.silentSince > 300 "
            "&& window.program.silentSince", timeout=30_000)
        silence.append(await quiet.json_value() - t1)
        stop_http.append(await _action_ms(page, "Interrupt"))
        buffer_ms = await page.evaluate("window.program.audioBufferMs")
        if buffer_ms is not None:
            buffered.append(float(buffer_ms))
        await asyncio.sleep(1.0)
    return {"say_now_to_first_audio_ms": _stats(say),
            "say_now_http_round_trip_ms": _stats(say_http),
            "interrupt_to_silence_ms": _stats(silence),
            "interrupt_http_round_trip_ms": _stats(stop_http),
            "browser_audio_jitter_buffer_ms": _stats(buffered)}


async def _ask(page: Any, question: str) -> float:
    await page.fill("#question", question)
    t0 = time.perf_counter()
    await page.click("#ask-button")
    await page.wait_for_function(f"() => window.press.answer && window.press.answer.question "
                                 f"=== {question!r}", timeout=180_000)
    return (time.perf_counter() - t0) * 1000


async def _measure(server: DeskServer, rounds: int, press_desks: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"])
        try:
            control_ready = ("() => document.querySelectorAll('#shows tr').length > 0 && "
                             "window.program && window.program.frames > 10")
            rooms = [await _open(browser, f"{server.base}/control#show=main", HOST_KEY,
                                 control_ready) for _ in range(2)]
            press_ready = "() => document.querySelectorAll('#documents li button').length > 0"
            desks = await asyncio.gather(*[
                _open(browser, f"{server.base}/press", PRESS_KEY, press_ready)
                for _ in range(press_desks)])
            # everyone asks at once (the first question also loads the span reader)
            asks = await asyncio.gather(*[_ask(page, QUESTIONS[i % len(QUESTIONS)])
                                          for i, (page, _) in enumerate(desks)])
            clicks = await _say_and_interrupt(rooms[0][0], rounds)
            asks_again = await asyncio.gather(*[_ask(page, QUESTIONS[(i + 1) % len(QUESTIONS)])
                                                for i, (page, _) in enumerate(desks)])
            frames = [await page.evaluate("window.program.frames") for page, _ in rooms]
        finally:
            await browser.close()
    control_loads = [load for _, load in rooms]
    press_loads = [load for _, load in desks]
    return {
        "control_rooms": len(rooms), "press_desks": len(desks),
        **clicks,
        "control_page_load_ms": _stats([x["load_ms"] for x in control_loads]),
        "control_page_bytes": control_loads[0]["bytes"],
        "control_page_body_bytes": control_loads[0]["body_bytes"],
        "control_page_files": control_loads[0]["files"],
        "control_sign_in_to_ready_ms": _stats([x["signed_in_ready_ms"] for x in control_loads]),
        "press_page_load_ms": _stats([x["load_ms"] for x in press_loads]),
        "press_page_bytes": press_loads[0]["bytes"],
        "press_page_body_bytes": press_loads[0]["body_bytes"],
        "press_page_files": press_loads[0]["files"],
        "press_sign_in_to_ready_ms": _stats([x["signed_in_ready_ms"] for x in press_loads]),
        "press_answer_ms_first_round": _stats(asks),
        "press_answer_ms_second_round": _stats(asks_again),
        "program_frames_seen": frames,
    }


def _server_figures(server: DeskServer) -> dict[str, Any]:
    """The server's own view of the same moves, from ``/metrics`` (show ``main``)."""
    out: dict[str, Any] = {}
    sums: dict[str, float] = {}
    for line in server.host("GET", "/metrics").text.splitlines():
        if line.startswith("#") or 'show="main"' not in line:
            continue
        name, _, value = line.rpartition(" ")
        for key in ("vhuman_live_interrupt_to_silence_seconds_sum",
                    "vhuman_live_interrupt_to_silence_seconds_count"):
            if name.startswith(key + "{"):
                sums[key] = float(value)
        if name.startswith("vhuman_live_stage_latency_seconds_sum{") and \
                'stage="text_to_first_audio"' in name:
            sums["first_audio_sum"] = float(value)
        if name.startswith("vhuman_live_stage_latency_seconds_count{") and \
                'stage="text_to_first_audio"' in name:
            sums["first_audio_count"] = float(value)
    if sums.get("vhuman_live_interrupt_to_silence_seconds_count"):
        out["interrupt_to_silence_ms_mean"] = round(
            1000 * sums["vhuman_live_interrupt_to_silence_seconds_sum"]
            / sums["vhuman_live_interrupt_to_silence_seconds_count"], 1)
    if sums.get("first_audio_count"):
        out["text_to_first_audio_ms_mean"] = round(
            1000 * sums["first_audio_sum"] / sums["first_audio_count"], 1)
    return out


def run(quick: bool = False) -> dict[str, Any]:
    rounds = 3 if quick else 6
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        server = DeskServer(Path(tmp), size=256, fps=25).start()
        try:
            figures = asyncio.run(_measure(server, rounds, 20))
            figures["server_side"] = _server_figures(server)
        finally:
            server.stop()
    figures["loadavg_before"] = load_before
    figures["loadavg_after"] = load_average()
    return figures


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
