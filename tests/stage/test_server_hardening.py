"""The second black-box probe's findings, each reproduced: 5xx on bad input, file content
and inputs echoed in errors, keys under encoded names, viewer-claimed priorities,
completions without a limit, proxy headers believed from anyone, sockets per address."""

from __future__ import annotations

import json
import logging
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.server.hardening import SecretScrubber
from vhuman.stage.show.loader import MAX_YAML_NODES, parse_rundown
from vhuman.stage.show.rundown import RundownError
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer

HOST, VIEWER = "host-key-hard-1", "viewer-key-hard-1"
H = {"X-API-Key": HOST}
SECRET_FILE = '{"host-key-in-a-file-9": "host"}\n'
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True))
"""A 380-byte "billion laughs": 9**9 strings once its aliases are expanded."""


class Env:
    def __init__(self, client: TestClient, media: Path, performers: dict[str, Any]) -> None:
        self.client, self.media, self.performers = client, media, performers


def _env(tmp_path: Path, **overrides: Any) -> Iterator[Env]:
    media = tmp_path / "media"
    media.mkdir(parents=True)
    (media / "keys.json").write_text(SECRET_FILE)
    (media / "card.png").write_bytes(b"\x89PNG" + bytes(32))
    performers: dict[str, Any] = {}

    def performer(show_id: str, rundown: Any) -> FakePerformer:
        performers[show_id] = FakePerformer(0.01)
        return performers[show_id]

    options: dict[str, Any] = {"api_keys": {HOST: "host", VIEWER: "viewer"},
                               "media_root": media, "output_root": tmp_path / "out",
                               "ws_max_per_address": 3, "completions_per_ip_burst": 2,
                               "completions_per_ip_per_s": 0.01} | overrides
    settings = ServerSettings(**options, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "h.db"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Env(client, media, performers)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from _env(tmp_path)


def _no_echo(response: Any, *needles: str) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    for needle in needles:
        assert needle not in response.text, (needle, response.text[:300])


def test_the_reported_bodies_and_queries_get_4xx_not_500(env: Env) -> None:
    c = env.client
    stop = c.post("/v1/chat/completions",
                  json={"messages": [{"role": "user", "content": "hi"}], "stop": 1})
    assert stop.status_code == 400 and stop.json()["error"]["message"].startswith("stop")
    for key in ("ключ-не-ascii", "key\u00e9\u00e9\u00e9\u00e9", "a;b=c", "%ED%A0%80x",
                "%FF%FE", "x%0D%0ASet-Cookie:%20a=b"):
        page = c.get(f"/shows/main/view?key={key}", follow_redirects=False)
        assert page.status_code == 401 and "set-cookie" not in page.headers, key
    nested = c.post("/v1/shows", headers=H, json={"id": "n", "rundown_yaml":
                                                  "[" * 500 + "]" * 500})
    assert nested.status_code == 422 and "nested deeper" in nested.text
    self_alias = c.post("/v1/shows", headers=H, json={
        "id": "s", "rundown_yaml": "show: &a {title: *a}\nsegments: []\n"})
    assert self_alias.status_code == 422 and "alias" in self_alias.text


def test_an_alias_bomb_is_refused_at_once_without_building_it(env: Env) -> None:
    assert len(BOMB) <= 400
    tracemalloc.start()
    t0 = time.process_time()
    with pytest.raises(RundownError) as refused:
        parse_rundown(BOMB)
    cpu = time.process_time() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert f"more than {MAX_YAML_NODES}" in str(refused.value)
    assert peak < 20_000_000 and cpu < 5.0  # bounded by the node budget, not 9**9
    response = env.client.post("/v1/shows", headers=H, json={"id": "b", "rundown_yaml": BOMB})
    assert response.status_code == 422 and "aliases" in response.text
    # anchors and aliases within the budget still work (rundowns share blocks that way)
    shared = ("show: {title: Shared}\nsegments:\n  - &s {type: say, lines: [hi]}\n"
              "  - {type: say, id: two, lines: [again]}\n")
    assert len(parse_rundown(shared).segments) == 2


def test_rundown_errors_never_quote_another_files_content(env: Env) -> None:
    r = env.client.post("/v1/shows", headers=H, json={"id": "k", "rundown_path": "keys.json"})
    assert r.status_code == 422
    _no_echo(r, "host-key-in-a-file-9", "keys.json")
    assert "<key>: unknown field" in r.text  # the place and the rule remain
    bad_type = env.client.post("/v1/shows", headers=H, json={
        "id": "t", "rundown_yaml": "show: {title: T}\nsegments:\n  - type: sekret-word\n"})
    assert bad_type.status_code == 422
    _no_echo(bad_type, "sekret-word")


def test_the_overlay_picture_path_is_for_hosts_only(env: Env) -> None:
    c = env.client
    shown = c.post("/v1/shows/main/control/overlay", headers=H,
                   json={"card": {"name": "Mug", "price": 9, "image": "card.png"}})
    assert shown.status_code == 200
    anonymous = c.get("/v1/shows/main").json()["performer"]["overlay"]
    assert anonymous == {"name": "Mug", "price": 9}
    assert str(env.media) not in json.dumps(c.get("/v1/shows").json())
    host = c.get("/v1/shows/main", headers=H).json()["performer"]["overlay"]
    assert host["image"] == str(env.media / "card.png")


def test_webrtc_and_sing_errors_do_not_echo_what_was_sent(env: Env) -> None:
    c = env.client
    marker = "zz-echo-marker-zz"
    offer = c.post("/shows/main/webrtc/offer",
                   json={"type": "offer", "sdp": "v=0\r\n", "performer": marker})
    _no_echo(offer, marker)
    assert offer.status_code == 400
    sdp = c.post("/shows/nope-" + marker + "/webrtc/offer",
                 json={"type": "offer", "sdp": f"v=0\r\no={marker}\r\n"})
    assert sdp.status_code == 404
    _no_echo(sdp, marker)
    (env.media / "song.musicxml").write_text("<score-partwise/>")
    sing = c.post("/v1/shows/main/control/sing", headers=H,
                  json={"score": "song.musicxml", "emotion": marker[:30]})
    assert sing.status_code == 422
    _no_echo(sing, marker[:30])
    problems = sing.json()["detail"]
    assert [p["field"] for p in problems] == ["body.emotion"]  # one message per field


def test_keys_count_only_in_their_documented_places(tmp_path: Path) -> None:
    for env in _env(tmp_path, allow_anonymous_viewers=False):
        c = env.client
        assert c.get("/v1/shows", params={"key": VIEWER}).status_code == 200
        assert c.get(f"/v1/shows?%6bey={VIEWER}").status_code == 401
        assert c.get(f"/v1/shows?KEY={VIEWER}").status_code == 401
        assert c.get(f"/shows/main/view?%6bey={VIEWER}",
                     follow_redirects=False).status_code == 200  # the page, no cookie
        assert "set-cookie" not in c.get(f"/shows/main/view?%6bey={VIEWER}",
                                         follow_redirects=False).headers
        with pytest.raises(WebSocketDisconnect), \
                c.websocket_connect(f"/v1/chat/ws?%6bey={VIEWER}") as ws:
            ws.receive_json()


def test_log_lines_are_scrubbed_of_keys_under_any_spelling() -> None:
    scrubber = SecretScrubber([HOST])
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/1.1" %d', (
                                   "10.0.0.1", "GET", "/v1/shows?%6bey=abc123&KEY=def456"
                                   "&x=1&k%65y=" + HOST.replace("-", "%2D"), 200), None)
    scrubber.filter(record)
    line = record.getMessage()
    assert "abc123" not in line and "def456" not in line and "%2Dkey" not in line
    assert "x=1" in line
    cookie = scrubber.scrub(f"cookie: theme=dark; vhuman_key={VIEWER}")
    assert VIEWER not in cookie and "theme=dark" in cookie


