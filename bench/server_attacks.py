"""Hardening figures against a live server, single and scale-out (helpers of ``bench
server``; ``python -m bench.server_attacks`` runs them alone and writes
``bench/results/server_hardening.json``).

Per mode (``single``: one ``vhuman serve`` process with the default limits; ``cluster``:
an API replica (``vhuman serve --redis --database``) before a worker, real Redis and
PostgreSQL on loopback), both with the fake performer and brain:

- ``fuzz``: N requests from :func:`stage.server.fuzz.make_request` (bodies, queries,
  headers, paths on every route, frames on every socket), sent byte-exact over
  keep-alive connections; counted: responses >= 500, sockets closed 1011, error bodies
  echoing input.
- ``slow_body``: one attacker address (127.0.0.2) opens many connections that send chat
  headers with a large ``Content-Length`` and then one byte every 2 s; meanwhile a probe
  (127.0.0.1, its own process) asks ``/healthz`` every 100 ms.
- ``socket_flood``: one attacker address (127.0.0.3) opens 500 sockets (``/params`` and
  chat alternately) and holds them; the same probe.
- ``alias_bomb``: a 380-byte "billion laughs" rundown posted by a host: time to the
  refusal, the server's resident memory before and after.
- ``completions_stream``: streamed ``/v1/chat/completions`` with a fake brain that
  pauses 0.3 s before each sentence: time to the first content chunk and to the end.
- ``chat_load``: 500 chat sockets x 1 message/s (per-address limits lifted: they all come
  from 127.0.0.1), ack latency and losses, ``/healthz`` meanwhile.

Attackers, probe, servers and load generator share this machine's cores: the load
average is reported with each figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bench.server_load import HOST_KEY, _pct, _sockets, _start, _wait_ready

ROOT = Path(__file__).resolve().parents[1]
BRAIN_DELAY_S = 0.3
"""The fake brain's pause before each sentence (``VHUMAN_FAKE_BRAIN_DELAY_S``), so a
streamed reply's first sentence can arrive before its last."""
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True))


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


# -- servers ---------------------------------------------------------------------------


@asynccontextmanager
async def _single(strict: bool) -> AsyncIterator[tuple[int, int]]:
    """A single server (fake performer): (port, pid)."""
    from bench.bench_server import _free_port, _stop

    port, tmp = _free_port(), tempfile.mkdtemp(prefix="vh-attack-")
    proc, _ = _start(port, f"sqlite:///{tmp}/a.db", tmp, True, strict=strict)
    try:
        await _wait_ready(port)
        yield port, proc.pid
    finally:
        _stop(proc, 30)


@asynccontextmanager
async def _cluster(strict: bool) -> AsyncIterator[tuple[int, int]]:
    """Redis, PostgreSQL, a worker and one API replica: (replica port, replica pid)."""
    import httpx

    from bench.bench_scale import _on_air, _Procs, _until, _worker
    from vhuman.stage.cluster.testing import PostgresServer, RedisServer, free_port

    tmp = Path(tempfile.mkdtemp(prefix="vh-attack-cluster-"))
    redis_server = RedisServer(tmp / "redis").start()
    pg = PostgresServer().start()
    procs = _Procs(tmp)
    limits = {"VHUMAN_HTTP_CHAT_PER_IP_BURST": "60", "VHUMAN_HTTP_CHAT_PER_IP_PER_S": "20",
              "VHUMAN_WS_MAX_PER_ADDRESS": "32"} if strict else \
        {"VHUMAN_MAX_CONNECTIONS_PER_ADDRESS": "10000", "VHUMAN_MAX_CONNECTIONS": "10000",
         "VHUMAN_COMPLETIONS_PER_IP_BURST": "1000"}
    try:
        redis, db = redis_server.url, pg.create_database("attack")
        port = free_port()
        shutil.copytree(ROOT / "examples" / "kb", tmp / "kb")  # Q&A, as the single server
        procs.start("api", ["serve", "--redis", redis, "--database", db, "--port", str(port)],
                    {**limits, "VHUMAN_MEDIA_ROOT": str(tmp), "VHUMAN_DEFAULT_SHOW": "main",
                     "VHUMAN_KNOWLEDGE_DIR": str(tmp / "kb")})
        _worker(procs, "w1", redis, db, 5.0, slots=1)
        async with httpx.AsyncClient(timeout=30) as client:
            await _until(lambda: _on_air(client, f"http://127.0.0.1:{port}", "main"), 180,
                         "the show on air")
        yield port, procs.procs["api"].pid
    finally:
        procs.close()
        redis_server.stop()
        pg.stop()


