"""Abuse limits: per-address chat limits that name rotation cannot dodge, socket caps,
WebSocket Origins, malformed frames, and WebRTC peers (tokens, owners, caps, reaping)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from vhuman.stage.outputs.webrtc import webrtc_router
from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServerSettings(http_chat_per_ip_burst=5, http_chat_per_ip_per_s=0.01,
                              ws_max_per_address=3, ws_allowed_origins=["https://ok.example"],
                              _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(lambda s, r: FakePerformer(0.01),
                                                 lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "a.db"))
    with TestClient(app) as c:
        yield c


def _acks(ws: Any, n: int) -> list[dict]:
    out: list[dict] = []
    while len(out) < n:
        event = ws.receive_json()
        if event["type"] in ("ack", "error"):
            out.append(event)
    return out


def test_rotating_names_and_sockets_share_one_per_address_allowance(client: TestClient) -> None:
    accepted = 0
    for i in range(3):  # a new socket and a new name each time
        with client.websocket_connect(f"/v1/chat/ws?viewer=bot{i}") as ws:
            for j in range(3):
                ws.send_text(json.dumps({"text": f"buy followers {i} {j}"}))
            accepted += sum(e.get("accepted", False) for e in _acks(ws, 3))
    codes = [client.post("/v1/chat", json={"viewer": f"http{i}", "text": f"hi {i}"}
                         ).status_code for i in range(3)]
    assert accepted == 5 and codes == [429, 429, 429]


def test_sockets_per_address_origins_and_malformed_frames(client: TestClient) -> None:
    with client.websocket_connect("/v1/chat/ws") as a, \
            client.websocket_connect("/v1/chat/ws") as b, \
            client.websocket_connect("/v1/chat/ws") as c:
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
                "/v1/chat/ws") as d:
            d.receive_json()
        assert refused.value.code == 1008
        a.send_text("{not json")  # an error event; the socket stays
        assert a.receive_json()["type"] == "error"
        a.send_text(json.dumps({"viewer": "x", "text": "hi", "gift": float("nan")}))
        assert a.receive_json()["type"] == "error"
        b.send_bytes(b"\x00\x01binary")  # this socket speaks JSON text: 1003
        with pytest.raises(WebSocketDisconnect) as closed:
            b.receive_json()
        assert closed.value.code == 1003
        c.send_text(json.dumps({"viewer": "Cy", "text": "still \ud800 here"}))
        assert c.receive_json()["type"] == "error"
    with pytest.raises(WebSocketDisconnect) as foreign, client.websocket_connect(
            "/v1/chat/ws", headers={"origin": "https://evil.example"}) as ws:
        ws.receive_json()
    assert foreign.value.code == 1008
    for origin in ("https://ok.example", "http://testserver"):
        with client.websocket_connect("/v1/chat/ws?viewer=Ok",
                                      headers={"origin": origin}) as ws:
            ws.send_text(json.dumps({"text": f"hello from {origin}"}))
            assert _acks(ws, 1)[0]["type"] == "ack"


class StreamingFake(FakePerformer):
    """A fake that accepts outputs, so WebRTC offers are answered."""

    streams_ticks = True

    def __init__(self) -> None:
        super().__init__(0.01)
        self.outputs: list[Any] = []

    def add_output(self, output: Any) -> None:
        self.outputs.append(output)

    def remove_output(self, output: Any) -> None:
        self.outputs.remove(output)


def _offer() -> str:
    from aiortc import RTCPeerConnection

    async def make() -> str:
        pc = RTCPeerConnection()
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        await pc.close()
        return sdp

    return asyncio.run(make())


def test_webrtc_peers_have_random_tokens_owners_caps_and_are_reaped() -> None:
    pytest.importorskip("aiortc")
    perf = StreamingFake()
    app = FastAPI()
    router = webrtc_router({"host": perf}, max_per_address=2, connect_timeout_s=1.0)
    app.include_router(router)
    viewers = router.viewers
    sdp = _offer()
    with TestClient(app) as c:
        answers = [c.post("/webrtc/offer", json={"sdp": sdp, "type": "offer"})
                   for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        tokens = [a.json()["peer"] for a in answers[:2]]
        assert all(len(t) >= 16 and not t.isdigit() for t in tokens) and tokens[0] != tokens[1]
        assert c.post("/webrtc/bye", json={"peer": "1"}).json() == {"closed": False}
        # a token from another address is not a hang-up (the owner keeps watching)
        assert c.portal.call(viewers.bye, tokens[0], "10.0.0.9") is False
        assert tokens[0] in viewers.peers
        assert c.post("/webrtc/bye", json={"peer": tokens[0]}).json() == {"closed": True}
        deadline = time.monotonic() + 10
        while viewers.peers and time.monotonic() < deadline:  # never connected: reaped
            time.sleep(0.1)
        assert viewers.peers == {} and perf.outputs == []
