"""A guest's own microphone is heard: with ``VHUMAN_LISTEN_GUESTS`` on, the voice that a
WebRTC guest sends (a real recording) is recognised while they are on air, and their
words reach the program's captions under their name."""

from __future__ import annotations

import asyncio
import fractions
import re
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vhuman.avatar.compat import shared_data_dir
from vhuman.models.tts import get_tts
from vhuman.stage.live import LiveConfig, LivePerformer
from vhuman.stage.outputs.base import Tick
from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain

HOST = "host-key-1234"
CLIP = shared_data_dir() / "speech" / "en_ljspeech_LJ001-0004.wav"

pytestmark = pytest.mark.skipif(not CLIP.is_file(), reason="shared speech recordings missing")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Turns:
    """An output keeping the people's turns the ticks carry."""

    name = "turns"

    def __init__(self) -> None:
        self.turns: list[Any] = []

    def start(self) -> None: ...
    def offer(self, tick: Tick) -> None: self.turns.extend(tick.turns)
    def interrupt(self) -> None: ...
    def close(self) -> None: ...
    def stats(self) -> dict: return {}


def _microphone(speech: np.ndarray) -> Any:
    """A 48 kHz microphone: silence until ``speak`` is set, then ``speech``, then silence."""
    import av
    from aiortc.mediastreams import MediaStreamTrack

    class Microphone(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.n = 0
            self.at = 0
            self.speak = asyncio.Event()

        async def recv(self) -> av.AudioFrame:
            await asyncio.sleep(0.02)
            chunk = np.zeros(960, np.float32)
            if self.speak.is_set() and self.at < speech.size:
                part = speech[self.at:self.at + 960]
                chunk[:part.size] = part
                self.at += 960
            pcm = (np.clip(chunk, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48000, self.n
            frame.time_base = fractions.Fraction(1, 48000)
            self.n += 960
            return frame

    return Microphone()


@pytest.mark.slow
def test_an_on_air_guests_voice_is_recognised_and_captioned(tmp_path: Path,
                                                            monkeypatch: Any) -> None:
    import httpx
    import uvicorn
    from aiortc import RTCPeerConnection, RTCSessionDescription

    from vhuman.stage.listen.config import ListenConfig
    from vhuman.stage.listen.files import read_audio
    from vhuman.stage.server.routes import listen as listen_routes

    monkeypatch.setenv("VHUMAN_LISTEN_GUESTS", "1")
    # finals only, English: one recognition of the turn (this test is about the path)
    monkeypatch.setattr(listen_routes, "_config", ListenConfig(partials=False, language="en"))
    speech16 = read_audio(CLIP)
    speech = np.interp(np.arange(speech16.size * 3) / 3, np.arange(speech16.size),
                       speech16).astype(np.float32)  # 16 -> 48 kHz

    def performer(show_id: str, rundown: object) -> LivePerformer:
        return LivePerformer(LiveConfig(fps=25, width=64, height=64), tts=get_tts("espeak"))

    settings = ServerSettings(api_keys={HOST: "host"}, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "v.db"))
    auth = {"Authorization": f"Bearer {HOST}"}

    async def main() -> list[Any]:
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        serving = asyncio.create_task(server.serve())
        pc = RTCPeerConnection()
        kept = Turns()
        try:
            while not server.started:
                await asyncio.sleep(0.05)
            base = f"http://127.0.0.1:{port}/v1/shows/main"
            async with httpx.AsyncClient(timeout=60) as http:
                session = app.state.vhuman.sessions["main"]
                await session.wait_ready(60)
                session.performer.add_output(kept)
                made = (await http.post(f"{base}/guests", headers=auth,
                                        json={"name": "Ana Lopez"})).json()
                mic = _microphone(speech)
                pc.addTrack(mic)
                await pc.setLocalDescription(await pc.createOffer())
                joined = await http.post(f"{base}/guests/join", json={
                    "token": made["token"], "sdp": pc.localDescription.sdp, "type": "offer",
                    "video": False})
                assert joined.status_code == 200, joined.text
                await pc.setRemoteDescription(RTCSessionDescription(joined.json()["sdp"],
                                                                    "answer"))
                await http.post(f"{base}/guests/control", headers=auth,
                                json={"guest": made["guest"]["id"], "action": "admit"})
                mic.speak.set()
                for _ in range(1200):  # a hang guard: recognition on a busy CPU is slow
                    if any(t.final and t.text for t in kept.turns):
                        break
                    await asyncio.sleep(0.1)
        finally:
            await pc.close()
            server.should_exit = True
            await serving
        return kept.turns

    turns = asyncio.run(main())
    final = [t for t in turns if t.final and t.text]
    assert final, f"no final words captioned (turns: {turns})"
    said = final[0]
    assert (said.speaker, said.role) == ("Ana Lopez", "guest")
    assert said.key.startswith("voice-")
    words = re.sub(r"[^a-z ]", " ", said.text.lower()).split()
    assert "block" in words and "books" in words  # "produced the block books, which ..."
