"""Chat under load, unit by unit: acks have their own never-dropped path, the echo is
coalesced when busy, and the chat log commits bursts together."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from vhuman.stage.server.chatlog import ChatLog
from vhuman.stage.server.sockets import ChatEcho, ViewerSocket
from vhuman.stage.store import ChatRecord, SQLiteStore


def test_acks_are_never_dropped_and_jump_the_event_queue() -> None:
    async def main() -> list[dict]:
        sent: list[str] = []
        gate = asyncio.Event()

        async def send(text: str) -> None:
            await gate.wait()
            sent.append(text)

        sock = ViewerSocket(send, size=8)
        for i in range(100):  # a busy show floods the socket with events
            sock.offer({"type": "chat", "i": i})
        for i in range(50):
            sock.ack({"type": "ack", "ref": f"r{i}"})
        pump = asyncio.create_task(sock.pump())
        gate.set()
        while sock.pending:
            await asyncio.sleep(0)
        pump.cancel()
        assert sock.dropped == 92
        return [json.loads(t) for t in sent]

    events = asyncio.run(main())
    acks = [e for e in events if e["type"] == "ack"]
    assert [a["ref"] for a in acks] == [f"r{i}" for i in range(50)]  # all, in order
    assert events[:50] == acks  # before any show event
    assert [e["i"] for e in events[50:]] == list(range(92, 100))  # the newest events


def test_echo_is_immediate_when_calm_and_coalesced_when_busy() -> None:
    async def main() -> list[dict]:
        out: list[dict] = []
        echo = ChatEcho(lambda e: out.append(json.loads(e) if isinstance(e, str) else e),
                        lambda: 100, sends_per_s=200, interval_s=0.05, batch=5)
        echo.add({"viewer": "a", "text": "one"})
        echo.add({"viewer": "b", "text": "two"})
        for i in range(40):
            echo.add({"viewer": f"v{i}", "text": f"busy {i}"})
        await asyncio.sleep(0.2)
        await echo.close()
        return out

    out = asyncio.run(main())
    assert [e["type"] for e in out] == ["chat", "chat", "chat_batch"]
    batch = out[2]
    assert [m["text"] for m in batch["messages"]] == [f"busy {i}" for i in range(35, 40)]
    assert batch["skipped"] == 35  # 42 lines cost 3 broadcasts (2 x 100 sends in budget)


def test_chat_log_commits_a_burst_together_and_every_ack_is_on_disk(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.db")

    async def main() -> tuple[list[int], int]:
        log = ChatLog(store)
        ids = await asyncio.gather(*(log.add(ChatRecord("main", f"v{i}", f"hello {i}", "ws"))
                                     for i in range(300)))
        log.set_status(ids[0], "answered")
        await log.close()
        return list(ids), log.batches

    ids, batches = asyncio.run(main())
    assert len(set(ids)) == 300 and batches < 30
    reopened = SQLiteStore(tmp_path / "c.db")  # what another process would read
    rows = reopened.chats("main", limit=1000)
    assert sorted(r.text for r in rows) == sorted(f"hello {i}" for i in range(300))
    assert next(r for r in rows if r.id == ids[0]).status == "answered"
