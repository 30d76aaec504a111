"""The browser desks in scale-out mode: a sign-in on one API replica holds on another
(the session cookie is signed, not stored), and the pages' actions (run-of-show and chat
desk included) reach the show's worker."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from vhuman.stage.server.pagesession import SESSION_COOKIE

_spec = importlib.util.spec_from_file_location("cluster_env",
                                               Path(__file__).parent / "cluster_env.py")
cluster_env = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(cluster_env)  # type: ignore[union-attr]
H, HOST, Cluster, rundown, wait_for = (cluster_env.H, cluster_env.HOST, cluster_env.Cluster,
                                       cluster_env.rundown, cluster_env.wait_for)

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None or not list(Path("/usr/lib/postgresql").glob("*/bin"))
    and shutil.which("postgres") is None,
    reason="redis-server and PostgreSQL are installed by scripts/setup.sh")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with cluster_env.running(tmp_path, "t_desks") as env:
        yield env


def test_sign_in_on_one_replica_acts_through_another(cluster: Cluster) -> None:
    cluster.worker("w1", slots=2)
    a, b = cluster.api(default_show="main"), cluster.api(default_show="main")
    r = a.post("/v1/shows", json={"id": "desk", "rundown_yaml": rundown("desk"),
                                  "start": True}, headers=H)
    assert r.status_code == 201, r.text
    wait_for(lambda: b.get("/v1/shows/desk", headers=H).json().get("ready"), 30,
             "the show on air")
    signed = a.post("/v1/session", json={"key": HOST})
    assert signed.status_code == 200
    csrf = signed.json()["csrf"]
    b.cookies.set(SESSION_COOKIE, a.cookies[SESSION_COOKIE])
    assert b.get("/v1/session").json()["role"] == "host"
    assert b.get("/control").status_code == 200
    t = {"X-CSRF-Token": csrf}
    r = b.post("/v1/shows/desk/control/say", json={"text": "Hello from the other replica."},
               headers=t)
    assert r.status_code == 200, r.text
    assert b.post("/v1/shows/desk/pause", headers=t).status_code == 200
    assert b.post("/v1/shows/desk/control/interrupt", json={}).status_code == 403  # no token
    r = b.get("/v1/shows/desk/control/timeline")
    assert r.status_code == 200 and r.json()["segments"][0]["id"] == "talk", r.text
    desk = b.get("/v1/shows/desk/control/chat")
    assert desk.status_code == 200 and desk.json()["queue_detail"] is True, desk.text
    r = b.post("/v1/shows/desk/control/chat/block", json={"viewer": "Ann"}, headers=t)
    assert r.status_code == 200 and r.json()["detail"].startswith("blocked Ann"), r.text
    assert b.get("/v1/control/library").status_code == 200
