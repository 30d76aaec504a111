"""``vhuman serve``'s own uvicorn setup on a real socket: keys never reach a log line,
half-open connections are cut, bad JSON never breaks a keep-alive connection."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.server.app import server_config
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer

HOST_KEY = "host-secret-key-4242"
VIEWER_KEY = "viewer-secret-key-4242"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serving(tmp_path: Path, **options: Any) -> Iterator[tuple[int, Captured]]:
    import uvicorn

    settings = ServerSettings(api_keys={HOST_KEY: "host", VIEWER_KEY: "viewer"},
                              port=_free_port(), **{"header_timeout_s": 0.5} | options,
                              gil_switch_interval_s=0,  # leave the test process as it is
                              _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(lambda s, r: FakePerformer(0.01),
                                                 lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "s.db"))
    config = server_config(settings, app)
    captured = Captured()
    for name in ("uvicorn.access", "uvicorn.error", ""):
        logging.getLogger(name).addHandler(captured)
    logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield settings.port, captured
    finally:
        server.should_exit = True
        thread.join(10)
        for name in ("uvicorn.access", "uvicorn.error", ""):
            logging.getLogger(name).removeHandler(captured)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Captured]]:
    with _serving(tmp_path) as running:
        yield running


def test_keys_never_reach_a_log_line(server: tuple[int, Captured]) -> None:
    port, captured = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for path, headers in ((f"/healthz?key={VIEWER_KEY}", {}),
                          (f"/v1/shows/main?x=1&key={HOST_KEY}", {}),
                          (f"/shows/main/view?key={VIEWER_KEY}", {}),
                          ("/v1/shows/main", {"Authorization": f"Bearer {HOST_KEY}"})):
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
    logging.getLogger("vhuman.stage.server").warning("oops with %s", f"?key={HOST_KEY}")
    text = "\n".join(captured.lines)
    assert "/healthz?key=***" in text  # the access log still says what was asked
    assert HOST_KEY not in text and VIEWER_KEY not in text


def test_half_open_connections_are_cut(server: tuple[int, Captured]) -> None:
    port, _ = server
    idle = socket.create_connection(("127.0.0.1", port))
    slow = socket.create_connection(("127.0.0.1", port))
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
    for sock in (idle, slow):
        sock.settimeout(15)
        assert sock.recv(1024) == b""  # the server hung up (timeout 0.5 s)
        sock.close()


def test_bad_json_never_breaks_a_keep_alive_connection(server: tuple[int, Captured]) -> None:
    port, _ = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.connect()
    first = conn.sock
    bodies = [b'{"viewer":"a","text":"hi","gift":NaN}', b'{"viewer":"a","text":"hi \\ud800"}',
              b'{"viewer":"a","text":"\xff\xfe bytes"}', b'{"viewer":"a","text":"hi","gift":1e999}',
              b'[' * 5000, b'{"viewer":"a","text":"x","\\udc80":1}']
    for body in bodies:
        conn.request("POST", "/v1/chat", body=body, headers={"content-type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        assert 400 <= response.status < 500, (body, response.status, payload)
        assert b"\\ud800" not in payload and b"NaN" not in payload
        json.loads(payload)
    conn.request("POST", "/v1/chat", body=json.dumps({"viewer": "Ann", "text": "hello"}),
                 headers={"content-type": "application/json"})
    assert conn.getresponse().status == 202
    assert conn.sock is first  # the same connection all along


def _healthz(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/healthz")
    return conn.getresponse().status


def test_a_trickled_body_is_cut_at_its_deadline_and_others_are_served(
        tmp_path: Path) -> None:
    with _serving(tmp_path, header_timeout_s=5, body_timeout_s=1.0) as (port, _):
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"POST /v1/chat HTTP/1.1\r\nHost: x\r\ncontent-type: application/json"
                     b"\r\ncontent-length: 4000\r\n\r\n{")
        slow.settimeout(0.2)
        answer = b""
        for _ in range(200):  # a byte every 0.2 s: never done before the deadline
            assert _healthz(port) == 200  # everyone else is served meanwhile
            try:
                chunk = slow.recv(4096)
            except TimeoutError:
                with contextlib.suppress(OSError):
                    slow.sendall(b" ")
                continue
            answer += chunk
            if not chunk:
                break
        slow.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]


def test_one_address_cannot_hold_every_connection(tmp_path: Path) -> None:
    with _serving(tmp_path, header_timeout_s=30, max_connections_per_address=8) as (port, _):
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        extra = socket.create_connection(("127.0.0.1", port))
        extra.settimeout(10)
        assert extra.recv(4096).startswith(b"HTTP/1.1 503")
        extra.close()
        for sock in held[:2]:
            sock.close()
        time.sleep(0.3)
        assert _healthz(port) == 200  # room again once some closed
        for sock in held[2:]:
            sock.close()


def test_sockets_outlive_the_request_deadlines(tmp_path: Path) -> None:
    """The upgrade request's deadlines end with the upgrade: a chat socket stays open
    well past the body and header timeouts (and leaves the connection count)."""
    from websockets.sync.client import connect

    with _serving(tmp_path, header_timeout_s=0.5, body_timeout_s=0.5,
                  max_connections_per_address=2) as (port, _):
        with connect(f"ws://127.0.0.1:{port}/v1/chat/ws?viewer=Stay") as a, \
                connect(f"ws://127.0.0.1:{port}/v1/chat/ws?viewer=Also") as b:
            time.sleep(1.5)
            assert _healthz(port) == 200  # upgraded sockets hold no connection slot
            for ws in (a, b):
                ws.send(json.dumps({"text": "still here?", "ref": "late"}))
                event = json.loads(ws.recv(timeout=10))
                while event["type"] != "ack":
                    event = json.loads(ws.recv(timeout=10))
                assert event["ref"] == "late"
