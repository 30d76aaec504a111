"""One suite, both deployments: a single server and the scale-out mode (two API replicas,
a worker, real Redis and PostgreSQL) must answer the same. Chat reaches the asker
("answering", the reply) and the show log; completions answer; per-address limits
(chat, completions, sockets) hold for the address, however many replicas it spreads
its requests over; bad input gets a 4xx on every replica."""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from vhuman.stage.cluster.testing import fake_performer
from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakeQA

_spec = importlib.util.spec_from_file_location("cluster_env",
                                               Path(__file__).parent / "cluster_env.py")
cluster_env = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(cluster_env)  # type: ignore[union-attr]
H, wait_for = cluster_env.H, cluster_env.wait_for

LIMITS: dict[str, Any] = {"http_chat_per_ip_burst": 6, "http_chat_per_ip_per_s": 0.01,
                          "completions_per_ip_burst": 3, "completions_per_ip_per_s": 0.01,
                          "ws_max_per_address": 4, "chat_rate_burst": 50,
                          "chat_rate_per_s": 10}
CLUSTER_READY = shutil.which("redis-server") is not None and (
    bool(list(Path("/usr/lib/postgresql").glob("*/bin"))) or shutil.which("postgres"))


@dataclass
class Deployment:
    mode: str
    replicas: list[TestClient]  # single: the same server twice

    def each(self) -> Iterator[TestClient]:
        yield from self.replicas


def _single(tmp: Path) -> Iterator[Deployment]:
    settings = ServerSettings(api_keys={cluster_env.HOST: "host"}, **LIMITS,
                              _env_file=None)  # type: ignore[call-arg]
    backends = Backends(lambda s, r: fake_performer(s, 0.01), lambda s, r: FakeBrain(),
                        FakeQA({"final": "Sunday."}))
    with TestClient(create_app(settings, backends=backends,
                               store=SQLiteStore(tmp / "single.db"))) as client:
        yield Deployment("single", [client, client])


def _cluster(tmp: Path) -> Iterator[Deployment]:
    if not CLUSTER_READY:
        pytest.skip("redis-server and PostgreSQL are installed by scripts/setup.sh")
    from vhuman.stage.cluster.testing import PostgresServer, RedisServer

    postgres = PostgresServer().start()
    redis = RedisServer(tmp / "redis").start()
    env = cluster_env.Cluster(redis, postgres.create_database("t_parity"), tmp)
    try:
        env.worker("w1", slots=2)
        a, b = env.api(**LIMITS), env.api(**LIMITS)

        def on_air() -> bool:
            listed = {s["id"]: s for s in a.get("/v1/shows", headers=H).json()}
            return bool(listed.get("main", {}).get("ready"))
        wait_for(on_air, 60, "the main show on air")
        yield Deployment("cluster", [a, b])
    finally:
        env.close()
        redis.stop()
        postgres.stop()


@pytest.fixture(scope="module", params=["single", "cluster"])
def deployment(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp(request.param)
    yield from (_single(tmp) if request.param == "single" else _cluster(tmp))


def _events_until(ws: Any, done: Any, limit: int = 200) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while not done(seen) and len(seen) < limit:
        seen.append(json.loads(ws.receive_text()))
    return seen


def test_chat_reaches_the_asker_and_the_show_log(deployment: Deployment) -> None:
    a, b = deployment.replicas
    text = f"what is new on {deployment.mode} today?"
    with a.websocket_connect("/v1/chat/ws?viewer=Asker") as ws:
        time.sleep(0.3)  # the replica's event relay is subscribed
        ws.send_text(json.dumps({"text": text, "ref": "q1"}))
        seen = _events_until(ws, lambda s: any(e.get("type") == "answering" for e in s)
                             and any(e.get("type") == "reply" for e in s))
    ack = next(e for e in seen if e.get("type") == "ack")
    assert ack["accepted"] and ack["ref"] == "q1"
    answering = next(e for e in seen if e.get("type") == "answering")
    assert answering["to"] == "Asker" and answering["ref"] == "q1"

    def logged() -> bool:
        events = b.get("/v1/shows/main/log", headers=H).json()
        return any(e.get("event") == "spoken" and e.get("kind") == "chat"
                   and e.get("answered") == text and e.get("viewer") == "Asker"
                   for e in events)
    wait_for(logged, 30, "the answer in the show log", step=0.2)


def test_completions_answer_on_every_replica(deployment: Deployment) -> None:
    for i, replica in enumerate(deployment.each()):
        r = replica.post("/v1/chat/completions", headers=H, json={
            "model": "vhuman", "messages": [{"role": "user", "content": f"hello {i}"}]})
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"]
    streamed = deployment.replicas[1].post("/v1/chat/completions", headers=H, json={
        "messages": [{"role": "user", "content": "stream it"}], "stream": True})
    assert streamed.status_code == 200 and streamed.text.rstrip().endswith("[DONE]")


def test_per_address_limits_hold_across_replicas(deployment: Deployment) -> None:
    a, b = deployment.replicas
    codes = [(a, b)[i % 2].post("/v1/shows/main/chat",
                                json={"viewer": f"bot{i}", "text": f"spam number {i}"}
                                ).status_code for i in range(10)]
    # one allowance for the address (earlier tests used some of it): counted per replica,
    # the 10 alternating messages would all pass (5 each, under a burst of 6)
    assert codes.count(202) <= LIMITS["http_chat_per_ip_burst"] and codes[-4:] == [429] * 4, \
        codes
    body = {"messages": [{"role": "user", "content": "hi"}]}
    done = [(a, b)[i % 2].post("/v1/chat/completions", json=body).status_code
            for i in range(5)]
    assert done.count(200) <= LIMITS["completions_per_ip_burst"] and done[-2:] == [429] * 2, \
        done
    # sockets: four per address in all, wherever they connect
    with a.websocket_connect("/v1/chat/ws"), b.websocket_connect("/v1/chat/ws"), \
            a.websocket_connect("/v1/chat/ws"), b.websocket_connect("/v1/chat/ws"):
        for replica in (a, b):
            with pytest.raises(WebSocketDisconnect) as refused, \
                    replica.websocket_connect("/v1/chat/ws") as ws:
                ws.receive_text()
            assert refused.value.code == 1008
    with a.websocket_connect("/v1/chat/ws"):  # released
        pass


@pytest.mark.parametrize("path,body", [
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "stop": 1}),
    ("/v1/shows", {"id": "bad", "rundown_yaml": "[" * 500 + "]" * 500}),
    ("/v1/shows", {"id": "bad", "rundown_yaml": "show: &a {title: *a}\nsegments: []\n"}),
    ("/v1/shows/main/chat", {"viewer": "x", "text": "hi", "gift": "1e999"}),
])
def test_reported_inputs_get_a_4xx_on_every_replica(deployment: Deployment, path: str,
                                                    body: dict[str, Any]) -> None:
    for replica in deployment.each():
        r = replica.post(path, json=body, headers=H)
        assert 400 <= r.status_code < 500, (deployment.mode, path, r.status_code, r.text)
    page = deployment.replicas[0].get("/shows/main/view?key=%D0%BA%D0%BB",
                                      follow_redirects=False)
    assert page.status_code == 401