def test_a_viewers_json_cannot_claim_a_gift_priority(env: Env) -> None:
    c = env.client
    plain = c.post("/v1/chat", json={"viewer": "Ann", "text": "hello there"}).json()
    gifted = c.post("/v1/chat", json={"viewer": "Bo", "text": "hello again",
                                      "gift": 1e6}).json()
    assert gifted["priority"] == plain["priority"]
    with c.websocket_connect("/v1/chat/ws?viewer=Cy") as ws:
        ws.send_text(json.dumps({"text": "hi from the socket", "gift": 1e6}))
        ack = next(e for e in iter(ws.receive_json, None) if e["type"] == "ack")
    assert ack["accepted"]
    host = c.post("/v1/chat", headers=H, json={"viewer": "Sponsor", "text": "a real gift",
                                               "gift": 100}).json()
    assert host["priority"] > plain["priority"]  # a host may set one (a verified source)


def test_completions_are_rate_limited_per_address(env: Env) -> None:
    body = {"messages": [{"role": "user", "content": "hi there"}]}
    codes = [env.client.post("/v1/chat/completions", json=body).status_code
             for _ in range(4)]
    assert codes[:2] == [200, 200] and codes[2:] == [429, 429]
    limited = env.client.post("/v1/chat/completions", json=body)
    assert limited.json()["error"]["type"] == "rate_limit_error"


def test_every_socket_route_shares_the_per_address_cap(env: Env) -> None:
    c = env.client
    with c.websocket_connect("/v1/chat/ws"), c.websocket_connect("/v1/chat/ws"), \
            c.websocket_connect("/v1/shows/main/chat/ws"):
        for path in ("/params", "/v1/chat/ws"):
            with pytest.raises(WebSocketDisconnect) as refused, \
                    c.websocket_connect(path) as ws:
                ws.receive_json()
            assert refused.value.code == 1008
    with c.websocket_connect("/params"):  # released when they closed
        pass


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    for trusted in ([], ["testclient", "10.0.0.0/8"]):
        for env in _env(tmp_path / str(len(trusted)), trusted_proxies=trusted,
                        http_chat_per_ip_burst=2, http_chat_per_ip_per_s=0.01,
                        chat_rate_burst=50):
            codes = [env.client.post("/v1/chat", json={"viewer": f"v{i}", "text": f"m {i}"},
                                     headers={"X-Forwarded-For": f"203.0.113.{i}"}
                                     ).status_code for i in range(4)]
            # untrusted: one address (the peer) whatever the header says -> limited;
            # from a trusted proxy each forwarded client has its own allowance
            assert codes == ([202, 202, 429, 429] if not trusted else [202] * 4), codes
