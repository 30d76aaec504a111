"""Chat under load and fuzzed JSON against a live ``vhuman serve`` (helpers of
``bench server``).

``chat_under_load``: a server child process with the real live performer (Piper voice,
built-in avatar rendered in its child process, 30 fps) and an instant FakeBrain, chat
echo on. N WebSocket viewers each send one message per second (staggered) for S seconds;
every message carries a ref and the client times send -> its ``ack``. Meanwhile a probe (its own
process) asks ``/healthz`` every 100 ms, and after the chat load 8 clients ask ``/v1/qa``. Counted:
acks lost (no ack by the end), sockets closed by anyone (ping timeouts included).

``fuzz``: N payloads from :mod:`stage.server.fuzz` over one keep-alive connection per
worker; every status >= 500 and every error that echoes input is counted.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPORTER_KEY = "bench-reporter-key"
HOST_KEY = "bench-host-key-1"


def _pct(values: list[float], q: float) -> float | None:
    from vhuman.stage.server.telemetry import percentile

    p = percentile(values, q)
    return None if p is None else round(p * 1000, 2)


def serve_load(port: int, database: str, fake_performer: bool = False,
               strict: bool = False) -> None:
    """The server under load (child process): ``vhuman serve``'s uvicorn setup, the real
    live performer (or a fake one), FakeBrain, the Q&A engine over examples/kb.
    ``strict``: the default per-address limits (for the attack figures), else lifted."""
    import uvicorn

    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.server.app import server_config
    from vhuman.stage.testing_performer import FakeBrain, FakePerformer, FakeQA

    qa: Any = FakeQA({"final": "The final is on Sunday at 8 pm."})
    try:
        from vhuman.dialogue.knowledge import KnowledgeBase
        from vhuman.dialogue.qa import QAEngine

        qa = QAEngine(KnowledgeBase.build(ROOT / "examples" / "kb",
                                          Path(tempfile.mkdtemp(prefix="vh-kb-"))))
    except Exception as exc:  # noqa: BLE001 - fall back, and say so
        print(f"real QA unavailable: {exc}", file=sys.stderr)
    print(f"QA_KIND {type(qa).__module__}.{type(qa).__name__}", flush=True)
    # every simulated viewer comes from 127.0.0.1: the per-address limits are for real
    # crowds, the per-socket and per-viewer limits still apply
    lifted = {} if strict else {
        "http_chat_per_ip_burst": 100_000, "http_chat_per_ip_per_s": 100_000,
        "ws_max_per_address": 10_000, "max_connections_per_address": 10_000,
        "completions_per_ip_burst": 1000}
    settings = ServerSettings(
        port=port, database_url=database, echo_chat=True,
        api_keys={REPORTER_KEY: "reporter", HOST_KEY: "host"}, max_connections=10_000,
        media_root=Path(database.removeprefix("sqlite:///")).parent, **lifted,
        _env_file=None)  # type: ignore[call-arg]
    if fake_performer:
        def performer(show_id: str, rundown: Any) -> Any:
            return FakePerformer(0.06, first_audio_delay=0.05)
    else:
        from vhuman.stage.live import LiveConfig
        from vhuman.stage.show.api import build_live_performer

        config = LiveConfig(fps=30, width=256, height=256, voice="piper")

        def performer(show_id: str, rundown: Any) -> Any:
            return build_live_performer(None, [], config=config)
    delay = float(os.environ.get("VHUMAN_FAKE_BRAIN_DELAY_S", "0"))  # before each sentence
    app = create_app(settings, backends=Backends(performer, lambda s, r: FakeBrain(delay=delay),
                                                 qa))
    try:
        uvicorn.Server(server_config(settings, app)).run()
    except KeyboardInterrupt:  # the bench stops it like Ctrl-C
        pass


def _start(port: int, database: str, tmp: str, fake_performer: bool,
           strict: bool = False) -> tuple[subprocess.Popen[bytes], Path]:
    """The server child; its output (access log included) goes to a file: a pipe nobody
    reads would fill up and stall the server's event loop on a log write."""
    log_path = Path(tmp) / "server.log"
    args = [sys.executable, "-m", "bench.server_load", "--serve", str(port), database] + \
        (["--fake-performer"] if fake_performer else []) + (["--strict"] if strict else [])
    with log_path.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stdout=out, stderr=subprocess.STDOUT)
    return proc, log_path