def _probe(port: int, seconds: float) -> tuple[subprocess.Popen[bytes], Path]:
    out = Path(tempfile.mkdtemp(prefix="vh-probe-")) / "probe.json"
    proc = subprocess.Popen([sys.executable, "-m", "bench.server_load", "--probe", str(port),
                             str(seconds), str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    return proc, out


async def _probed(proc: subprocess.Popen[bytes], out: Path) -> dict[str, Any]:
    await asyncio.to_thread(proc.wait, 120)
    data = json.loads(out.read_text()) if out.exists() else {"latencies": [],
                                                            "failures": ["no figures"]}
    values = data["latencies"]
    return {"probes": len(values), "failures": len(data["failures"]),
            "failure_examples": data["failures"][:5], "p50_ms": _pct(values, 0.5),
            "p99_ms": _pct(values, 0.99), "max_ms": _pct(values, 1.0)}


# -- fuzz ------------------------------------------------------------------------------


async def _http(port: int, request: Any, state: dict[str, Any]) -> tuple[int, bytes] | None:
    """Send one request byte-exact on the worker's keep-alive connection (reconnecting
    when the server closed it); None when h11 itself refuses to write it."""
    import h11

    headers = [(b"host", b"127.0.0.1"), *request.headers,
               (b"content-length", str(len(request.body)).encode())]
    for _attempt in range(2):
        if state.get("writer") is None:
            state["reader"], state["writer"] = await asyncio.open_connection("127.0.0.1", port)
            state["conn"] = h11.Connection(h11.CLIENT)
            state["connections"] = state.get("connections", 0) + 1
        conn = state["conn"]
        try:
            data = conn.send(h11.Request(method=request.method, target=request.path,
                                         headers=headers))
            data += conn.send(h11.Data(data=request.body)) if request.body else b""
            data += conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            return None
        try:
            state["writer"].write(data)
            await state["writer"].drain()
            status, body = 0, b""
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    chunk = await asyncio.wait_for(state["reader"].read(65536), 30)
                    conn.receive_data(chunk)
                    if not chunk and conn.their_state is not h11.DONE:
                        raise ConnectionError("closed")
                    continue
                if isinstance(event, h11.Response):
                    status = event.status_code
                elif isinstance(event, h11.Data):
                    body += bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed):
                    raise ConnectionError("closed")
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                state["writer"].close()
                state["writer"] = None
            else:
                conn.start_next_cycle()
            return status, body
        except (ConnectionError, OSError, TimeoutError, h11.RemoteProtocolError):
            if state.get("writer") is not None:
                state["writer"].close()
            state["writer"] = None
    return (-1, b"")


async def _socket(port: int, request: Any) -> tuple[int, bytes]:
    import websockets

    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}{request.path}",
                                      open_timeout=20, max_size=None) as ws:
            for frame in request.frames:
                await ws.send(frame)
            await ws.close()
            code = ws.close_code or 1000
    except websockets.InvalidStatus as exc:
        return exc.response.status_code, bytes(exc.response.body or b"")
    except websockets.ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd else 1006
    except (OSError, TimeoutError, websockets.InvalidURI, websockets.InvalidHandshake):
        return -1, b""
    return code, b""


async def _fuzz(port: int, n: int, workers: int, seed: int) -> dict[str, Any]:
    from vhuman.stage.server.fuzz import echoes_request, make_request

    rng = random.Random(seed)
    requests = [make_request(rng) for _ in range(n)]
    kinds: dict[str, int] = {}
    codes: dict[str, int] = {}
    bad: list[str] = []
    echoes: list[str] = []
    unsent = 0
    states: list[dict[str, Any]] = [{} for _ in range(workers)]

    async def worker(k: int) -> None:
        nonlocal unsent
        for i in range(k, n, workers):
            request = requests[i]
            kind = request.kind.split(":")[0]
            kinds[kind] = kinds.get(kind, 0) + 1
            if i % 2 and request.method != "WS":
                request = type(request)(request.method, request.path,
                                        (*request.headers, (b"x-api-key", HOST_KEY.encode())),
                                        request.body, request.kind, request.frames)
            if request.method == "WS":
                status, body = await _socket(port, request)
                failed = status == 1011
                label = f"ws:{status}"
            else:
                got = await _http(port, request, states[k])
                if got is None:
                    unsent += 1
                    continue
                status, body = got
                failed = status >= 500 or status < 0
                label = str(status)
            codes[label] = codes.get(label, 0) + 1
            if failed:
                bad.append(f"{request.method} {request.path[:80]} {request.kind} -> {status}")
            elif (request.method == "WS" or status >= 400) and echoes_request(body, request):
                # an error (a 200 may carry what was asked for: a completion names its model)
                echoes.append(f"{request.method} {request.path[:80]} {request.kind}")

    t0 = time.monotonic()
    await asyncio.gather(*(worker(k) for k in range(workers)))
    return {"requests": n, "by_kind": kinds, "not_sendable_by_h11": unsent,
            "seconds": round(time.monotonic() - t0, 1),
            "status_codes": dict(sorted(codes.items())), "failures_5xx_or_1011": len(bad),
            "failure_examples": bad[:5], "error_echoes": len(echoes),
            "echo_examples": echoes[:5],
            "http_connections_opened": sum(s.get("connections", 0) for s in states)}


