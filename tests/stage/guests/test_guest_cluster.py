"""Guests in a scaled-out deployment: invite, join (WebRTC), admit and remove go to an
API replica and are carried out by the worker that renders the show."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vhuman.stage.cluster.testing import PostgresServer, RedisServer

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
    postgres = PostgresServer().start()
    redis = RedisServer(tmp_path / "redis").start()
    env = Cluster(redis, postgres.create_database("t_guests"), tmp_path)
    try:
        yield env
    finally:
        env.close()
        redis.stop()
        postgres.stop()


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
