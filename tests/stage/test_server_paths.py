"""What a host key can reach: rundowns, music, avatars, pictures and outputs stay inside
the configured roots; errors name the field, never a file's content or its existence."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.server.media import MediaPolicy
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer

HOST = "host-key-123"
H = {"X-API-Key": HOST}
SECRET = "hunter2-very-secret"
GOOD = "show: {title: Paths}\nsegments:\n  - type: say\n    lines: [hello]\n"


class Env:
    def __init__(self, client: TestClient, root: Path, made: dict[str, Any]) -> None:
        self.client, self.root, self.made = client, root, made

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def out(self) -> Path:
        return self.root / "out"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    (tmp_path / "media" / "music").mkdir(parents=True)
    (tmp_path / "out").mkdir()
    (tmp_path / "secret.yaml").write_text(f"password: {SECRET}\n")
    (tmp_path / "media" / "song.wav").write_bytes(b"RIFF" + bytes(64))
    made: dict[str, Any] = {}

    def performer(show_id: str, rundown: Any) -> FakePerformer:
        made[show_id] = rundown
        return FakePerformer(0.01)

    settings = ServerSettings(api_keys={HOST: "host"}, media_root=tmp_path / "media",
                              output_root=tmp_path / "out",
                              rtmp_allowed_hosts=["live.example.com"],
                              _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain()),
                     store=SQLiteStore(tmp_path / "p.db"))
    with TestClient(app) as client:
        yield Env(client, tmp_path, made)


def _create(env: Env, **body: Any) -> Any:
    return env.client.post("/v1/shows", json=body, headers=H)


def test_rundown_path_outside_the_root_is_refused_alike_whether_it_exists_or_not(
        env: Env) -> None:
    answers = [_create(env, rundown_path=p) for p in (
        str(env.root / "secret.yaml"), "../secret.yaml", "/etc/shadow", "/etc/passwd",
        str(env.root / "missing.yaml"), "missing.yaml", "/dev/zero")]
    assert {a.status_code for a in answers} == {422}
    bodies = {a.text for a in answers}
    assert len(bodies) == 1, bodies  # one answer for all: no existence oracle
    assert SECRET not in bodies.pop() and "root:" not in answers[3].text
    assert "rundown_path" in answers[0].text


def test_rundown_errors_name_the_field_never_the_value(env: Env) -> None:
    (env.media / "leaky.yaml").write_text(
        f"show: {{title: X}}\nsegments:\n  - type: {SECRET}\n    lines: [{SECRET}x]\n")
    bad = _create(env, rundown_path="leaky.yaml")
    assert bad.status_code == 422 and "segments[0].type" in bad.text
    assert SECRET not in bad.text
    inline = _create(env, rundown_yaml=f"show: {{title: 7}}\nsecret: {SECRET}\nsegments: []\n")
    assert inline.status_code == 422 and SECRET not in inline.text
    (env.media / "bin.yaml").write_bytes(b"\xff\xfe" + SECRET.encode())
    binary = _create(env, rundown_path="bin.yaml")
    assert binary.status_code == 422 and SECRET not in binary.text
    (env.media / "show.yaml").write_text(GOOD)
    assert _create(env, rundown_path="show.yaml", id="ok").status_code == 201


def test_music_and_avatar_in_rundowns_and_control_stay_inside_the_media_root(
        env: Env) -> None:
    c = env.client
    outside = str(env.root / "secret.yaml")
    for music in (outside, "/etc/shadow", "../secret.yaml"):
        r = c.post("/v1/shows/main/control/dance", json={"music": music}, headers=H)
        assert r.status_code == 422 and SECRET not in r.text and "music" in r.text
    assert c.post("/v1/shows/main/control/dance", json={"music": "song.wav"},
                  headers=H).status_code == 200
    dance = f"  - type: dance\n    music: {outside}\n    duration: 5\n"
    r = _create(env, rundown_yaml=GOOD + dance)
    assert r.status_code == 422 and "segments[1].music" in r.text and SECRET not in r.text
    r = _create(env, rundown_yaml=f"avatar: {outside}\n" + GOOD, id="av")
    assert r.status_code == 422 and "avatar" in r.text and "av" not in env.made
    ok = _create(env, rundown_yaml=GOOD + "  - type: dance\n    music: song.wav\n"
                                          "    duration: 5\n", id="danced")
    assert ok.status_code == 201
    assert env.made["danced"].segments[1].music == (env.media / "song.wav").resolve()
    card = {"name": "Cap", "image": "/etc/passwd"}
    assert c.post("/v1/shows/main/control/overlay", json={"card": card},
                  headers=H).status_code == 422
    card["image"] = "https://shop.example.com/cap.png"
    assert c.post("/v1/shows/main/control/overlay", json={"card": card},
                  headers=H).status_code == 200


def test_outputs_stay_in_the_output_root_and_streams_go_to_allowed_hosts(env: Env) -> None:
    evil = env.root / "evil"
    for outputs in ([str(evil / "x.mp4")], ["../evil/x.mp4"], ["rtmp://127.0.0.1:1935/live/k"],
                    ["http://127.0.0.1:8080/x.flv"], ["file:///etc/cron.d/x"],
                    ["srt://live.example.com:9000"], ["notes.txt"]):
        r = _create(env, rundown_yaml=GOOD + f"outputs: {outputs}\n".replace("'", '"'))
        assert r.status_code == 422 and "outputs[0]" in r.text, (outputs, r.text)
    assert not evil.exists()  # nothing created outside the root
    r = _create(env, id="rec", rundown_yaml=GOOD + 'outputs: ["night/show.mp4", '
                                                   '"rtmp://live.example.com/app/key"]\n')
    assert r.status_code == 201, r.text
    assert env.made["rec"].outputs == [str((env.out / "night" / "show.mp4").resolve()),
                                       "rtmp://live.example.com/app/key"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_never_block_the_server(env: Env) -> None:
    for i in range(6):
        os.mkfifo(env.media / f"pipe{i}.yaml")
    for i in range(6):
        r = _create(env, rundown_path=f"pipe{i}.yaml")
        assert r.status_code == 422 and "rundown_path" in r.text
    r = env.client.post("/v1/shows/main/control/dance", json={"music": "pipe0.yaml"},
                        headers=H)
    assert r.status_code == 422
    assert env.client.get("/readyz").status_code == 200
    assert env.client.post("/v1/chat", json={"viewer": "Ann", "text": "still here?"}
                           ).status_code == 202


def test_policy_reads_off_the_shared_pool_with_a_timeout(tmp_path: Path) -> None:
    import asyncio
    import time

    policy = MediaPolicy.create(tmp_path, tmp_path / "out", read_timeout_s=0.2)

    async def main() -> str:
        try:
            await policy.run(time.sleep, 2.0, field="rundown_path")
        except Exception as exc:  # noqa: BLE001
            return str(exc)
        return "no timeout"

    assert asyncio.run(main()).startswith("rundown_path: reading the file took longer")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 5000)
    small = MediaPolicy.create(tmp_path, tmp_path, max_file_bytes=4096)
    with pytest.raises(Exception, match="larger than 4096"):
        small.read_text("big.yaml", "rundown_path")
