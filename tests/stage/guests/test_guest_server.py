"""Guests through the server: a WebRTC guest (an aiortc client standing in for a browser)
joins with an invite, is admitted, appears in the program and is heard, is muted and
removed; refused tokens; live captions on the viewers' socket."""

from __future__ import annotations

import asyncio
import fractions
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vhuman.models.tts import get_tts
from vhuman.stage.guests.layout import regions
from vhuman.stage.live import LiveConfig, LivePerformer
from vhuman.stage.outputs.base import Tick
from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain

HOST = "host-key-1234"
W, H, FPS = 192, 128, 25


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Keep:
    name = "keep"

    def __init__(self) -> None:
        self.ticks: list[Tick] = []

    def start(self) -> None: ...
    def offer(self, tick: Tick) -> None: self.ticks.append(tick)
    def interrupt(self) -> None: ...
    def close(self) -> None: ...
    def stats(self) -> dict: return {}


def magenta_share(tick: Tick, rect: Any) -> float:
    part = tick.image[rect.y + 2:rect.y + rect.h // 2, rect.x + 2:rect.x + rect.w - 2, :3]
    r, g, b = (part[..., i].astype(int) for i in range(3))
    return float(((r > 180) & (b > 180) & (g < 90)).mean())


def tone_share(tick: Tick, hz: float = 440.0) -> float:
    """Share of the tick's energy at ``hz`` (a Goertzel-like projection)."""
    a = tick.audio.astype(np.float64)
    if not np.any(a):
        return 0.0
    t = np.arange(len(a)) / tick.sample_rate
    c, s = a @ np.cos(2 * np.pi * hz * t), a @ np.sin(2 * np.pi * hz * t)
    return float(2 * (c * c + s * s) / len(a) / max(a @ a, 1e-12))


def _guest_tracks() -> tuple[Any, Any]:
    import av
    from aiortc.mediastreams import MediaStreamTrack

    class Camera(MediaStreamTrack):
        kind = "video"

        def __init__(self) -> None:
            super().__init__()
            self.n = 0

        async def recv(self) -> av.VideoFrame:
            await asyncio.sleep(1 / 15)
            img = np.zeros((360, 240, 3), np.uint8)  # a portrait phone camera
            img[..., 0] = img[..., 2] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = self.n, fractions.Fraction(1, 15)
            self.n += 1
            return frame

    class Microphone(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.n = 0

        async def recv(self) -> av.AudioFrame:
            await asyncio.sleep(0.02)
            t = (self.n + np.arange(960)) / 48000
            pcm = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48000, self.n
            frame.time_base = fractions.Fraction(1, 48000)
            self.n += 960
            return frame

    return Camera(), Microphone()


def test_guest_joins_is_admitted_heard_seen_muted_and_removed(tmp_path: Path) -> None:
    import httpx
    import uvicorn
    from aiortc import RTCPeerConnection, RTCSessionDescription

    def performer(show_id: str, rundown: object) -> LivePerformer:
        return LivePerformer(LiveConfig(fps=FPS, width=W, height=H, layout="side_by_side"),
                             tts=get_tts("espeak"))

    settings = ServerSettings(api_keys={HOST: "host"}, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "g.db"))
    auth = {"Authorization": f"Bearer {HOST}"}

    async def main() -> dict[str, Any]:
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        serving = asyncio.create_task(server.serve())
        out: dict[str, Any] = {}
        pc = RTCPeerConnection()
        try:
            while not server.started:
                await asyncio.sleep(0.05)
            base = f"http://127.0.0.1:{port}/v1/shows/main"
            async with httpx.AsyncClient(timeout=30) as http:
                await app.state.vhuman.sessions["main"].wait_ready(60)
                perf = app.state.vhuman.sessions["main"].performer
                keep = Keep()
                perf.add_output(keep)
                assert (await http.post(f"{base}/guests", json={"name": "Ana"})).status_code == 401
                made = (await http.post(f"{base}/guests", headers=auth,
                                        json={"name": "Ana Lopez", "role": "reporter"})).json()
                token, gid = made["token"], made["guest"]["id"]
                assert made["link"] == f"/shows/main/guest#{token}"
                refused = await http.post(f"{base}/guests/join", json={
                    "token": "not-a-real-token", "sdp": "v=0", "type": "offer"})
                out["refused"] = (refused.status_code, refused.json()["detail"])
                camera, mic = _guest_tracks()
                pc.addTrack(camera)
                pc.addTrack(mic)
                program: list[str] = []
                pc.on("track", lambda track: program.append(track.kind))
                await pc.setLocalDescription(await pc.createOffer())
                joined = await http.post(f"{base}/guests/join", json={
                    "token": token, "sdp": pc.localDescription.sdp, "type": "offer"})
                assert joined.status_code == 200, joined.text
                answer = joined.json()
                await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
                out["joined_state"] = answer["guest"]["state"]
                for _ in range(200):
                    status = (await http.get(f"{base}/guests", headers=auth)).json()
                    g = status["guests"][0]
                    if g.get("frames", 0) > 5 and g["link"] == "connected":
                        break
                    await asyncio.sleep(0.05)
                out["before_admit"] = g
                n0 = len(keep.ticks)
                await asyncio.sleep(0.5)
                out["off_air_ticks"] = keep.ticks[n0:]
                admitted = await http.post(f"{base}/guests/control", headers=auth,
                                           json={"guest": gid, "action": "admit"})
                out["admitted"] = admitted.json()["guest"]["state"]
                await asyncio.sleep(1.5)
                n1 = len(keep.ticks)
                await asyncio.sleep(1.0)
                out["on_air_ticks"] = keep.ticks[n1:]
                await http.post(f"{base}/guests/control", headers=auth,
                                json={"guest": gid, "action": "mute"})
                await asyncio.sleep(0.6)
                n2 = len(keep.ticks)
                await asyncio.sleep(0.5)
                out["muted_ticks"] = keep.ticks[n2:]
                t_remove = time.monotonic()
                removed = await http.post(f"{base}/guests/control", headers=auth,
                                          json={"guest": gid, "action": "remove"})
                out["removed"] = removed.json()["guest"]["state"]
                await asyncio.sleep(1.5)
                out["after_remove"] = [t for t in keep.ticks if t.wall >= t_remove]
                again = await http.post(f"{base}/guests/join", json={
                    "token": token, "sdp": pc.localDescription.sdp, "type": "offer"})
                out["rejoin"] = (again.status_code, again.json()["detail"])
                out["program_tracks"] = sorted(program)
                perf.remove_output(keep)
        finally:
            await pc.close()
            server.should_exit = True
            await serving
        return out

    out = asyncio.run(main())
    assert out["refused"] == (403, "this invite is not valid")
    assert out["joined_state"] == "waiting"
    assert out["before_admit"]["camera"] == [240, 360]  # the portrait camera, as sent
    assert out["program_tracks"] == ["audio", "video"]  # the guest receives the program
    guest_rect = regions("side_by_side", W, H, 1)[1]
    # waiting in the green room: neither seen nor heard
    assert max(magenta_share(t, guest_rect) for t in out["off_air_ticks"]) < 0.05
    assert max(tone_share(t) for t in out["off_air_ticks"]) < 0.2
    # on air: the guest's picture fills its column, the tone is the program's sound
    on_air = out["on_air_ticks"]
    assert np.mean([magenta_share(t, guest_rect) > 0.8 for t in on_air]) > 0.9
    assert np.median([tone_share(t) for t in on_air]) > 0.8
    # muted: seen, not heard
    assert np.mean([magenta_share(t, guest_rect) > 0.8 for t in out["muted_ticks"]]) > 0.9
    assert max(tone_share(t) for t in out["muted_ticks"]) < 0.2
    # removed: out of picture and sound within a second (on the program's own clock)
    gone = out["after_remove"]
    first = gone[0].wall
    late = [t for t in gone if t.wall - first > 1.0]
    assert late and all(magenta_share(t, guest_rect) < 0.05 and tone_share(t) < 0.2
                        for t in late)
    assert out["removed"] == "removed"
    assert out["rejoin"] == (403, "this invite was withdrawn by the host")


def test_live_captions_reach_the_viewer_socket_and_layout_is_set_by_the_host(
        tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    def performer(show_id: str, rundown: object) -> LivePerformer:
        return LivePerformer(LiveConfig(fps=FPS, width=W, height=H), tts=get_tts("espeak"))

    settings = ServerSettings(api_keys={HOST: "host"}, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "c.db"))
    auth = {"Authorization": f"Bearer {HOST}"}
    with TestClient(app) as c:
        c.portal.call(app.state.vhuman.sessions["main"].wait_ready, 60)  # type: ignore[union-attr]
        bad = c.put("/v1/shows/main/program", headers=auth, json={"layout": "mosaic"})
        assert bad.status_code == 422
        ok = c.put("/v1/shows/main/program", headers=auth,
                   json={"layout": "guest_pip", "burn_captions": True}).json()
        assert ok["layout"] == "guest_pip" and ok["burn_captions"] is True
        assert c.put("/v1/shows/main/program", json={"layout": "host_pip"}).status_code == 401
        with c.websocket_connect("/v1/shows/main/chat/ws") as ws:
            said = c.post("/v1/shows/main/control/say", headers=auth,
                          json={"text": "Good evening and welcome. Our guest joins us soon."})
            assert said.status_code == 200
            cues = []
            while len(cues) < 2:
                event = ws.receive_json()
                if event.get("type") == "caption":
                    cues.append(event)
        assert cues[0]["text"] == "Good evening and welcome."
        assert cues[0]["speaker"] and cues[0]["role"] == "host" and cues[0]["language"] == "en"
        assert cues[1]["text"].startswith("Our guest") and cues[1]["start"] >= cues[0]["start"]
        with c.websocket_connect("/v1/shows/main/chat/ws") as ws:
            typed = c.post("/v1/shows/main/captions", headers=auth, json={
                "speaker": "Ana Lopez", "text": "Gracias por invitarme.", "language": "es",
                "seconds": 1.5})
            assert typed.status_code == 202
            span = typed.json()  # it began 1.5 s ago, or when the program did
            assert span["end"] - span["start"] == pytest.approx(min(1.5, span["end"]), abs=0.01)
            while (event := ws.receive_json()).get("type") != "caption":
                pass
        assert (event["speaker"], event["role"], event["language"]) == ("Ana Lopez", "guest", "es")
        with c.websocket_connect("/v1/shows/main/chat/ws") as ws:  # a captioner's revisions
            revisions = []
            for text, final in (("So the first", False), ("So the first bridge I built", False),
                                ("So the first bridge I built was in Lima.", True)):
                sent = c.post("/v1/shows/main/captions", headers=auth, json={
                    "speaker": "Ana Lopez", "text": text, "id": "ana-7", "final": final})
                assert sent.status_code == 202 and sent.json()["id"] == "api:ana-7"
                while (got := ws.receive_json()).get("type") != "caption":
                    pass  # each revision goes out before the next is sent
                revisions.append(got)
        assert [(e["id"], e["rev"], e["final"]) for e in revisions] == \
            [("api:ana-7", 1, False), ("api:ana-7", 2, False), ("api:ana-7", 3, True)]
        assert revisions[-1]["text"] == "So the first bridge I built was in Lima."
        assert c.post("/v1/shows/main/captions", headers=auth, json={
            "speaker": "Ana Lopez", "text": " "}).status_code == 422  # no words, no id
        assert c.post("/v1/shows/main/captions", json={"speaker": "x", "text": "y"}
                      ).status_code == 401
        page = c.get("/shows/main/guest")
        assert page.status_code == 200 and "guest-page.js" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert c.get("/guest-assets/guest-page.js").status_code == 200
        viewer = c.get("/shows/main/view").text
        assert 'id="cc"' in viewer and 'id="captions"' in viewer
