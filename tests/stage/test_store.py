"""Durable logs: SQLite in WAL mode; nothing acknowledged is lost when killed."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from vhuman.models.types import InputError, VhumanError
from vhuman.stage.store import ChatRecord, QARecord, ShowEvent, SQLiteStore, open_store

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_round_trip_and_wal(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/v.db")
    cid = store.add_chat(ChatRecord("main", "Ann", "hi <b>", gift=2.5))
    store.set_chat_status(cid, "answered")
    store.add_qa(QARecord("reporter:abc", "When?", "Sunday.", [{"doc": "a.md"}], 0.9, True))
    store.add_show_event(ShowEvent("main", "segment_started", {"id": "greeting"}))
    store.add_show_event(ShowEvent("main", "segment_ended", {"id": "greeting"}))
    chat = store.chats("main")[0]
    assert (chat.viewer, chat.text, chat.gift, chat.status) == ("Ann", "hi <b>", 2.5, "answered")
    qa = store.qa_log()[0]
    assert qa.sources == [{"doc": "a.md"}] and qa.answered and qa.key_name == "reporter:abc"
    assert [e.event for e in store.show_events("main")] == ["segment_started", "segment_ended"]
    store.close()
    mode = sqlite3.connect(tmp_path / "v.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_database_urls() -> None:
    assert isinstance(open_store("sqlite://:memory:"), SQLiteStore)
    with pytest.raises(InputError, match="unsupported scheme"):
        open_store("mysql://x")
    with pytest.raises(InputError, match="does not exist"):
        open_store("sqlite:////no/such/dir/v.db")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        with pytest.raises(VhumanError, match="pip install 'psycopg"):
            open_store("postgresql://user:secret@db.example/vhuman")


_SERVER = """
import sys, uvicorn
from vhuman.stage.server import create_app, ServerSettings, Backends
from vhuman.stage.testing_performer import FakePerformer, FakeBrain
settings = ServerSettings(database_url=sys.argv[1], port=int(sys.argv[2]), chat_rate_burst=1000,
                          chat_rate_per_s=1000, _env_file=None)
app = create_app(settings, backends=Backends(lambda s, r: FakePerformer(),
                                             lambda s, r: FakeBrain()))
uvicorn.run(app, host="127.0.0.1", port=settings.port, log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_acknowledged_chat_survives_kill_9(tmp_path: Path) -> None:
    db, port = tmp_path / "live.db", _free_port()
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, f"sqlite:///{db}", str(port)],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    acked: list[int] = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=5) as client:
            for i in range(40):
                r = client.post("/v1/chat", json={"viewer": f"v{i}", "text": f"message {i}"})
                assert r.status_code == 202, r.text
                acked.append(r.json()["id"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    rows = sqlite3.connect(db).execute("SELECT id, text FROM chat").fetchall()
    stored = {row[0]: row[1] for row in rows}
    assert all(i in stored for i in acked) and len(acked) == 40
    assert stored[acked[-1]] == "message 39"
