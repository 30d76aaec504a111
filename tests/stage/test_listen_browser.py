"""A real browser talks to the show: headless Chromium's fake microphone plays a WAV file
over WebRTC to the mic page's route, the host hears it, answers, and the show log has it."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from vhuman.avatar.compat import shared_data_dir
from vhuman.stage.listen.files import read_audio

spec = importlib.util.spec_from_file_location("browser", Path(__file__).parent / "browser.py")
kit = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(kit)  # type: ignore[union-attr]

HOST = "host-key-123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.skipif(kit.missing_reason() is not None, reason=str(kit.missing_reason()))
def test_a_browser_microphone_is_heard_answered_and_logged(tmp_path: Path) -> None:
    speech = read_audio(shared_data_dir() / "speech" / "en_ljspeech_LJ001-0004.wav")
    wav = tmp_path / "question.wav"
    sf.write(wav, np.concatenate([np.zeros(8000, np.float32), speech,
                                  np.zeros(16000 * 4, np.float32)]), 16000)
    out = asyncio.run(_session(tmp_path, wav))
    heard = out["heard"]
    assert heard, out
    first = heard[0]
    assert first["speaker"] == "Mia" and first["role"] == "guest" and first["language"] == "en"
    # Chromium's fake microphone loops the file from whenever capture starts (late on a busy
    # machine): the first turn may begin mid-sentence, but it is words of this recording
    said = set(first["text"].lower().replace(",", " ").replace(".", " ").split())
    spoken = set("produced the block books which were the immediate predecessors of the true "
                 "printed book".split())
    assert len(said & spoken) >= 3 and len(said - spoken) <= 2, first["text"]
    assert first["answered_by"] == "brain" and first["answer"].startswith("Mia, thanks for asking")
    assert 0 < first["end"] - first["start"] < 8 and first["confidence"] > 0.3
    assert out["asked"][0][1] == "Mia"
    assert out["open"][0]["role"] == "guest" and out["open"][0]["state"] == "listening"
    assert out["after_bye"] == []  # the page left: its session is closed
    assert out["refused"] in (401, 403)  # a reporter's microphone needs a reporter key


async def _session(tmp_path: Path, wav: Path) -> dict:
    import uvicorn

    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.store import SQLiteStore
    from vhuman.stage.testing_performer import FakeBrain, FakePerformer

    brains: list[FakeBrain] = []

    def brain(show_id: str, rundown: object) -> FakeBrain:
        brains.append(FakeBrain(sentences=1))
        return brains[-1]

    settings = ServerSettings(api_keys={HOST: "host"}, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(lambda s, r: FakePerformer(0.01), brain),
                     store=SQLiteStore(tmp_path / "t.db"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    chrome = kit.Chromium(tmp_path / "profile", extra_args=(
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}"))
    base = f"http://127.0.0.1:{port}"
    out: dict = {}
    headers = {"Authorization": f"Bearer {HOST}"}
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(chrome.start)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            page = await chrome.open(f"{base}/shows/main/mic")
            await page.wait_for("window.vhumanMic !== undefined", 20)
            await page.evaluate("document.getElementById('speaker').value = 'Mia'")
            await page.evaluate("window.vhumanMic.start().then(() => true)", timeout=60)
            await page.wait_for("window.vhumanMic.state === 'connected'", 60)
            out["open"] = (await client.get("/v1/shows/main/mic", headers=headers)).json()["open"]
            deadline = time.monotonic() + 120
            heard: list = []
            while time.monotonic() < deadline:
                log = (await client.get("/v1/shows/main/log", headers=headers)).json()
                heard = [e for e in log if e.get("event") == "heard" and e.get("answer")]
                if heard:
                    break
                await asyncio.sleep(0.5)
            out["heard"] = heard
            out["asked"] = brains[0].asked if brains else []
            await page.evaluate("window.vhumanMic.stop()")
            for _ in range(100):
                open_now = (await client.get("/v1/shows/main/mic", headers=headers)).json()["open"]
                if not open_now:
                    break
                await asyncio.sleep(0.2)
            out["after_bye"] = open_now
            refused = await client.post("/v1/shows/main/mic/offer", json={
                "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "type": "offer",
                "speaker": "Rex", "role": "reporter"})
            out["refused"] = refused.status_code
    finally:
        chrome.stop()
        server.should_exit = True
        await serving
    return out