async def _wait_ready(port: int, timeout: float = 240.0) -> float:
    import httpx

    t0 = time.monotonic()
    async with httpx.AsyncClient() as client:
        while time.monotonic() - t0 < timeout:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("server did not get ready")


async def _healthz_probe(port: int, stop: asyncio.Event, out: list[float],
                         failures: list[str]) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                r = await client.get("/healthz")
                out.append(time.monotonic() - t0)
                if r.status_code != 200:
                    failures.append(str(r.status_code))
            except httpx.HTTPError as exc:
                failures.append(type(exc).__name__)
            await asyncio.sleep(0.1)


async def _sockets(port: int, clients: int, seconds: float) -> dict[str, Any]:
    import websockets

    url = f"ws://127.0.0.1:{port}/v1/chat/ws"
    sent: dict[str, float] = {}
    acks: dict[str, float] = {}
    refused: dict[str, int] = {}
    closes: dict[str, int] = {}
    events = {"chat": 0, "chat_batch": 0, "reply": 0, "answering": 0, "error": 0}
    t0 = time.monotonic()
    sockets = []
    for i in range(clients):
        sockets.append(await websockets.connect(f"{url}?viewer=load{i}", max_queue=None,
                                                open_timeout=60, ping_interval=20,
                                                ping_timeout=20))
    connect_s = time.monotonic() - t0
    stop_at = time.monotonic() + seconds

    async def reader(ws: Any) -> None:
        try:
            async for raw in ws:
                event = json.loads(raw)
                kind = event.get("type")
                if kind == "ack":
                    ref = event.get("ref")
                    if ref in sent and ref not in acks:
                        acks[ref] = time.monotonic() - sent[ref]
                        if not event["accepted"]:
                            refused[event["reason"]] = refused.get(event["reason"], 0) + 1
                elif kind in events:
                    events[kind] += 1
        except websockets.ConnectionClosed:
            pass
        code = getattr(ws.close_rcvd, "code", None) or getattr(ws.close_sent, "code", None)
        closes[str(code)] = closes.get(str(code), 0) + 1

    async def writer(i: int, ws: Any) -> None:
        rng = random.Random(i)
        await asyncio.sleep(rng.random())  # staggered: 1 msg/s each, not all at once
        n = 0
        while time.monotonic() < stop_at:
            ref = f"s{i}-{n}"
            sent[ref] = time.monotonic()
            try:
                await ws.send(json.dumps({"text": f"message {n} from viewer {i}: "
                                                  f"{rng.choice(_TEXTS)}", "ref": ref}))
            except websockets.ConnectionClosed:
                sent.pop(ref, None)
                return
            n += 1
            await asyncio.sleep(max(0.0, sent[ref] + 1.0 - time.monotonic()))

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    await asyncio.gather(*(writer(i, ws) for i, ws in enumerate(sockets)))
    await asyncio.sleep(3.0)  # acks still in flight
    still_open = sum(1 for ws in sockets if ws.close_code is None)
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
    lost = [r for r in sent if r not in acks]
    values = list(acks.values())
    return {"sockets": clients, "connect_s": round(connect_s, 2), "messages": len(sent),
            "acks": len(acks), "acks_lost": len(lost), "refused": refused,
            "ack_p50_ms": _pct(values, 0.5), "ack_p95_ms": _pct(values, 0.95),
            "ack_p99_ms": _pct(values, 0.99), "ack_max_ms": _pct(values, 1.0),
            "open_at_end": still_open, "closed_early": clients - still_open,
            "events_received": events}


