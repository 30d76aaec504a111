"""Fuzzed JSON over every JSON endpoint: never a 5xx, errors never echo the input.
(``bench server`` runs 10,000 of the same payloads against a live server.)"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.server.fuzz import (
    TEMPLATES,
    Request,
    echoes_input,
    echoes_request,
    make_payload,
    make_request,
)
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer, FakeQA

HOST = "host-key-fuzz-1"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("fuzz")
    server_settings = ServerSettings(api_keys={HOST: "host"}, media_root=tmp,
                                     output_root=tmp / "out", http_chat_per_ip_burst=10_000,
                                     _env_file=None)  # type: ignore[call-arg]
    app = create_app(server_settings, backends=Backends(
        lambda s, r: FakePerformer(0.001), lambda s, r: FakeBrain(),
        FakeQA({"final": "Sunday."})), store=SQLiteStore(tmp / "f.db"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_every_json_endpoint_is_fuzzed(client: TestClient) -> None:
    posts = {r.path.replace("{show_id}", "main") for r in client.app.routes  # type: ignore[attr-defined]
             if isinstance(r, APIRoute) and "POST" in r.methods}
    body_less = {p for p in posts if p.rsplit("/", 1)[-1] in ("resume", "stop")}
    assert posts - body_less <= set(TEMPLATES), posts - set(TEMPLATES)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), anonymous=st.booleans())
def test_fuzzed_json_never_gets_a_5xx_or_an_echo(client: TestClient, seed: int,
                                                 anonymous: bool) -> None:
    payload = make_payload(random.Random(seed))
    headers = {"content-type": "application/json"}
    if not anonymous:
        headers["X-API-Key"] = HOST
    response = client.post(payload.path, content=payload.body, headers=headers)
    assert response.status_code < 500, (payload, response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert not echoes_input(response.content, payload), (payload, response.text[:300])
        json.loads(response.content)  # always a JSON error body


def _send(client: TestClient, request: Request, anonymous: bool) -> tuple[int, bytes]:
    """(status, body) for an HTTP request; (1000 or the close code, b"") for a socket."""
    headers = list(request.headers)
    if not anonymous:
        headers.append((b"x-api-key", HOST.encode()))
    if request.method != "WS":
        response = client.request(request.method, request.path, content=request.body,
                                  headers=headers)
        return response.status_code, response.content
    try:
        with client.websocket_connect(request.path, headers=dict(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in headers)) as ws:
            for frame in request.frames:
                if isinstance(frame, bytes):
                    ws.send_bytes(frame)
                else:
                    ws.send_text(frame)
            ws.close()
    except WebSocketDisconnect as exc:
        return exc.code, (exc.reason or "").encode()
    return 1000, b""


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), anonymous=st.booleans())
def test_fuzzed_queries_headers_paths_and_frames_never_get_a_5xx(
        client: TestClient, seed: int, anonymous: bool) -> None:
    request = make_request(random.Random(seed))
    status, body = _send(client, request, anonymous)
    if request.method == "WS":
        assert status != 1011, (request, status, body)  # 1011: the server failed
    else:
        assert status < 500, (request, status, body[:300])
    assert not echoes_request(body, request), (request, body[:300])


def test_the_reported_cases_are_in_the_corpus() -> None:
    from vhuman.stage.server.fuzz import HOSTILE, HOSTILE_QUERY

    assert 1 in HOSTILE and "[" * 500 + "]" * 500 in HOSTILE  # "stop": 1, nested brackets
    assert "show: &a {title: *a}\nsegments: []\n" in HOSTILE  # a self-referencing alias
    assert any(q.startswith("key=%D0") for q in HOSTILE_QUERY)  # a non-ASCII ?key=
    assert "stop" in TEMPLATES["/v1/chat/completions"]
