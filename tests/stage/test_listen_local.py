"""A show listens to an audio input on its own machine (a file-backed FFmpeg device)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from vhuman.avatar.compat import shared_data_dir
from vhuman.models.types import InputError
from vhuman.stage.chat.responder import ChatResponder
from vhuman.stage.listen.config import DeviceSpec, ListenConfig
from vhuman.stage.listen.local import open_local_microphones, parse_device_spec
from vhuman.stage.testing_performer import FakeBrain, FakePerformer

SPEECH = shared_data_dir() / "speech"


def test_device_specs_from_the_command_line_and_the_settings():
    assert parse_device_spec("default") == DeviceSpec("default", "studio", "host")
    assert parse_device_spec("alsa:hw:1,0@Ana/guest") == DeviceSpec("alsa:hw:1,0", "Ana", "guest")
    assert parse_device_spec("lavfi:amovie=a.wav@Press/reporter").role == "reporter"
    with pytest.raises(InputError, match="role"):
        parse_device_spec("default@Ana/boss")
    config = ListenConfig.from_mapping({"devices": ["default", {"device": "alsa:hw:1,0",
                                                                "speaker": "Ana", "role": "guest"}]})
    assert config.devices == (DeviceSpec("default"), DeviceSpec("alsa:hw:1,0", "Ana", "guest"))
    with pytest.raises(InputError, match="unknown key"):
        ListenConfig.from_mapping({"devices": [{"device": "default", "volume": 3}]})


def _device(name: str, pad_s: float = 3.0) -> str:
    """A recording played as an FFmpeg input device, with silence after it."""
    return f"lavfi:amovie={SPEECH / name},apad=pad_dur={pad_s}"


def test_a_local_device_is_heard_and_answered_by_the_shows_brain():
    async def scenario():
        performer = FakePerformer(0.001)
        await performer.start()
        brain = FakeBrain(sentences=1)
        specs = [DeviceSpec(_device("en_ljspeech_LJ001-0004.wav"), "Studio", "guest"),
                 DeviceSpec("nosuchformat:x", "Nobody", "guest")]  # skipped, logged
        mics = await open_local_microphones(ListenConfig(), specs, performer,
                                            responder=ChatResponder(brain, performer))
        assert [m.spec.speaker for m in mics] == ["Studio"]
        desk = mics[0].session.desk
        for _ in range(600):  # the device ends after its padding; the turn is answered
            if desk.records:
                break
            await asyncio.sleep(0.1)
        status = mics[0].status()
        for mic in mics:
            await mic.close()
        return brain, desk.records, status

    brain, records, status = asyncio.run(scenario())
    assert brain.asked and "block books" in brain.asked[0][0].lower()
    assert brain.asked[0][1] == "Studio"
    assert records[0]["speaker"] == "Studio" and records[0]["answered_by"] == "brain"
    assert status["device"].startswith("lavfi:") and status["device_error"] is None


def test_vhuman_show_opens_its_listen_devices_and_closes_them(tmp_path: Path):
    from vhuman.stage.listen.local import show_attachment
    from vhuman.stage.show import run_show_async

    path = tmp_path / "mini.yaml"
    path.write_text("show: {title: Mini}\nsegments:\n  - type: say\n    lines: ['Hello there']\n")
    opened = []
    attach = show_attachment(ListenConfig(), [parse_device_spec("nosuchformat:x@Ana/guest")])

    async def spy(runner):
        opened.append(runner.show_id)
        return await attach(runner)

    runner = asyncio.run(run_show_async(
        path, ["out/x.mp4"], performer_factory=lambda r, o: FakePerformer(0.001),
        brain=FakeBrain(), attach=[spy]))
    assert runner.state == "finished" and opened == ["mini"]  # a bad device: the show goes on


def test_vhuman_serve_listens_to_the_settings_devices(tmp_path: Path, monkeypatch):
    from fastapi.testclient import TestClient

    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.server.routes import listen as listen_routes
    from vhuman.stage.store import SQLiteStore

    settings_file = tmp_path / "listen.yaml"
    settings_file.write_text("listen:\n  devices:\n"
                             f"    - {{device: '{_device('en_ljspeech_LJ001-0004.wav')}', "
                             "speaker: Studio, role: guest}\n")
    monkeypatch.setenv("VHUMAN_LISTEN_SETTINGS", str(settings_file))
    monkeypatch.setattr(listen_routes, "_config", None)
    brains: list[FakeBrain] = []

    def brain(show_id: str, rundown: object) -> FakeBrain:
        brains.append(FakeBrain(sentences=1))
        return brains[-1]

    settings = ServerSettings(api_keys={"host-key-1": "host"}, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(lambda s, r: FakePerformer(0.01), brain),
                     store=SQLiteStore(tmp_path / "t.db"))
    headers = {"Authorization": "Bearer host-key-1"}
    with TestClient(app) as client:
        devices: list = []
        for _ in range(600):
            devices = client.get("/v1/shows/main/mic", headers=headers).json()["devices"]
            if devices and devices[0]["turns"]:
                break
            time.sleep(0.1)
        assert devices and devices[0]["speaker"] == "Studio" and devices[0]["turns"] == 1
        for _ in range(300):
            if brains and brains[0].asked:
                break
            time.sleep(0.1)
    assert brains[0].asked and "block books" in brains[0].asked[0][0].lower()
    assert brains[0].asked[0][1] == "Studio"