_TEXTS = ["what is your favourite song", "how was the marathon", "hello from Oslo",
          "love this show", "can you dance again", "greetings to everyone",
          "where do you live", "this is so fun", "is the hoodie warm", "good evening"]


async def qa_load(port: int, requests: int, concurrency: int) -> dict[str, Any]:
    import httpx

    questions = ["When is the final?", "Where can I buy tickets?", "What is the mascot?",
                 "How do I get to the stadium?", "Who won the marathon?"]
    latencies: list[float] = []
    codes: dict[int, int] = {}

    async def worker(client: httpx.AsyncClient, k: int) -> None:
        for i in range(k, requests, concurrency):
            t0 = time.monotonic()
            r = await client.post("/v1/qa", json={"question": questions[i % len(questions)]},
                                  headers={"X-API-Key": REPORTER_KEY})
            latencies.append(time.monotonic() - t0)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        await client.post("/v1/qa", json={"question": "warm up"},
                          headers={"X-API-Key": REPORTER_KEY})
        await asyncio.gather(*(worker(client, k) for k in range(concurrency)))
    return {"requests": requests, "clients": concurrency, "status_codes": codes,
            "p50_ms": _pct(latencies, 0.5), "p95_ms": _pct(latencies, 0.95),
            "p99_ms": _pct(latencies, 0.99)}


def probe_main(port: int, seconds: float, out_path: str) -> None:
    """``/healthz`` every 100 ms for ``seconds`` (own process: the load generator's busy
    event loop must not add its delays to the probe's figures)."""
    async def main() -> None:
        stop = asyncio.Event()
        health: list[float] = []
        failures: list[str] = []
        task = asyncio.create_task(_healthz_probe(port, stop, health, failures))
        await asyncio.sleep(seconds)
        stop.set()
        await task
        Path(out_path).write_text(json.dumps({"latencies": health, "failures": failures}))
    asyncio.run(main())


