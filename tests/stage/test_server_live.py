"""The server with live performers: warm-up before ready, viewer keys for the page's
video and chat, per-show parameter stream, and one valid merged /metrics."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from vhuman.stage.metrics import LabelledCollector, Metrics
from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer

VIEWER, HOST = "viewer-key-123", "host-key-1234"


class CountingVoice:
    """Stands in for a TTS: counts warm-ups (a real one loads its model there)."""

    def __init__(self) -> None:
        self.warmed = 0

    def warm_up(self) -> None:
        time.sleep(0.05)
        self.warmed += 1


class SlowStartPerformer(FakePerformer):
    """A fake whose start takes ``start_s`` (like a renderer building its context)."""

    def __init__(self, start_s: float, fail: str | None = None) -> None:
        super().__init__(0.01)
        self.start_s, self.fail = start_s, fail
        self.tts = CountingVoice()
        self.started_at: float | None = None

    async def start(self) -> None:
        await asyncio.sleep(self.start_s)
        if self.fail:
            raise RuntimeError(self.fail)
        self.started_at = time.monotonic()

    async def warm_up(self) -> None:
        await asyncio.to_thread(self.tts.warm_up)


def _wait(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_not_ready_until_the_performer_started_and_its_voice_is_loaded(tmp_path: Path) -> None:
    performers: dict[str, SlowStartPerformer] = {}

    def performer(show_id: str, rundown: object) -> SlowStartPerformer:
        performers[show_id] = SlowStartPerformer(0.6 if show_id == "main" else 0.0,
                                                 fail="no GL context" if show_id == "bad"
                                                 else None)
        return performers[show_id]

    settings = ServerSettings(api_keys={HOST: "host"}, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "r.db"))
    with TestClient(app) as c:
        first = c.get("/readyz")
        assert first.status_code == 503 and first.json()["shows"]["main"]["ready"] is False
        # chat sent while warming up is kept and answered once the show is ready
        assert c.post("/v1/chat", json={"viewer": "Early", "text": "are you there?"}
                      ).status_code == 202
        t0 = time.monotonic()
        waved = c.post("/v1/shows/main/control/gesture", json={"name": "wave"},
                       headers={"X-API-Key": HOST})
        assert waved.status_code == 200  # waited for the warm-up instead of failing
        main = performers["main"]
        assert main.gestures == ["wave"]
        assert main.started_at is not None and main.started_at >= t0 - 0.7
        ready = c.get("/readyz")
        assert ready.status_code == 200, ready.json()
        warm = ready.json()["shows"]["main"]["warmup"]
        assert main.tts.warmed == 1 and warm["voice_s"] >= 0.04 and warm["total_s"] >= 0.6
        _wait(lambda: any(t.startswith("Early, thanks") for t in main.spoken()))
        assert 'vhuman_show_ready{show="main"} 1' in c.get("/metrics").text
        # a show whose performer cannot start tells the host why and is not kept: the
        # server itself still serves (200), and nothing of it stays registered
        created = c.post("/v1/shows", json={"id": "bad"}, headers={"X-API-Key": HOST})
        assert created.status_code == 503 and "no GL context" in created.json()["detail"]
        ready = c.get("/readyz", headers={"X-API-Key": HOST})
        assert ready.status_code == 200 and "bad" not in ready.json()["shows"]
        assert c.get("/v1/shows/bad", headers={"X-API-Key": HOST}).status_code == 404
        offer = c.post("/shows/bad/webrtc/offer", json={"type": "offer", "sdp": "v=0"})
        assert offer.status_code == 404 and "GL" not in offer.text


def test_page_video_and_chat_need_a_viewer_key_when_anonymous_is_off(tmp_path: Path) -> None:
    settings = ServerSettings(api_keys={VIEWER: "viewer"}, allow_anonymous_viewers=False,
                              _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(lambda s, r: FakePerformer(0.01),
                                                 lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "k.db"))
    with TestClient(app) as c:
        assert c.get("/shows/main/view").status_code == 200  # the page is static
        assert c.get("/shows/main/web/viewer.js").status_code == 401
        with pytest.raises(WebSocketDisconnect), c.websocket_connect(
                "/v1/shows/main/chat/ws") as ws:
            ws.receive_json()
        with pytest.raises(WebSocketDisconnect), c.websocket_connect("/params") as ws:
            ws.receive_json()
        assert c.get("/shows/main/view?key=wrong-key-99").status_code == 401
        page = c.get(f"/shows/main/view?key={VIEWER}", follow_redirects=False)
        cookie = page.headers["set-cookie"]
        assert page.status_code == 303 and "HttpOnly" in cookie and "SameSite=strict" in cookie
        # the key leaves the address bar: the page itself is served without it
        assert page.headers["location"] == "/shows/main/view"
        # the page's requests and its chat socket now carry the key in the cookie
        assert c.get("/shows/main/web/viewer.js").status_code == 200
        assert c.get("/v1/shows/main").status_code == 200
        with c.websocket_connect("/v1/shows/main/chat/ws") as ws:
            ws.send_json({"viewer": "Kim", "text": "hello with a key"})
            ack = ws.receive_json()
            assert ack["type"] == "ack" and ack["accepted"] is True


def test_params_stream_per_show_and_one_valid_metrics_exposition(tmp_path: Path) -> None:
    from vhuman.models.tts import get_tts
    from vhuman.stage.live import LiveConfig, LivePerformer

    def performer(show_id: str, rundown: object) -> Any:
        if show_id == "main":
            return FakePerformer(0.01)
        return LivePerformer(LiveConfig(fps=20, width=64, height=64), tts=get_tts("espeak"))

    app = create_app(ServerSettings(_env_file=None),  # type: ignore[call-arg]
                     backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "p.db"))
    with TestClient(app) as c:
        assert c.post("/v1/shows", json={"id": "live"}).status_code == 401  # needs a host
        state = app.state.vhuman
        c.portal.call(state.create, "live")  # type: ignore[union-attr]
        with c.websocket_connect("/params") as ws:  # default show: a fake, no stream
            refused = ws.receive_json()
            assert refused["type"] == "error" and "no such performer" in refused["detail"]
        with c.websocket_connect("/shows/live/params?format=json") as ws:
            hello = ws.receive_json()
            frame = ws.receive_json()
        assert hello["type"] == "hello" and "viseme_aa" in hello["morphs"]
        assert frame["type"] == "frame" and "hips" in frame["bones"]
        with c.websocket_connect("/params?performer=live&format=binary") as ws:
            assert ws.receive_json()["format"] == "binary"
            assert len(ws.receive_bytes()) > 12
        text = c.get("/metrics").text
    assert 'vhuman_live_ticks_total{show="live"}' in text
    assert 'vhuman_performer_fps{show="live"}' in text
    assert 'vhuman_output_dropped_frames_total' not in text or 'output="params-' in text
    assert "vhuman_params_clients_total 2" in text
    _assert_valid_exposition(text)


def _assert_valid_exposition(text: str) -> None:
    """Each family declared once, before its samples; samples well formed."""
    declared: dict[str, str] = {}
    sample = re.compile(r'^[a-zA-Z_:][\w:]*(\{[a-zA-Z_]\w*="[^"]*"(,[a-zA-Z_]\w*="[^"]*")*\})?'
                        r' [-+0-9.eEnaNIf]+$')
    for line in text.strip().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name not in declared, f"{name} declared twice"
            declared[name] = kind
        elif not line.startswith("#"):
            assert sample.match(line), line
            name = line.split("{")[0].split(" ")[0]
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            assert name in declared or base in declared, f"{name} has no TYPE"


def test_labelled_collector_groups_families_and_labels_each_source() -> None:
    a, b, top = Metrics(), Metrics(), Metrics(prefix="")
    a.inc("x_total", 1, {"output": "rec"}, help="drops")
    b.inc("x_total", 2, {"output": "rec"}, help="drops")
    b.set("up", 1)
    top.set("vhuman_server_up", 0)
    top.registry.register(LabelledCollector(lambda: [(a.registry, {"show": "a"}),
                                                     (b.registry, {"show": "b"})]))
    text = top.prometheus()
    assert text.count("# TYPE vhuman_x_total counter") == 1
    assert 'vhuman_x_total{output="rec",show="a"} 1.0' in text
    assert 'vhuman_x_total{output="rec",show="b"} 2.0' in text
    assert 'vhuman_up{show="b"} 1.0' in text and "vhuman_server_up 0.0" in text
    _assert_valid_exposition(text)
