"""Server figures: chat message -> first audio under a WebSocket chat load, and /v1/qa p99;
and on the real live performer: warm-up time and chat -> first audio, warm vs cold voice.

The server runs in its own process (``python -m bench.bench_server --serve``) with a
FakePerformer (first audio after a fixed 50 ms "TTS" delay, 0.06 s per word), the
dialogue Moderator on, and the real dialogue QAEngine over ``examples/kb`` when it loads
(else a fake, reported as such). The load generator opens N WebSocket clients on
127.0.0.1 that together send ``rate`` messages per second for ``seconds``; each message
carries a ref, and the server announces ``answering`` (with that ref) when the answer's
first audio starts. Latency is measured by the client: send -> that event.

``chat_under_load`` (``bench/server_load.py``): 500 WebSocket viewers at 1 message/s
each for 60 s on the real live performer (ack latency, acks lost, sockets closed,
``/healthz`` and ``/v1/qa`` with 8 clients meanwhile). ``hardening``
(``bench/server_attacks.py``), on a single server and on a scale-out replica: 10,000
fuzzed requests over every route and socket (responses >= 500, sockets closed 1011,
errors echoing input), slow bodies and a socket flood from one address (other clients'
``/healthz`` meanwhile), the alias bomb, and 500 chat sockets.

The live part (``--serve-live``) runs the real :class:`~stage.live.LivePerformer`
(Piper voice, built-in avatar at 256², 30 fps) with an instant FakeBrain, once with
warm-up (voice loaded before ``/readyz`` says ready) and once without (``warm_up=false``:
the voice loads on the first message), and measures chat -> first audio on each, in one
run. The server's own figure (message received -> first audio tick) comes with the
``answering`` event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.server_attacks import run as attacks
from bench.server_load import chat_under_load, qa_load

ROOT = Path(__file__).resolve().parents[1]
FIRST_AUDIO_DELAY = 0.05


def _pct(values: list[float], q: float) -> float | None:
    from vhuman.stage.server.telemetry import percentile

    p = percentile(values, q)
    return None if p is None else round(p * 1000, 2)


def serve(port: int, database: str, real_qa: bool) -> None:
    """The server under test (run in a child process)."""
    import uvicorn

    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.testing_performer import FakeBrain, FakePerformer, FakeQA

    qa: Any = FakeQA({"final": "The final is on Sunday at 8 pm."})
    qa_kind = "fake"
    if real_qa:
        try:
            from vhuman.dialogue.knowledge import KnowledgeBase
            from vhuman.dialogue.qa import QAEngine

            store = Path(tempfile.mkdtemp(prefix="vh-kb-"))
            qa = QAEngine(KnowledgeBase.build(ROOT / "examples" / "kb", store))
            qa_kind = "dialogue.QAEngine(examples/kb)"
        except Exception as exc:  # noqa: BLE001 - fall back, and say so in the results
            print(f"real QA unavailable: {exc}", file=sys.stderr)
    # 500 simulated viewers share 127.0.0.1: per-address limits are for real crowds
    settings = ServerSettings(port=port, database_url=database, echo_chat=False,
                              chat_max_size=200, ws_max_per_address=10_000,
                              http_chat_per_ip_burst=100_000, http_chat_per_ip_per_s=100_000,
                              _env_file=None)  # type: ignore[call-arg]
    backends = Backends(lambda s, r: FakePerformer(0.06, first_audio_delay=FIRST_AUDIO_DELAY),
                        lambda s, r: FakeBrain(), qa)
    app = create_app(settings, backends=backends)
    app.state.qa_kind = qa_kind
    print(f"QA_KIND {qa_kind}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws_max_size=65536)


def serve_live(port: int, database: str, warm: bool) -> None:
    """A server with the real live performer (run in a child process)."""
    import uvicorn

    from vhuman.stage.live import LiveConfig
    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.show.api import build_live_performer
    from vhuman.stage.testing_performer import FakeBrain

    config = LiveConfig(fps=30, width=256, height=256, voice="piper")
    settings = ServerSettings(port=port, database_url=database, warm_up=warm,
                              _env_file=None)  # type: ignore[call-arg]
    backends = Backends(lambda s, r: build_live_performer(None, [], config=config),
                        lambda s, r: FakeBrain())
    uvicorn.run(create_app(settings, backends=backends), host="127.0.0.1", port=port,
                log_level="warning")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_up(port: int, timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("server did not start")


_TEXTS = ["What is your favourite song", "How was the marathon", "hello from",
          "love this show", "Can you dance again", "greetings to everyone in",
          "Where do you live", "this is so fun", "Is the hoodie warm", "good evening from"]


async def _chat_load(port: int, clients: int, rate: float, seconds: float) -> dict[str, Any]:
    import websockets

    sent: dict[str, float] = {}
    first_audio: dict[str, float] = {}
    acks: dict[str, float] = {}
    accepted = dropped = 0
    reasons: dict[str, int] = {}
    sockets = []
    url = f"ws://127.0.0.1:{port}/v1/chat/ws"
    t_connect = time.monotonic()
    for i in range(clients):
        sockets.append(await websockets.connect(f"{url}?viewer=viewer{i}", max_queue=None,
                                                open_timeout=30))
    connect_s = time.monotonic() - t_connect

    async def reader(ws: Any) -> None:
        nonlocal accepted, dropped
        async for raw in ws:
            event = json.loads(raw)
            ref = event.get("ref")
            now = time.monotonic()
            if event["type"] == "ack" and ref in sent:
                acks[ref] = now - sent[ref]
                if event["accepted"]:
                    accepted += 1
                else:
                    dropped += 1
                    reasons[event["reason"]] = reasons.get(event["reason"], 0) + 1
            elif event["type"] == "answering" and ref in sent and ref not in first_audio:
                first_audio[ref] = now - sent[ref]

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    rng = random.Random(0)
    interval = 1.0 / rate
    start = time.monotonic()
    n = 0
    while (now := time.monotonic()) - start < seconds:
        target = start + n * interval
        if target > now:
            await asyncio.sleep(target - now)
        ws = sockets[n % clients]
        ref = f"m{n}"
        text = f"{rng.choice(_TEXTS)} number {n}" + ("?" if rng.random() < 0.4 else "")
        sent[ref] = time.monotonic()
        await ws.send(json.dumps({"text": text, "ref": ref}))
        n += 1
    elapsed = time.monotonic() - start
    await asyncio.sleep(3.0)  # let in-flight answers start
    for task in readers:
        task.cancel()
    for ws in sockets:
        await ws.close()
    lat = list(first_audio.values())
    ack = list(acks.values())
    return {"clients": clients, "connect_s": round(connect_s, 2), "sent": n,
            "send_rate_per_s": round(n / elapsed, 2), "accepted": accepted,
            "dropped": dropped, "drop_reasons": reasons, "answered": len(lat),
            "first_audio_p50_ms": _pct(lat, 0.5), "first_audio_p95_ms": _pct(lat, 0.95),
            "ack_p50_ms": _pct(ack, 0.5), "ack_p95_ms": _pct(ack, 0.95)}


async def _idle_latency(port: int, samples: int) -> list[float]:
    """Chat -> first audio with nothing else going on (one message at a time)."""
    import websockets

    out = []
    for i in range(samples):  # a new viewer (and socket) each time: no rate limit in play
        url = f"ws://127.0.0.1:{port}/v1/chat/ws?viewer=calm{i}"
        async with websockets.connect(url) as ws:
            ref = f"idle{i}"
            t0 = time.monotonic()
            await ws.send(json.dumps({"text": f"quiet question {i} {ref}?", "ref": ref}))
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if event["type"] == "answering" and event["ref"] == ref:
                    out.append(time.monotonic() - t0)
                    break
        await asyncio.sleep(1.0)  # let the answer finish speaking
    return out


async def _wait_ready(port: int, timeout: float = 180.0) -> float:
    """Seconds from the first answered /healthz until /readyz says ready."""
    import httpx

    await _wait_up(port)
    t0 = time.monotonic()
    async with httpx.AsyncClient() as client:
        while time.monotonic() - t0 < timeout:
            if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                return time.monotonic() - t0
            await asyncio.sleep(0.05)
    raise TimeoutError("server did not get ready")


async def _until_quiet(port: int, timeout: float = 30.0) -> dict[str, Any]:
    """Wait until the show's performer is silent with nothing queued; its status."""
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            status = (await client.get(f"http://127.0.0.1:{port}/v1/shows/main")).json()
            perf = status["performer"]
            if (not perf.get("speaking") and not perf.get("queue_depth")) or \
                    time.monotonic() > deadline:
                await asyncio.sleep(0.5)
                return status  # type: ignore[no-any-return]
            await asyncio.sleep(0.1)


