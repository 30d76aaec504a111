"""The transcript: every spoken line with what it answered, its source and first audio."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer, FakeQA

HOST = "host-key-123"
H = {"Authorization": f"Bearer {HOST}"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, SQLiteStore]]:
    settings = ServerSettings(api_keys={HOST: "host"}, _env_file=None)  # type: ignore[call-arg]
    store = SQLiteStore(tmp_path / "t.db")
    backends = Backends(lambda s, r: FakePerformer(0.01, first_audio_delay=0.02),
                        lambda s, r: FakeBrain(), FakeQA({"final": "The final is on Sunday."}))
    with TestClient(create_app(settings, backends=backends, store=store)) as c:
        yield c, store


def _spoken(c: TestClient, want: int, timeout: float = 10.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        log = c.get("/v1/shows/main/log", headers=H).json()
        spoken = [e for e in log if e.get("event") == "spoken"]
        if len(spoken) >= want or time.monotonic() > deadline:
            return spoken
        time.sleep(0.05)


def test_chat_reply_qa_answer_and_say_now_are_in_the_log(client: tuple[TestClient, SQLiteStore]) -> None:
    c, _ = client
    assert c.post("/v1/chat", json={"viewer": "Ann", "text": "Tell me about skiing"}).status_code == 202
    chat = _spoken(c, 1)
    assert chat and chat[0]["kind"] == "chat" and chat[0]["answered"] == "Tell me about skiing"
    assert chat[0]["viewer"] == "Ann" and chat[0]["text"].startswith("Ann, thanks for asking")
    assert chat[0]["first_audio_s"] is not None and chat[0]["first_audio_s"] >= 0.02
    assert chat[0]["completed"] is True and chat[0]["chat_id"] is not None
    assert c.post("/v1/qa", json={"question": "When is the final?", "speak": "live",
                                  "show_id": "main"}, headers=H).status_code == 200
    assert len(_spoken(c, 2)) == 2  # the answer was heard before the host cuts in
    assert c.post("/v1/shows/main/control/say", json={"text": "We are back!"},
                  headers=H).status_code == 200
    spoken = _spoken(c, 3)
    kinds = {e["kind"]: e for e in spoken}
    assert kinds["qa"]["answered"] == "When is the final?" and kinds["qa"]["first_audio_s"] is not None
    assert kinds["host"]["text"] == "We are back!" and kinds["host"]["source"] == "host"
    metrics = c.get("/metrics", headers=H).text
    assert 'vhuman_line_first_audio_seconds' in metrics


def test_a_message_cut_by_say_now_before_its_audio_is_not_counted_answered(tmp_path: Path) -> None:
    settings = ServerSettings(api_keys={HOST: "host"}, _env_file=None)  # type: ignore[call-arg]
    store = SQLiteStore(tmp_path / "cut.db")
    backends = Backends(lambda s, r: FakePerformer(0.01, first_audio_delay=1.0),
                        lambda s, r: FakeBrain())
    with TestClient(create_app(settings, backends=backends, store=store)) as c:
        assert c.post("/v1/chat", json={"viewer": "Bo", "text": "What is on next"}).status_code == 202
        time.sleep(0.4)  # answered and queued, its voice not started yet
        c.post("/v1/shows/main/control/say", json={"text": "Breaking news!"}, headers=H)
        spoken = _spoken(c, 2)
        chat = [e for e in spoken if e["kind"] == "chat"]
        assert chat and chat[0]["first_audio_s"] is None and chat[0]["completed"] is False
        assert store.chats("main")[-1].status == "interrupted"
        host = [e for e in spoken if e["kind"] == "host"]
        assert host and host[0]["first_audio_s"] is not None
        assert "vhuman_chat_unheard_total" in c.get("/metrics", headers=H).text


def test_rundown_lines_are_in_the_log(client: tuple[TestClient, SQLiteStore]) -> None:
    c, _ = client
    rundown = "show: {title: T, id: s1}\nsegments:\n  - type: say\n    lines: [Hello and welcome, Here we go]\n"
    assert c.post("/v1/shows", json={"rundown_yaml": rundown, "start": True},
                  headers=H).status_code == 201
    deadline = time.monotonic() + 10
    lines: list[dict] = []
    while time.monotonic() < deadline and len(lines) < 2:
        log = c.get("/v1/shows/s1/log", headers=H).json()
        lines = [e for e in log if e.get("event") == "spoken" and e["kind"] == "rundown"]
        time.sleep(0.05)
    assert [e["text"] for e in lines] == ["Hello and welcome", "Here we go"]
    assert all(e["first_audio_s"] is not None and e["source"] == "show:seg1" or
               e["source"].startswith("show:") for e in lines)
