"""A real ``vhuman serve`` and Debian Chromium for the control room and press desk: used
by their browser test, their bench (``bench_desks.py``) and the screenshot script.

The server runs the live performer (eSpeak voice, small video), the dialogue brain and a
knowledge base of two press-kit documents copied from ``examples/kb``; its media root
holds one rundown. Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright (never
a browser Playwright downloads).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOST_KEY, PRESS_KEY = "host-secret-browser", "press-secret-browser"
KEYS = {HOST_KEY: "host", PRESS_KEY: "reporter"}
KB_DOCS = ("schedule.md", "venues.md")

RUNDOWN = """show:
  title: Desk test
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
    duration: 600
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(folder: Path, rundown: str = RUNDOWN) -> Path:
    """A knowledge base and a media root with ``shows/desk.yaml`` under ``folder``."""
    (folder / "kb").mkdir(parents=True, exist_ok=True)
    for name in KB_DOCS:
        shutil.copy(ROOT / "examples" / "kb" / name, folder / "kb" / name)
    (folder / "media" / "shows").mkdir(parents=True, exist_ok=True)
    (folder / "media" / "shows" / "desk.yaml").write_text(rundown)
    return folder


class DeskServer:
    """``vhuman serve`` in a subprocess on a loopback port, configured by environment."""

    def __init__(self, folder: Path, *, size: int = 128, fps: int = 15,
                 extra_env: dict[str, str] | None = None) -> None:
        self.folder = prepare(folder)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "serve.log"
        self.env = {**os.environ, "VHUMAN_API_KEYS": json.dumps(KEYS),
                    "VHUMAN_DATABASE_URL": f"sqlite:///{folder / 'serve.db'}",
                    "VHUMAN_HOST": "127.0.0.1", "VHUMAN_PORT": str(self.port),
                    "VHUMAN_TTS_BACKEND": "espeak", "VHUMAN_LIVE_WIDTH": str(size),
                    "VHUMAN_LIVE_HEIGHT": str(size), "VHUMAN_LIVE_FPS": str(fps),
                    "VHUMAN_WARM_UP": "false", "VHUMAN_KNOWLEDGE_DIR": str(folder / "kb"),
                    "VHUMAN_MEDIA_ROOT": str(folder / "media"),
                    "VHUMAN_OUTPUT_ROOT": str(folder / "recordings"), **(extra_env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180.0) -> DeskServer:
        """Start and wait until ``/readyz`` answers 200."""
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "vhuman", "serve"], cwd=ROOT,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vhuman serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return self
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

    def host(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An API call with the host key (what another control room or a script does)."""
        return httpx.request(method, f"{self.base}{path}", headers={"X-API-Key": HOST_KEY},
                             timeout=120, **kwargs)


def launch(playwright: Any, extra_args: tuple[str, ...] = ()) -> Any:
    """Debian Chromium under Playwright, autoplay allowed (the program monitor);
    ``extra_args`` e.g. :func:`fake_media_args` for a guest's camera and microphone."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required",
        *extra_args])


def fake_media_args(camera: Path | None = None, microphone: Path | None = None) -> tuple[str, ...]:
    """Chromium flags: media permission granted, camera and microphone played from files
    (a Y4M clip, a WAV file); without a file Chromium's own test pattern / beep."""
    args = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    if camera is not None:
        args.append(f"--use-file-for-fake-video-capture={camera}")
    if microphone is not None:
        args.append(f"--use-file-for-fake-audio-capture={microphone}")
    return tuple(args)


def write_camera_clip(path: Path, rgb: tuple[int, int, int] = (255, 0, 255), *,
                      width: int = 320, height: int = 240, fps: int = 15,
                      frames: int = 30) -> Path:
    """A solid-colour YUV4MPEG2 clip (full-range BT.601, 4:2:0) for a fake camera."""
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = min(255, max(0, round(128 + (b - y) * 0.564)))
    v = min(255, max(0, round(128 + (r - y) * 0.713)))
    plane = bytes([round(y)]) * (width * height)
    chroma = bytes([u]) * (width * height // 4) + bytes([v]) * (width * height // 4)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + plane + chroma)
    return path


def write_spoken_question(path: Path, text: str, *, voice: str = "piper", lead_s: float = 0.5,
                          tail_s: float = 5.0) -> Path:
    """``text`` said by a TTS voice (Piper by default) into a 16-bit WAV, with silence before
    and after: Chromium's fake microphone plays it in a loop, so the tail ends each turn."""
    import numpy as np
    import soundfile as sf

    from vhuman.models.tts import get_tts

    chunks = list(get_tts(voice).synthesize_iter(text))
    rate = chunks[0].sample_rate
    speech = np.concatenate([c.samples for c in chunks]).astype(np.float32)
    audio = np.concatenate([np.zeros(int(lead_s * rate), np.float32), speech,
                            np.zeros(int(tail_s * rate), np.float32)])
    sf.write(path, audio, rate, subtype="PCM_16")
    return path


PROGRAM_SHARE_JS = """([x, y, w, h]) => {
  const v = document.getElementById('program');
  if (!v || !v.videoWidth) return 0;
  const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d'); g.drawImage(v, 0, 0);
  const X = Math.round(x * c.width), Y = Math.round(y * c.height);
  const d = g.getImageData(X, Y, Math.max(1, Math.round(w * c.width)),
                           Math.max(1, Math.round(h * c.height))).data;
  let hit = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 170 && d[i + 1] < 100 && d[i + 2] > 170) hit++;
  return hit / (d.length / 4);
}"""
"""JavaScript (argument: a region as fractions of the picture): the share of magenta
pixels in the control room's program video there (a guest's fake camera)."""


def sign_in(page: Any, key: str) -> None:
    """Type ``key`` into the page's sign-in form and wait for the desk to show."""
    page.fill("#key", key)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