def test_no_path_or_socket_gets_a_server_error_on_any_replica(deployment: Deployment) -> None:
    for replica in deployment.each():
        assert replica.get("/v1/shows/%00/log", headers=H).status_code == 404
        assert replica.get("/v1/shows/%ED%A0%80", headers=H).status_code == 404
        for path in ("/params", "/shows/main/params"):
            # the fake performer streams no ticks (nor does a replica): a clear close
            with pytest.raises(WebSocketDisconnect) as closed, \
                    replica.websocket_connect(path + "?format=%ED%A0%80x") as ws:
                while True:
                    event = ws.receive_json()
                    assert event["type"] == "error" and "%ED" not in json.dumps(event)
            assert closed.value.code == 1008, (deployment.mode, path)


def test_a_failed_show_start_leaves_nothing_registered(deployment: Deployment) -> None:
    a, b = deployment.replicas
    for replica in (a, b):  # the retry is tried again, not refused as "already exists"
        created = replica.post("/v1/shows", json={"id": "broken-avatar"}, headers=H)
        assert created.status_code == 503, (deployment.mode, created.text)
        detail = created.json()["detail"]
        assert "missing.vrm" in detail and "broken-avatar" in detail
        for other in (a, b):  # replicas see the registry within a refresh (0.25 s)
            wait_for(lambda r=other: r.get("/v1/shows/broken-avatar",  # type: ignore[misc]
                                           headers=H).status_code == 404, 5, "unregistered")
            assert "broken-avatar" not in json.dumps(other.get("/v1/shows", headers=H).json())


def test_params_stream_through_every_replica(deployment: Deployment) -> None:
    from vhuman.stage.outputs.params import decode_binary

    a, b = deployment.replicas
    created = a.post("/v1/shows", json={"id": "ticking-params"}, headers=H)
    assert created.status_code == 201, created.text
    wait_for(lambda: b.get("/v1/shows/ticking-params", headers=H).json().get("ready"), 30,
             "the show on air")
    for replica in (a, b):
        with replica.websocket_connect("/shows/ticking-params/params") as ws:
            hello = ws.receive_json()
            assert hello["type"] == "hello" and hello["fps"] == 25.0
            assert "viseme_aa" in hello["morphs"] and "hips" in hello["bones"]
            frames = [ws.receive_json() for _ in range(3)]
        assert [f["type"] for f in frames] == ["frame"] * 3
        assert frames[0]["i"] < frames[1]["i"] < frames[2]["i"]
        assert frames[0]["bones"]["hips"] == [0.0, 0.0, 0.0, 1.0]
        with replica.websocket_connect("/params?performer=ticking-params&format=binary") as ws:
            hello = ws.receive_json()
            frame = decode_binary(ws.receive_bytes(), len(hello["morphs"]), len(hello["bones"]))
        assert frame["rotations"].shape == (len(hello["bones"]), 4)
    assert a.delete("/v1/shows/ticking-params", headers=H).status_code in (200, 204)
