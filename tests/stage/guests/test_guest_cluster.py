"""Guests in a scaled-out deployment: invite, join (WebRTC), admit and remove go to an
API replica and are carried out by the worker that renders the show; live captions reach
viewers on every replica; a guest survives the show moving to another worker."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location(
    "cluster_env", Path(__file__).parent.parent / "cluster_env.py")
cluster_env = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(cluster_env)  # type: ignore[union-attr]
H, Cluster, wait_for = cluster_env.H, cluster_env.Cluster, cluster_env.wait_for

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None or not list(Path("/usr/lib/postgresql").glob("*/bin"))
    and shutil.which("postgres") is None,
    reason="redis-server and PostgreSQL are installed by scripts/setup.sh")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    # leases of 5 s: a worker starved by a saturated CPU must not lose its show mid-test
    with cluster_env.running(tmp_path, "t_guests", lease_s=5.0) as env:
        yield env


def _guest(api: Any, show: str) -> Any | None:
    listed = api.get(f"/v1/shows/{show}/guests", headers=H).json().get("guests") or []
    return listed[0] if listed else None


def test_guest_joins_and_is_controlled_through_an_api_replica(cluster: Cluster) -> None:
    from aiortc import RTCPeerConnection, RTCSessionDescription

    cluster.worker("w1", slots=1, backends="vhuman.stage.cluster.testing:live_backends")
    api = cluster.api(default_show="tv")

    def ready() -> bool:
        listed = {s["id"]: s for s in api.get("/v1/shows", headers=H).json()}
        return bool(listed.get("tv", {}).get("worker") and listed["tv"].get("ready"))

    wait_for(ready, 90, "the live show on air")
    made = api.post("/v1/shows/tv/guests", json={"name": "Ana Lopez"}, headers=H)
    assert made.status_code == 201, made.text
    token, gid = made.json()["token"], made.json()["guest"]["id"]

    async def join() -> dict[str, Any]:
        guest_mod = _load_server_test()
        pc = RTCPeerConnection()
        camera, mic = guest_mod._guest_tracks()
        pc.addTrack(camera)
        pc.addTrack(mic)
        await pc.setLocalDescription(await pc.createOffer())
        r = await asyncio.to_thread(api.post, "/v1/shows/tv/guests/join", json={
            "token": token, "sdp": pc.localDescription.sdp, "type": "offer"})
        assert r.status_code == 200, r.text
        await pc.setRemoteDescription(RTCSessionDescription(r.json()["sdp"], "answer"))
        out = {"joined": r.json()["guest"]["state"]}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            g = await asyncio.to_thread(_guest, api, "tv")
            if g and g.get("frames", 0) > 3:
                break
            await asyncio.sleep(0.2)
        out["seen"] = g
        admitted = await asyncio.to_thread(api.post, "/v1/shows/tv/guests/control",
                                           json={"guest": gid, "action": "admit"}, headers=H)
        out["admitted"] = admitted.json()["guest"]["state"]
        removed = await asyncio.to_thread(api.post, "/v1/shows/tv/guests/control",
                                          json={"guest": gid, "action": "remove"}, headers=H)
        out["removed"] = removed.json()["guest"]["state"]
        again = await asyncio.to_thread(api.post, "/v1/shows/tv/guests/me", json={"token": token})
        out["again"] = (again.status_code, again.json()["detail"])
        missing = await asyncio.to_thread(api.post, "/v1/shows/tv/guests/control",
                                          json={"guest": "nobody", "action": "mute"}, headers=H)
        out["missing"] = missing.status_code
        await pc.close()
        return out

    out = asyncio.run(join())
    assert out["joined"] == "waiting"
    assert out["seen"]["link"] == "connected" and out["seen"]["camera"] == [240, 360]
    assert out["admitted"] == "on_air" and out["removed"] == "removed"
    assert out["again"] == (403, "this invite was withdrawn by the host")
    assert out["missing"] == 404


def _load_server_test() -> Any:
    spec = importlib.util.spec_from_file_location(
        "guest_server_test", Path(__file__).parent / "test_guest_server.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


LIVE = "vhuman.stage.cluster.testing:live_backends"


def _read_events(socket: Any, into: list[dict[str, Any]]) -> None:
    """Every event of a viewer socket until it closes (a thread: reads never hang a test)."""
    with contextlib.suppress(Exception):
        while True:
            into.append(json.loads(socket.receive_text()))


def _holder(api: Any, show: str) -> str | None:
    listed = {s["id"]: s for s in api.get("/v1/shows", headers=H).json()}
    status = listed.get(show, {})
    return status.get("worker") if status.get("ready") else None


async def _join(api: Any, token: str) -> tuple[Any, dict[str, Any]]:
    """A guest's browser (aiortc) joins through ``api``; returns the connection and reply."""
    from aiortc import RTCPeerConnection, RTCSessionDescription

    pc = RTCPeerConnection()
    camera, mic = _load_server_test()._guest_tracks()
    pc.addTrack(camera)
    pc.addTrack(mic)
    await pc.setLocalDescription(await pc.createOffer())
    r = await asyncio.to_thread(api.post, "/v1/shows/tv/guests/join", json={
        "token": token, "sdp": pc.localDescription.sdp, "type": "offer"})
    assert r.status_code == 200, r.text
    await pc.setRemoteDescription(RTCSessionDescription(r.json()["sdp"], "answer"))
    return pc, r.json()