async def _load(port: int, clients: int, seconds: float, qa_requests: int) -> dict[str, Any]:
    ready_s = await _wait_ready(port)
    probe_out = Path(tempfile.mkdtemp(prefix="vh-probe-")) / "probe.json"
    probe = subprocess.Popen([sys.executable, "-m", "bench.server_load", "--probe", str(port),
                              str(seconds + 5), str(probe_out)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    load_before = os.getloadavg()[0]
    chat = await _sockets(port, clients, seconds)
    load_after = os.getloadavg()[0]
    await asyncio.to_thread(probe.wait, 60)
    probed = json.loads(probe_out.read_text()) if probe_out.exists() else \
        {"latencies": [], "failures": ["probe gave no figures"]}
    health, failures = probed["latencies"], probed["failures"]
    qa = await qa_load(port, qa_requests, 8)
    return {"ready_after_s": round(ready_s, 1), "chat": chat,
            "healthz": {"probes": len(health), "failures": failures[:10],
                        "p50_ms": _pct(health, 0.5), "p99_ms": _pct(health, 0.99),
                        "max_ms": _pct(health, 1.0)},
            "qa_8_clients": qa,
            "loadavg_1m": {"before": round(load_before, 2), "after": round(load_after, 2)}}


def chat_under_load(clients: int = 500, seconds: float = 60.0, qa_requests: int = 200,
                    fake_performer: bool = False) -> dict[str, Any]:
    """Run the server child and the load; the figures (see the module docstring)."""
    from bench.bench_server import _free_port, _stop

    port = _free_port()
    tmp = tempfile.mkdtemp(prefix="vh-load-")
    import resource

    proc, log_path = _start(port, f"sqlite:///{tmp}/load.db", tmp, fake_performer)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        out = asyncio.run(_load(port, clients, seconds, qa_requests))
    finally:
        _stop(proc, 30)
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    server = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_s"] = {  # where the two cores went (server: whole run incl. warm-up)
        "server": round(server.ru_utime + server.ru_stime, 1),
        "load_generator": round(self_after.ru_utime + self_after.ru_stime
                                - self_before.ru_utime - self_before.ru_stime, 1)}
    qa_kind = next((line.split(" ", 1)[1].strip() for line in
                    log_path.read_text(errors="replace").splitlines()
                    if line.startswith("QA_KIND")), "")
    performer = "FakePerformer" if fake_performer else \
        "LivePerformer (piper, built-in avatar 256², 30 fps)"
    return {"setup": {"performer": performer, "brain": "FakeBrain (instant)",
                      "qa_engine": qa_kind, "echo_chat": True, "sockets": clients,
                      "msg_per_socket_per_s": 1.0, "seconds": seconds,
                      "cpus": os.cpu_count()}, **out}


async def _fuzz(port: int, n: int, workers: int, seed: int) -> dict[str, Any]:
    import httpx

    from vhuman.stage.server.fuzz import echoes_input, make_payload

    rng = random.Random(seed)
    payloads = [make_payload(rng) for _ in range(n)]
    codes: dict[int, int] = {}
    server_errors: list[str] = []
    echoes: list[str] = []
    connections: set[int] = set()  # local ports
    failures: list[str] = []

    async def worker(k: int) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                     limits=httpx.Limits(max_connections=1)) as client:
            for i in range(k, n, workers):
                p = payloads[i]
                headers = {"content-type": "application/json"}
                if i % 2:
                    headers["X-API-Key"] = HOST_KEY
                try:
                    r = await client.post(p.path, content=p.body, headers=headers)
                except httpx.HTTPError as exc:
                    failures.append(f"{p.path} {p.kind} {type(exc).__name__}: "
                                    f"{p.body[:120]!r}")
                    continue
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
                stream = r.extensions.get("network_stream")
                local = stream.get_extra_info("client_addr") if stream is not None else None
                if local is not None:  # a new TCP connection has a new local port
                    connections.add(local[1])
                if r.status_code >= 500:
                    server_errors.append(f"{p.path} {p.kind} -> {r.status_code}")
                elif r.status_code >= 400 and echoes_input(r.content, p):
                    echoes.append(f"{p.path} {p.kind}")

    t0 = time.monotonic()
    await asyncio.gather(*(worker(k) for k in range(workers)))
    return {"payloads": n, "workers": workers, "seconds": round(time.monotonic() - t0, 1),
            "status_codes": dict(sorted(codes.items())), "responses_5xx": len(server_errors),
            "examples_5xx": server_errors[:5], "error_echoes": len(echoes),
            "no_response": len(failures), "examples_no_response": failures[:5],
            "connections_used": len(connections)}


def fuzz(n: int = 10_000, workers: int = 4, seed: int = 16) -> dict[str, Any]:
    """``n`` fuzzed payloads against a server with a fake performer (the HTTP layer is
    what is tested), keep-alive connections throughout."""
    from bench.bench_server import _free_port, _stop

    port = _free_port()
    tmp = tempfile.mkdtemp(prefix="vh-fuzz-")
    proc, _ = _start(port, f"sqlite:///{tmp}/fuzz.db", tmp, True)
    try:
        asyncio.run(_wait_ready(port))
        return asyncio.run(_fuzz(port, n, workers, seed))
    finally:
        _stop(proc, 30)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DATABASE_URL"))
    parser.add_argument("--probe", nargs=3, metavar=("PORT", "SECONDS", "OUT"))
    parser.add_argument("--fake-performer", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--load", action="store_true")
    parser.add_argument("--fuzz", type=int, default=0)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if args.probe:
        probe_main(int(args.probe[0]), float(args.probe[1]), args.probe[2])
    elif args.serve:
        serve_load(int(args.serve[0]), args.serve[1], args.fake_performer, args.strict)
    elif args.fuzz:
        print(json.dumps(fuzz(args.fuzz), indent=2))
    else:
        print(json.dumps(chat_under_load(args.clients, args.seconds,
                                         fake_performer=args.fake_performer), indent=2))
