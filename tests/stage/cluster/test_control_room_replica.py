"""The control room through an API replica, against a real worker with real Redis and
PostgreSQL: camera shots, the run-of-show editor and the chat desk answer exactly as in
single-server mode (tests/stage/test_server_control_room.py), refusals included."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location(
    "cluster_env", Path(__file__).resolve().parents[1] / "cluster_env.py")
cluster_env = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(cluster_env)  # type: ignore[union-attr]
H, Cluster, wait_for = cluster_env.H, cluster_env.Cluster, cluster_env.wait_for

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None or not list(Path("/usr/lib/postgresql").glob("*/bin"))
    and shutil.which("postgres") is None,
    reason="redis-server and PostgreSQL are installed by scripts/setup.sh")

LIVE = "vhuman.stage.cluster.testing:live_backends"


def rundown(show_id: str) -> str:
    """A long say segment (chat waits in the queue meanwhile), two short ones, a chat
    window."""
    talk = "\n".join(f'      - "Line {i} of the opening ' + "word " * 8 + '."'
                     for i in range(40))
    return (f"show:\n  title: Desk {show_id}\n  id: {show_id}\n"
            f"segments:\n  - type: say\n    id: talk\n    lines:\n{talk}\n"
            f"  - type: say\n    id: hello\n    lines: [\"Hello again.\"]\n"
            f"  - type: say\n    id: bye\n    lines: [\"Good night.\"]\n"
            f"  - type: chat\n    id: open\n    minutes: 30\n")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Any]:
    with cluster_env.running(tmp_path, "t_room") as env:
        yield env


def _on_air(api: Any, show: str) -> bool:
    status = api.get(f"/v1/shows/{show}", headers=H).json()
    segment = (status.get("show") or {}).get("segment") or {}
    return bool(status.get("ready") and segment.get("id") == "talk")


def test_run_of_show_and_chat_desk_through_a_replica(cluster: Any) -> None:
    cluster.worker("w1", slots=2)
    a, b = cluster.api(), cluster.api()
    r = a.post("/v1/shows", json={"id": "room", "rundown_yaml": rundown("room"),
                                  "start": True}, headers=H)
    assert r.status_code == 201, r.text
    wait_for(lambda: _on_air(b, "room"), 60, "the opening on air")

    # the run-of-show, from the worker's rundown and runner
    tl = b.get("/v1/shows/room/control/timeline", headers=H)
    assert tl.status_code == 200, tl.text
    assert [(s["id"], s["status"]) for s in tl.json()["segments"]] == [
        ("talk", "on_air"), ("hello", "next"), ("bye", "pending"), ("open", "pending")]
    assert tl.json()["segments"][0]["started_s"] is not None
    tl = b.post("/v1/shows/room/control/reorder", json={"order": ["bye", "hello", "open"]},
                headers=H)
    assert tl.status_code == 200, tl.text
    assert [s["id"] for s in tl.json()["segments"]] == ["talk", "bye", "hello", "open"]
    wrong = b.post("/v1/shows/room/control/reorder", json={"order": ["talk", "bye", "hello",
                                                                     "open"]}, headers=H)
    assert wrong.status_code == 409 and "every segment" in wrong.json()["detail"], wrong.text
    tl = a.post("/v1/shows/room/control/insert", headers=H, json={
        "segment": {"type": "say", "lines": ["Breaking news!"]}, "after": "bye"})
    assert tl.status_code == 200, tl.text
    segments = tl.json()["segments"]
    assert [s["id"] for s in segments] == ["talk", "bye", "live-5", "hello", "open"]
    assert segments[2]["summary"] == "Breaking news!"
    bad = b.post("/v1/shows/room/control/insert", headers=H,
                 json={"segment": {"type": "sing", "score": "../../etc/passwd"}})
    assert bad.status_code == 422 and bad.json()["detail"]["problems"], bad.text
    dup = b.post("/v1/shows/room/control/insert", headers=H,
                 json={"segment": {"type": "say", "id": "bye", "lines": ["x"]}})
    assert dup.status_code == 409 and "exists already" in dup.json()["detail"], dup.text
    aired = b.post("/v1/shows/room/control/insert", headers=H,
                   json={"segment": {"type": "say", "lines": ["x"]}, "after": "nope"})
    assert aired.status_code == 404, aired.text
    # a performer without a camera refuses a shot with its reason, as in single-server
    shot = b.post("/v1/shows/room/control/camera", json={"shot": "close_up"}, headers=H)
    assert shot.status_code == 409 and "no camera shots" in shot.json()["detail"], shot.text

    # the chat desk: the worker's queue while the opening plays
    for viewer, text, gift in (("Ann", "What is the score?", 0), ("Bo", "hello all", 5),
                               ("Cy", "second from Cy", 0)):
        assert a.post("/v1/shows/room/chat", json={"viewer": viewer, "text": text,
                                                   "gift": gift},
                      headers=H if gift else None).status_code == 202

    def queued() -> dict[str, Any] | None:
        desk = b.get("/v1/shows/room/control/chat", headers=H).json()
        return desk if desk["waiting"] == 3 else None

    desk = wait_for(queued, 20, "three messages in the worker's queue")
    assert desk["queue_detail"] and desk["answering"]
    assert [m["viewer"] for m in desk["queue"]][0] == "Bo"  # the gift goes first
    ann = next(m for m in desk["queue"] if m["viewer"] == "Ann")
    assert ann["question"] and ann["first_time"]
    r = b.post("/v1/shows/room/control/chat/block", json={"viewer": "Cy"}, headers=H)
    assert r.status_code == 200 and "1 queued" in r.json()["detail"], r.text
    refused = a.post("/v1/shows/room/chat", json={"viewer": "Cy", "text": "let me back in"})
    assert refused.json()["reason"] == "blocked", refused.text
    assert b.post(f"/v1/shows/room/control/chat/{ann['id']}/skip", headers=H).status_code == 200
    again = b.post(f"/v1/shows/room/control/chat/{ann['id']}/skip", headers=H)
    assert again.status_code == 404 and "no longer in the queue" in again.json()["detail"]
    desk = b.get("/v1/shows/room/control/chat", headers=H).json()
    assert [m["viewer"] for m in desk["queue"]] == ["Bo"] and desk["blocked"] == ["Cy"]
    assert {d["reason"] for d in desk["dropped"]} >= {"blocked", "skipped"}
    # pin: the message as an overlay card on the worker's program
    pin = b.post("/v1/shows/room/control/overlay", headers=H,
                 json={"card": {"title": "Bo", "text": "hello all"}})
    assert pin.status_code == 200, pin.text
    wait_for(lambda: (a.get("/v1/shows/room", headers=H).json()["performer"].get("overlay")
                      == {"title": "Bo", "text": "hello all"}), 10, "the pinned card on air")
    bo = desk["queue"][0]["id"]
    r = a.post(f"/v1/shows/room/control/chat/{bo}/answer", headers=H)
    assert r.status_code == 200 and r.json()["detail"] == "answering Bo", r.text
    assert b.get("/v1/shows/room/control/chat", headers=H).json()["queue"] == []
    assert b.post("/v1/shows/room/control/chat/unblock", json={"viewer": "Cy"},
                  headers=H).status_code == 200
    assert b.post("/v1/shows/room/control/chat/unblock", json={"viewer": "Cy"},
                  headers=H).status_code == 404
    assert a.post("/v1/shows/room/chat", json={"viewer": "Cy", "text": "thanks for that"}
                  ).status_code == 202
    # the show plays the edited order
    assert b.post("/v1/shows/room/skip", headers=H).status_code == 200

    def started() -> list[str] | None:
        segs = b.get("/v1/shows/room/control/timeline", headers=H).json()["segments"]
        done = [s["id"] for s in segs if s["status"] in ("done", "skipped", "on_air")]
        return done if "hello" in done else None

    assert wait_for(started, 30, "the edited run-of-show played")[:4] == [
        "talk", "bye", "live-5", "hello"]


def test_camera_shots_through_a_replica(cluster: Any) -> None:
    cluster.worker("w1", slots=1, backends=LIVE)
    a, b = cluster.api(default_show="tv"), cluster.api(default_show="tv")
    wait_for(lambda: b.get("/v1/shows/tv", headers=H).json().get("ready"), 90,
             "the live show on air")
    r = b.post("/v1/shows/tv/control/camera", json={"shot": "close_up", "transition": "ease",
                                                   "seconds": 0.5}, headers=H)
    assert r.status_code == 200, r.text
    camera = r.json()["detail"]
    assert camera["shot"] == "close_up" and camera["transition"] == "ease"
    assert camera["switches"] == 1
    guest = a.post("/v1/shows/tv/control/camera", json={"shot": "guest"}, headers=H)
    assert guest.status_code == 409 and guest.json()["detail"] == \
        "no guest is on air for the guest shot", guest.text
    bad = a.post("/v1/shows/tv/control/camera", json={"shot": "drone"}, headers=H)
    assert bad.status_code == 422
    r = a.post("/v1/shows/tv/control/camera", json={"shot": "wide"}, headers=H)
    assert r.status_code == 200 and r.json()["detail"]["switches"] == 2, r.text


def test_a_blocked_viewer_stays_blocked_when_the_show_moves(cluster: Any) -> None:
    import os
    import signal

    cluster.worker("w1", slots=2)
    api = cluster.api()
    r = api.post("/v1/shows", json={"id": "moving", "rundown_yaml": rundown("moving"),
                                    "start": True}, headers=H)
    assert r.status_code == 201, r.text
    wait_for(lambda: _on_air(api, "moving"), 60, "the opening on air")
    r = api.post("/v1/shows/moving/control/chat/block", json={"viewer": "Cy"}, headers=H)
    assert r.status_code == 200, r.text
    cluster.worker("w2", slots=2)
    os.kill(cluster.workers["w1"].pid, signal.SIGKILL)

    def moved() -> bool:
        status = api.get("/v1/shows/moving", headers=H).json()
        return status.get("worker") == "w2" and bool(status.get("ready"))

    wait_for(moved, 60, "the show on the other worker")
    desk = wait_for(lambda: api.get("/v1/shows/moving/control/chat", headers=H).json()
                    if api.get("/v1/shows/moving", headers=H).json().get("worker") == "w2"
                    else None, 10, "the new holder's chat desk")
    assert desk["queue_detail"] and desk["blocked"] == ["Cy"], desk
    refused = api.post("/v1/shows/moving/chat", json={"viewer": "Cy", "text": "back again"})
    assert refused.json()["reason"] == "blocked", refused.text