async def _frames_seen(api: Any, more_than: int = 3, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    guest: dict[str, Any] = {}
    while time.monotonic() < deadline:
        guest = await asyncio.to_thread(_guest, api, "tv") or {}
        if guest.get("frames", 0) > more_than and guest.get("link") == "connected":
            break
        await asyncio.sleep(0.2)
    return guest


def test_captions_on_every_replica_and_a_guest_survives_failover(cluster: Cluster) -> None:
    cluster.worker("w1", slots=1, backends=LIVE)
    cluster.worker("w2", slots=1, backends=LIVE)
    a, b = cluster.api(default_show="tv"), cluster.api(default_show="tv")
    wait_for(lambda: _holder(a, "tv"), 90, "the live show on air")

    # live captions: sent through replica A, seen by a viewer connected to replica B
    with b.websocket_connect("/v1/shows/tv/chat/ws?viewer=watcher") as viewer:
        time.sleep(0.3)  # the replica's event relay is subscribed
        events: list[dict[str, Any]] = []
        threading.Thread(target=_read_events, args=(viewer, events), daemon=True).start()

        def captions() -> list[dict[str, Any]]:
            return [e for e in list(events) if e.get("type") == "caption"]
        # revisions a second apart, as a recogniser sends them (within one tick only the
        # newest would go out)
        for rev, (text, final) in enumerate((("The first", False),
                                             ("The first bridge I built", False),
                                             ("The first bridge I built was in Lima.", True)), 1):
            r = a.post("/v1/shows/tv/captions", headers=H, json={
                "speaker": "Ana Lopez", "text": text, "id": "ana-1", "final": final})
            assert r.status_code == 202, r.text
            wait_for(lambda rev=rev: any(c.get("rev") == rev for c in captions()), 30,
                     f"revision {rev} on the other replica")
        said = a.post("/v1/shows/tv/control/say", headers=H, json={"text": "Welcome back."})
        assert said.status_code == 200, said.text
        wait_for(lambda: any(c["role"] == "host" for c in captions()), 30,
                 "the host's caption on the other replica")
    shown = captions()
    people = [c for c in shown if c["role"] == "guest"]
    assert [(c["id"], c["rev"], c["final"]) for c in people] == \
        [("api:ana-1", 1, False), ("api:ana-1", 2, False), ("api:ana-1", 3, True)]
    assert people[-1]["text"] == "The first bridge I built was in Lima."
    assert [c["text"] for c in shown if c["role"] == "host"] == ["Welcome back."]

    # a guest invited, joined and admitted through the replicas, on the first worker
    made = a.post("/v1/shows/tv/guests", json={"name": "Ana Lopez"}, headers=H)
    assert made.status_code == 201, made.text
    token, gid = made.json()["token"], made.json()["guest"]["id"]

    async def failover() -> dict[str, Any]:
        out: dict[str, Any] = {}
        pc, joined = await _join(b, token)
        out["joined"] = joined["guest"]["state"]
        out["seen"] = await _frames_seen(a)
        admitted = await asyncio.to_thread(a.post, "/v1/shows/tv/guests/control",
                                           json={"guest": gid, "action": "admit"}, headers=H)
        out["admitted"] = admitted.json()["guest"]["state"]
        # the worker dies under the connected guest; the other one takes the show
        first = await asyncio.to_thread(wait_for, lambda: _holder(a, "tv"), 30, "the holder")
        os.kill(cluster.workers[first].pid, signal.SIGKILL)
        out["second"] = await asyncio.to_thread(
            wait_for, lambda: (w := _holder(a, "tv")) and w != first and w, 60,
            "the show on the other worker")
        out["kept"] = await asyncio.to_thread(wait_for, lambda: _guest(b, "tv"), 10,
                                              "the guest list on the new holder")
        await pc.close()  # the page gives up the dead connection and joins again
        again, rejoined = await _join(a, token)
        out["rejoined"] = rejoined["guest"]
        out["seen_again"] = await _frames_seen(b)
        await again.close()
        return out

    out = asyncio.run(failover())
    assert out["joined"] == "waiting" and out["seen"].get("frames", 0) > 3
    assert out["admitted"] == "on_air"
    kept, second = out["kept"], out["second"]
    assert kept["id"] == gid and kept["state"] == "on_air" and kept["link"] == "lost"
    assert out["rejoined"]["state"] == "on_air" and out["rejoined"]["joins"] == 2  # admitted
    assert out["seen_again"]["link"] == "connected" and out["seen_again"]["frames"] > 3
    assert "guest(s) taken over" in cluster.log(second)
