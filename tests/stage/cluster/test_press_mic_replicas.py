"""The press desk's microphone behind several API replicas without sticky sessions: the
WebRTC offer goes to replica A, the page's polls and its close to replica B (real Redis
and PostgreSQL, a real WebRTC peer, the real listening path with the packaged Whisper)."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.desks import write_spoken_question

_spec = importlib.util.spec_from_file_location(
    "cluster_env", Path(__file__).resolve().parents[1] / "cluster_env.py")
cluster_env = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(cluster_env)  # type: ignore[union-attr]
H, REPORTER, Cluster = cluster_env.H, cluster_env.REPORTER, cluster_env.Cluster

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None or not list(Path("/usr/lib/postgresql").glob("*/bin"))
    and shutil.which("postgres") is None,
    reason="redis-server and PostgreSQL are installed by scripts/setup.sh")

PRESS = {"Authorization": f"Bearer {REPORTER}"}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Any]:
    with cluster_env.running(tmp_path, "t_mic") as env:
        yield env


async def _ask_by_voice(a: Any, b: Any, wav: Path) -> tuple[str, list[dict[str, Any]],
                                                             dict[str, Any]]:
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaPlayer

    player = MediaPlayer(str(wav))
    pc = RTCPeerConnection()
    pc.addTrack(player.audio)
    await pc.setLocalDescription(await pc.createOffer())
    try:
        r = await asyncio.to_thread(a.post, "/v1/press/mic", headers=PRESS, json={
            "sdp": pc.localDescription.sdp, "type": "offer"})
        assert r.status_code == 200, r.text
        opened = r.json()
        await pc.setRemoteDescription(RTCSessionDescription(opened["sdp"], opened["type"]))
        peer = opened["peer"]
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            got = await asyncio.to_thread(b.get, f"/v1/press/mic/{peer}", headers=PRESS)
            assert got.status_code == 200, got.text
            seen.append(got.json())
            if any(t["status"] == "ok" for t in got.json()["heard"]):
                break
            await asyncio.sleep(0.3)
        closed = await asyncio.to_thread(b.delete, f"/v1/press/mic/{peer}", headers=PRESS)
        assert closed.status_code == 200, closed.text
        return peer, seen, closed.json()
    finally:
        await pc.close()
        player.audio.stop()


def test_a_microphone_opened_on_one_replica_is_read_and_closed_through_another(
        cluster: Any, tmp_path: Path) -> None:
    pytest.importorskip("aiortc")
    a, b = cluster.api(), cluster.api()
    wav = write_spoken_question(tmp_path / "q.wav", "When is the ice hockey final?",
                                lead_s=1.0, tail_s=3.0)
    peer, seen, closed = asyncio.run(_ask_by_voice(a, b, wav))
    states = [s["state"] for s in seen]
    assert "listening" in states, states
    ok = [t for t in seen[-1]["heard"] if t["status"] == "ok"]
    assert ok and "hockey" in ok[0]["text"].lower(), seen[-1]
    assert ok[0]["recognised_s"] is not None and ok[0]["age_s"] >= 0
    assert closed["state"] == "closed" and closed["heard"][0]["id"] == ok[0]["id"]
    # the same record from either replica; another key reads nothing on either
    for api in (a, b):
        again = api.get(f"/v1/press/mic/{peer}", headers=PRESS).json()
        assert again["state"] == "closed" and again["heard"][0]["text"] == ok[0]["text"]
        assert api.get(f"/v1/press/mic/{peer}", headers=H).status_code == 404
        assert api.delete(f"/v1/press/mic/{peer}", headers=H).status_code == 404
    assert b.get("/v1/press/mic/not-a-peer", headers=PRESS).status_code == 404
