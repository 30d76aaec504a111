"""``vhuman serve``'s own uvicorn setup on a real socket: keys never reach a log line,
half-open connections are cut, bad JSON never breaks a keep-alive connection."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Captured]]:
    import uvicorn

    settings = ServerSettings(api_keys={HOST_KEY: "host", VIEWER_KEY: "viewer"},
                              port=_free_port(), header_timeout_s=0.5,
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