# -- denial of service -----------------------------------------------------------------


async def _slow_body(port: int, attackers: int, seconds: float) -> dict[str, Any]:
    probe, out = _probe(port, seconds)
    load_before = _load()
    outcomes: dict[str, int] = {}
    cut_after: list[float] = []

    async def attacker(i: int) -> None:
        t0 = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                           local_addr=("127.0.0.2", 0))
        except OSError as exc:
            outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
            return
        writer.write(b"POST /v1/chat HTTP/1.1\r\nHost: x\r\ncontent-type: application/json"
                     b"\r\ncontent-length: 60000\r\n\r\n{")
        answer = b""
        try:
            while time.monotonic() - t0 < seconds:
                try:
                    chunk = await asyncio.wait_for(reader.read(4096), 2.0)
                except TimeoutError:
                    writer.write(b" ")  # one byte every 2 s
                    await writer.drain()
                    continue
                if not chunk:
                    break
                answer += chunk
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
        status = answer[9:12].decode("ascii", "replace") if answer else "closed"
        outcomes[status or "closed"] = outcomes.get(status or "closed", 0) + 1
        if status == "408":
            cut_after.append(time.monotonic() - t0)

    await asyncio.gather(*(attacker(i) for i in range(attackers)))
    health = await _probed(probe, out)
    return {"attacker_connections": attackers, "seconds": seconds,
            "attacker_outcomes": outcomes, "cut_408_after_s_median":
            round(sorted(cut_after)[len(cut_after) // 2], 1) if cut_after else None,
            "others_healthz": health, "loadavg_1m": [load_before, _load()]}


async def _socket_flood(port: int, sockets: int, seconds: float) -> dict[str, Any]:
    import websockets

    probe, out = _probe(port, seconds)
    load_before = _load()
    opened: list[Any] = []
    refused: dict[str, int] = {}
    for i in range(sockets):
        path = "/params" if i % 2 else "/v1/chat/ws"
        try:
            ws = await websockets.connect(f"ws://127.0.0.1:{port}{path}", open_timeout=10,
                                          local_addr=("127.0.0.3", 0))
        except websockets.InvalidStatus as exc:
            key = f"http {exc.response.status_code}"
            refused[key] = refused.get(key, 0) + 1
            continue
        except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
            refused[type(exc).__name__] = refused.get(type(exc).__name__, 0) + 1
            continue
        opened.append(ws)
    await asyncio.sleep(1.0)
    still_open = sum(1 for ws in opened if ws.close_code is None)
    closed = {}
    for ws in opened:
        if ws.close_code is not None:
            closed[str(ws.close_code)] = closed.get(str(ws.close_code), 0) + 1
    await asyncio.sleep(max(0.0, seconds - 2.0))
    for ws in opened:
        await ws.close()
    health = await _probed(probe, out)
    return {"attacker_sockets": sockets, "held_open": still_open,
            "refused_at_handshake": refused, "closed_by_server": closed,
            "others_healthz": health, "loadavg_1m": [load_before, _load()]}


async def _alias_bomb(port: int, pid: int, tries: int) -> dict[str, Any]:
    import httpx

    before = _rss_mb(pid)
    times: list[float] = []
    codes: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for i in range(tries):
            t0 = time.monotonic()
            r = await client.post("/v1/shows", headers={"X-API-Key": HOST_KEY},
                                  json={"id": f"bomb{i}", "rundown_yaml": BOMB})
            times.append(time.monotonic() - t0)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
    return {"bytes": len(BOMB), "tries": tries, "status_codes": codes,
            "refused_p50_ms": _pct(times, 0.5), "refused_max_ms": _pct(times, 1.0),
            "server_rss_mb": {"before": before, "after": _rss_mb(pid)},
            "loadavg_1m": _load()}


async def _chat_load(port: int, clients: int, seconds: float) -> dict[str, Any]:
    probe, out = _probe(port, seconds + 5)
    load_before = _load()
    chat = await _sockets(port, clients, seconds)
    health = await _probed(probe, out)
    return {"chat": chat, "healthz": health, "loadavg_1m": [load_before, _load()]}


async def _completions_stream(port: int, tries: int) -> dict[str, Any]:
    """``/v1/chat/completions`` with ``stream: true``: time to the first content chunk
    and to ``[DONE]`` (the fake brain waits ``BRAIN_DELAY_S`` before each sentence)."""
    import httpx

    first: list[float] = []
    done: list[float] = []
    chunks: list[int] = []
    body = {"messages": [{"role": "user", "content": "tell me about the final"}],
            "stream": True}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for _ in range(tries):
            t0 = time.monotonic()
            seen = 0
            async with client.stream("POST", "/v1/chat/completions", json=body,
                                     headers={"X-API-Key": HOST_KEY}) as r:
                async for line in r.aiter_lines():
                    if not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    delta = json.loads(line[6:])["choices"][0].get("delta", {})
                    if delta.get("content"):
                        seen += 1
                        if seen == 1:
                            first.append(time.monotonic() - t0)
            done.append(time.monotonic() - t0)
            chunks.append(seen)
    return {"tries": tries, "brain_delay_s": BRAIN_DELAY_S, "content_chunks": chunks,
            "first_chunk_p50_ms": _pct(first, 0.5), "first_chunk_max_ms": _pct(first, 1.0),
            "done_p50_ms": _pct(done, 0.5), "loadavg_1m": _load()}


# -- runs ------------------------------------------------------------------------------


FIGURES = ("fuzz", "slow_body", "socket_flood", "alias_bomb", "completions_stream",
           "chat_load")


async def _mode(mode: str, quick: bool, only: tuple[str, ...] = FIGURES) -> dict[str, Any]:
    start = _single if mode == "single" else _cluster
    n, attack_s, flood = (2_000, 15.0, 200) if quick else (10_000, 30.0, 500)
    out: dict[str, Any] = {}
    if {"fuzz", "slow_body", "socket_flood", "alias_bomb"} & set(only):
        async with start(strict=True) as (port, pid):
            if "fuzz" in only:
                out["fuzz"] = await _fuzz(port, n, 4, 29)
            if "slow_body" in only:
                out["slow_body"] = await _slow_body(port, 300, attack_s)
            if "socket_flood" in only:
                out["socket_flood"] = await _socket_flood(port, flood, attack_s)
            if "alias_bomb" in only:
                out["alias_bomb"] = await _alias_bomb(port, pid, 20)
    if {"completions_stream", "chat_load"} & set(only):
        async with start(strict=False) as (port, _):
            if "completions_stream" in only:
                out["completions_stream"] = await _completions_stream(port,
                                                                      5 if quick else 10)
            if "chat_load" in only:
                out["chat_load"] = await _chat_load(port, 100 if quick else 500,
                                                    15.0 if quick else 30.0)
    return out


def run(quick: bool = False, modes: tuple[str, ...] = ("single", "cluster"),
        only: tuple[str, ...] = FIGURES) -> dict[str, Any]:
    """Every figure of the module docstring (or those named in ``only``), per mode."""
    from vhuman.stage.server.settings import ServerSettings

    defaults = ServerSettings(_env_file=None)  # type: ignore[call-arg]
    os.environ["VHUMAN_FAKE_BRAIN_DELAY_S"] = str(BRAIN_DELAY_S)  # servers and workers
    setup = {"performer": "FakePerformer (0.06 s/word)",
             "brain": f"FakeBrain ({BRAIN_DELAY_S} s before each sentence)",
             "limits": {k: getattr(defaults, k) for k in (
                 "body_timeout_s", "max_connections_per_address", "ws_max_per_address",
                 "header_timeout_s")}, "cpus": os.cpu_count()}
    return {"setup": setup, **{mode: asyncio.run(_mode(mode, quick, only)) for mode in modes}}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--mode", choices=["single", "cluster"], action="append")
    parser.add_argument("--only", choices=FIGURES, action="append",
                        help="run only these figures (their JSON gets its own file)")
    args = parser.parse_args()
    figures = run(args.quick, tuple(args.mode or ("single", "cluster")),
                  tuple(args.only or FIGURES))
    result = {"area": "server_hardening", "quick": args.quick,
              "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "figures": figures}
    name = "server_hardening" + ("_" + "_".join(args.only) if args.only else "")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / f"{name}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(figures, indent=2))
