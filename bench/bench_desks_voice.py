"""The press desk's "Ask by voice", as the reporter sees it: end of the spoken question ->
the answer shown on the page.

One real ``vhuman serve`` (``bench/desks.py``: Whisper ``base`` recogniser as configured
by default, the two-document press kit) and one press desk in Chromium whose fake
microphone plays Piper saying three questions, eight seconds apart (a reporter waits for
the answer before the next question), in a loop. Each
recognised question is put in the box and asked like a typed one. Per question:

- end of speech -> final text (the server's listener: voice activity end -> recognition
  done, ``recognised_s``);
- final text -> answer shown (the page: polling the microphone's turns every 300 ms,
  then ``POST /v1/qa`` and rendering the answer with its sources);
- their sum: end of speech -> answer shown.

``python -m bench.run --only desks_voice``.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from bench import load_average
from bench.bench_desks import _open, _stats
from bench.desks import PRESS_KEY, DeskServer, fake_media_args, launch, write_spoken_question

QUESTIONS = ("When is the ice hockey final?", "Where is the curling final?",
             "When is the opening ceremony?")


def write_questions(folder: Path) -> Path:
    """The questions one after another, 8 s apart, in one WAV."""
    parts, rate = [], 0
    for i, question in enumerate(QUESTIONS):
        # the first starts 3 s in: Chromium plays the file before the connection carries it
        path = write_spoken_question(folder / f"q{i}.wav", question,
                                     lead_s=3.0 if i == 0 else 0.3, tail_s=8.0)
        audio, rate = sf.read(path, dtype="float32")
        parts.append(audio)
    out = folder / "questions.wav"
    sf.write(out, np.concatenate(parts), rate, subtype="PCM_16")
    return out


async def _measure(server: DeskServer, wav: Path, wanted: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await launch(p, fake_media_args(microphone=wav))
        try:
            page, load = await _open(browser, f"{server.base}/press", PRESS_KEY,
                                     "() => document.querySelectorAll('#documents li button')"
                                     ".length > 0")
            t0 = await page.evaluate("performance.now()")
            await page.click("#mic-button")
            await page.wait_for_function("() => window.pressVoice.state === 'listening'",
                                         timeout=120_000)
            listening_ms = await page.evaluate("performance.now()") - t0
            await page.wait_for_function(
                f"() => window.pressVoice.asked.filter((a) => a.shownAt !== null).length >= {wanted}",
                timeout=600_000)
            asked = await page.evaluate("window.pressVoice.asked")
            await page.click("#mic-button")
        finally:
            await browser.close()
    done = [a for a in asked if a["shownAt"] is not None]
    recognised = [a["recognisedMs"] for a in done if a["recognisedMs"] is not None]
    to_shown = [a["shownAt"] - a["heardAt"] for a in done]
    total = [a["recognisedMs"] + a["shownAt"] - a["heardAt"] for a in done
             if a["recognisedMs"] is not None]
    heard = [a["text"] for a in done]
    return {"questions": len(done),
            "heard": heard,
            "heard_right": sum(any(w in h.lower() for w in ("hockey", "curling", "opening"))
                               for h in heard),
            "mic_click_to_listening_ms": round(listening_ms, 1),
            "end_of_speech_to_final_ms": _stats(recognised),
            "final_to_answer_shown_ms": _stats(to_shown),
            "end_of_speech_to_answer_shown_ms": _stats(total)}


def run(quick: bool = False) -> dict[str, Any]:
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        wav = write_questions(Path(tmp))
        server = DeskServer(Path(tmp) / "serve").start()
        try:
            figures = asyncio.run(_measure(server, wav, 3 if quick else 5))
        finally:
            server.stop()
    figures["loadavg_before"] = load_before
    figures["loadavg_after"] = load_average()
    return figures


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