async def _live_replies(port: int, samples: int) -> dict[str, Any]:
    """Chat -> first audio, one message at a time, new viewer each time."""
    import websockets

    client_s, server_s = [], []
    for i in range(samples):
        url = f"ws://127.0.0.1:{port}/v1/chat/ws?viewer=live{i}"
        async with websockets.connect(url) as ws:
            ref = f"live{i}"
            t0 = time.monotonic()
            await ws.send(json.dumps({"text": f"How is the show going tonight {i}?",
                                      "ref": ref}))
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if event["type"] == "answering" and event["ref"] == ref:
                    client_s.append(time.monotonic() - t0)
                    server_s.append(float(event["latency_s"]))
                    break
            status = await _until_quiet(port)  # the whole answer is spoken first
    stages = {k: round(v * 1000, 1) for k, v in
              (status["performer"].get("latency") or {}).items()}
    return {"last_reply_stages_ms": stages,
            "first_reply_ms": round(client_s[0] * 1000, 1),
            "later_p50_ms": _pct(client_s[1:], 0.5) if len(client_s) > 1 else None,
            "server_first_reply_ms": round(server_s[0] * 1000, 1),
            "server_p50_ms": _pct(server_s, 0.5)}


def _live(warm: bool, samples: int) -> dict[str, Any]:
    port = _free_port()
    tmp = tempfile.mkdtemp(prefix="vh-bench-live-")
    args = [sys.executable, "-m", "bench.bench_server", "--serve-live", str(port),
            f"sqlite:///{tmp}/live.db"] + ([] if warm else ["--no-warm"])
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        ready_s = asyncio.run(_wait_ready(port))
        out = asyncio.run(_live_replies(port, samples))
    finally:
        _stop(proc, 20)
    return {"ready_after_s": round(ready_s, 2), **out}


def _stop(proc: subprocess.Popen, timeout: float) -> None:
    """Stop a server like Ctrl-C does (graceful shutdown); kill it if it hangs."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_live(quick: bool = False) -> dict[str, Any]:
    """Warm vs cold voice on the real live performer, side by side."""
    samples = 3 if quick else 6
    warm = _live(True, samples)
    cold = _live(False, samples)
    return {"setup": "LivePerformer (piper, avatar 256², 30 fps), FakeBrain (instant)",
            "warm": warm, "cold": cold,
            "first_reply_cold_over_warm": round(cold["first_reply_ms"] /
                                                 max(warm["first_reply_ms"], 1e-3), 2)}


def run(quick: bool = False) -> dict[str, Any]:
    clients, seconds = (100, 10.0) if quick else (500, 30.0)
    port = _free_port()
    tmp = tempfile.mkdtemp(prefix="vh-bench-")
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "VHUMAN_API_KEYS": json.dumps({"bench-reporter-key": "reporter"})}
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_server", "--serve", str(port),
                             f"sqlite:///{tmp}/bench.db"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        asyncio.run(_wait_up(port))
        qa_kind = ""
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.startswith("QA_KIND"):
            qa_kind = line.split(" ", 1)[1].strip()
        idle = asyncio.run(_idle_latency(port, 5 if quick else 10))
        chat = asyncio.run(_chat_load(port, clients, 50.0, seconds))
        qa = asyncio.run(qa_load(port, 100 if quick else 300, 4))
    finally:
        _stop(proc, 15)
    return {
        "setup": {"performer": f"FakePerformer (first audio after {FIRST_AUDIO_DELAY * 1000:.0f}"
                               " ms, 0.06 s/word)", "brain": "FakeBrain (instant)",
                  "moderation": "vhuman.dialogue.Moderator", "qa_engine": qa_kind,
                  "echo_chat": False, "duration_s": seconds, "target_rate_per_s": 50.0},
        "chat_first_audio_idle_p50_ms": _pct(idle, 0.5),
        "chat_load": chat,
        "qa": qa,
        "live": run_live(quick),
        # the hardening goals: 500 sockets x 1 msg/s on the real performer; fuzzing of
        # every route and socket, slow bodies, socket floods, the alias bomb and the chat
        # load against a single server and a scale-out replica
        "chat_under_load": chat_under_load(*((100, 15.0, 80) if quick else (500, 60.0, 200))),
        "hardening": attacks(quick),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DATABASE_URL"))
    parser.add_argument("--serve-live", nargs=2, metavar=("PORT", "DATABASE_URL"))
    parser.add_argument("--no-warm", action="store_true")
    parser.add_argument("--live-only", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--fake-qa", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], real_qa=not args.fake_qa)
    elif args.serve_live:
        serve_live(int(args.serve_live[0]), args.serve_live[1], warm=not args.no_warm)
    elif args.live_only:
        print(json.dumps(run_live(args.quick), indent=2))
    else:
        print(json.dumps(run(args.quick), indent=2))
