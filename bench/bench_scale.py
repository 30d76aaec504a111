"""Scale-out figures on real Redis and PostgreSQL servers (loopback, this machine):

- chat ingress: messages/s that 1 and 2 API replicas (``vhuman serve --redis
  --database``, each its own process, moderation on) accept (202) under a closed-loop
  HTTP load of many viewers, and the acknowledgement latency (request -> 202) p50/p99;
  the worker behind them answers every message (fake performer and brain).
- failover: ``kill -9`` of the worker holding a running show -> the first line started
  on another worker (its first rundown checkpoint), for the default lease and a short one.
- commands: host control call -> the holding worker runs it (one way, from the command's
  own timestamps) and the HTTP round trip, p50/p99.

Servers, replicas and the load generator share this machine's cores: the load average
is reported with each figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import load_average

ROOT = Path(__file__).resolve().parents[1]
HOST_KEY = "bench-host-key-1"


def _pct(values: list[float], q: float) -> float | None:
    from vhuman.stage.server.telemetry import percentile

    p = percentile(values, q)
    return None if p is None else round(p * 1000, 2)


def _cpu_seconds(roots: list[int]) -> float:
    """CPU time (user + system, reaped children included) of processes and their trees."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            stats[int(entry.name)] = text.rsplit(")", 1)[1].split()
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    total, todo, seen = 0.0, list(roots), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        f = stats[pid]  # fields after the name: state=0, ppid=1 ... utime=11 .. cstime=14
        total += sum(int(x) for x in f[11:15]) / tick
        todo.extend(children.get(pid, []))
    return total


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "VHUMAN_FAKE_SECONDS_PER_WORD": "0.02",
            "VHUMAN_API_KEYS": json.dumps({HOST_KEY: "host"}),
            # one load generator on 127.0.0.1 stands for many viewers' addresses
            "VHUMAN_HTTP_CHAT_PER_IP_BURST": "1000000", "VHUMAN_HTTP_CHAT_PER_IP_PER_S": "1000000",
            "VHUMAN_WS_MAX_PER_ADDRESS": "100000", "VHUMAN_DEFAULT_SHOW": "bench",
            **(extra or {})}


class _Procs:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - lives with the process
        self.procs[name] = subprocess.Popen([sys.executable, "-m", "vhuman.stage.cli", *args],
                                            cwd=ROOT, env=_env(env), stdout=log,
                                            stderr=subprocess.STDOUT)

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def close(self) -> None:
        for name in list(self.procs):
            self.kill(name)


FAKE = "vhuman.stage.cluster.testing:fake_backends"
LIVE = "vhuman.stage.cluster.testing:live_backends"  # the real live performer, 160², eSpeak


def _worker(procs: _Procs, name: str, redis: str, db: str, lease: float,
            slots: int = 2, backends: str = FAKE) -> None:
    procs.start(name, ["worker", "--redis", redis, "--database", db, "--slots", str(slots),
                       "--id", name, "--lease", str(lease), "--backends", backends])


def _api(procs: _Procs, name: str, port: int, redis: str, db: str) -> None:
    procs.start(name, ["serve", "--redis", redis, "--database", db, "--port", str(port)])


async def _until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"bench scale: timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _on_air(client: Any, base: str, show: str, worker: str | None = None) -> bool:
    try:
        r = await client.get(f"{base}/v1/shows", headers={"X-API-Key": HOST_KEY})
    except Exception:  # noqa: BLE001 - the replica is still starting
        return False
    if r.status_code != 200:
        return False
    status = {s["id"]: s for s in r.json()}.get(show, {})
    return bool(status.get("ready") and status.get("worker")
                and (worker is None or status["worker"] == worker))


async def _ingress(ports: list[int], seconds: float, concurrency: int,
                   cpu: dict[str, list[int]]) -> dict[str, Any]:
    """Closed loop: ``concurrency`` senders, spread over the replicas, for ``seconds``."""
    import httpx

    latencies: list[float] = []
    codes: dict[int, int] = {}
    stop = time.monotonic() + seconds
    tag = len(ports)

    async def sender(i: int, client: Any, base: str) -> None:
        n = 0
        while time.monotonic() < stop:
            n += 1
            # distinct viewers (each under the per-viewer rate) and texts (no duplicates)
            body = {"viewer": f"v{tag}_{i}_{n % 1000}",
                    "text": f"message {n} from sender {i} in run {tag}?"}
            t0 = time.perf_counter()
            r = await client.post(f"{base}/v1/shows/bench/chat", json=body)
            latencies.append(time.perf_counter() - t0)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        load0 = load_average()
        cpu0 = {name: _cpu_seconds(pids) for name, pids in cpu.items()}
        t0 = time.perf_counter()
        await asyncio.gather(*(sender(i, client, f"http://127.0.0.1:{ports[i % len(ports)]}")
                               for i in range(concurrency)))
        wall = time.perf_counter() - t0
        used = {name: _cpu_seconds(pids) - cpu0[name] for name, pids in cpu.items()}
    accepted = codes.get(202, 0)
    per_cpu_s = {f"{name}_msgs_per_cpu_s": round(accepted / max(seconds_used, 1e-9), 1)
                 for name, seconds_used in used.items()}
    return {"replicas": len(ports), "concurrency": concurrency, "seconds": round(wall, 2),
            "accepted": accepted, "accepted_per_s": round(accepted / wall, 1),
            "status_codes": {str(k): v for k, v in sorted(codes.items())},
            "ack_ms_p50": _pct(latencies, 0.5), "ack_ms_p99": _pct(latencies, 0.99),
            "cpu_s": {k: round(v, 2) for k, v in used.items()}, **per_cpu_s,
            "loadavg_before": load0, "loadavg_after": load_average()}


async def _commands(base: str, n: int) -> dict[str, Any]:
    import httpx

    from vhuman.stage.cluster import keys
    from vhuman.stage.cluster.command_table import Gesture
    from vhuman.stage.cluster.commands import send_command

    one_way: list[float] = []
    round_trip: list[float] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(n):  # the HTTP path: auth, proxy, stream, worker, ack
            t0 = time.perf_counter()
            r = await client.post(f"{base}/v1/shows/bench/control/gesture",
                                  json={"name": "nod" if i % 2 else "wave"},
                                  headers={"X-API-Key": HOST_KEY})
            round_trip.append(time.perf_counter() - t0)
            r.raise_for_status()
    redis = keys.connect_redis(os.environ["VH_BENCH_REDIS"])
    try:
        for i in range(n):  # the command path alone, with the worker's receive stamp
            reply = await send_command(redis, "bench", Gesture(name="nod" if i % 2 else "wave"))
            one_way.append(float(reply["received"]) - float(reply["sent"]))
    finally:
        await redis.aclose()
    return {"commands": n, "one_way_ms_p50": _pct(one_way, 0.5),
            "one_way_ms_p99": _pct(one_way, 0.99),
            "http_round_trip_ms_p50": _pct(round_trip, 0.5),
            "http_round_trip_ms_p99": _pct(round_trip, 0.99), "loadavg": load_average()}


async def _archive(redis_url: str, db: str, n: int, cpu: dict[str, list[int]]) -> dict[str, Any]:
    """``n`` log records written at once; the workers' archivers move them to
    PostgreSQL: records per second and CPU per record of PostgreSQL and the worker."""
    import psycopg

    from vhuman.stage.cluster import keys

    redis = keys.connect_redis(redis_url)
    try:
        with psycopg.connect(db) as conn:
            before = conn.execute("SELECT count(*) FROM show_log").fetchone()[0]  # type: ignore[index]
        cpu0 = {name: _cpu_seconds(pids) for name, pids in cpu.items()}
        t0 = time.perf_counter()
        async with redis.pipeline(transaction=False) as pipe:
            for i in range(n):
                pipe.xadd(keys.LOG, {"kind": "show_event", "data": json.dumps(
                    {"show_id": "archive-bench", "event": "tick", "data": {"i": i},
                     "ts": time.time()})})
            await pipe.execute()

        async def drained() -> bool:
            with psycopg.connect(db) as conn:
                count = conn.execute("SELECT count(*) FROM show_log").fetchone()[0]  # type: ignore[index]
            return bool(count - before >= n)
        await _until(drained, 300, "the archive")
        wall = time.perf_counter() - t0
        used = {name: _cpu_seconds(pids) - cpu0[name] for name, pids in cpu.items()}
    finally:
        await redis.aclose()
    return {"records": n, "seconds": round(wall, 2), "records_per_s": round(n / wall, 1),
            "cpu_s": {k: round(v, 2) for k, v in used.items()},
            **{f"{k}_records_per_cpu_s": round(n / max(v, 1e-9), 1) for k, v in used.items()},
            "loadavg": load_average()}


async def _failover(procs: _Procs, redis: str, db: str, base: str, lease: float,
                    trial: int, backends: str = FAKE) -> dict[str, Any]:
    """kill -9 the holder; ``on_air_s``: until the new holder's performer is started
    (the live performer: first frame rendered) and warm; ``first_line_s``: until its
    first rundown line starts (its first checkpoint)."""
    import httpx
    import psycopg

    a, b = f"fa{trial}", f"fb{trial}"
    show = f"failover{trial}"
    lines = "\n".join(f'      - "Line {i} of the failover show, said at a steady pace."'
                      for i in range(400))
    yaml = (f"show:\n  title: Failover {trial}\n  id: {show}\nsegments:\n"
            f"  - type: say\n    id: talk\n    lines:\n{lines}\n")
    _worker(procs, a, redis, db, lease, slots=1, backends=backends)
    async with httpx.AsyncClient(timeout=30) as client:
        await _until(lambda: _worker_up(client, base, a), 60, "worker a")
        r = await client.post(f"{base}/v1/shows", headers={"X-API-Key": HOST_KEY},
                              json={"id": show, "rundown_yaml": yaml, "start": True})
        r.raise_for_status()
        await _until(lambda: _on_air(client, base, show, a), 120, "the show on worker a")
        _worker(procs, b, redis, db, lease, slots=1, backends=backends)
        await _until(lambda: _worker_up(client, base, b), 60, "worker b")
        await asyncio.sleep(1.0)
        killed = time.time()
        procs.kill(a)

        async def resumed() -> float | None:
            with psycopg.connect(db) as conn:
                row = conn.execute("SELECT worker, updated FROM show_checkpoint WHERE "
                                   "show_id = %s", (show,)).fetchone()
            return float(row[1]) if row and row[0] == b else None
        first_line = await _until(resumed, 120, "the show on worker b")

        async def claimed() -> float | None:  # logged through the archiver: may lag
            with psycopg.connect(db) as conn:
                rows = conn.execute("SELECT data FROM show_log WHERE show_id = %s AND "
                                    "event = 'claimed'", (show,)).fetchall()
            times = [json.loads(d)["claimed_at"] for (d,) in rows
                     if json.loads(d)["worker"] == b]
            return float(times[0]) if times else None
        on_air = await _until(claimed, 60, "the claim in the log")
        await client.delete(f"{base}/v1/shows/{show}", headers={"X-API-Key": HOST_KEY})
    procs.kill(b)
    return {"performer": "live 160² eSpeak" if backends == LIVE else "fake",
            "lease_s": lease, "on_air_s": round(on_air - killed, 3),
            "first_line_s": round(first_line - killed, 3), "loadavg": load_average()}


async def _worker_up(client: Any, base: str, worker: str) -> bool:
    try:
        r = await client.get(f"{base}/v1/workers", headers={"X-API-Key": HOST_KEY})
    except Exception:  # noqa: BLE001
        return False
    return r.status_code == 200 and any(w["id"] == worker for w in r.json())


async def _run(quick: bool, tmp: Path) -> dict[str, Any]:
    import httpx

    from vhuman.stage.cluster.testing import PostgresServer, RedisServer, free_port

    redis_server = RedisServer(tmp / "redis").start()
    pg = PostgresServer().start()
    procs = _Procs(tmp)
    try:
        redis, db = redis_server.url, pg.create_database("bench")
        os.environ["VH_BENCH_REDIS"] = redis
        ports = [free_port(), free_port()]
        _api(procs, "api1", ports[0], redis, db)
        _worker(procs, "w1", redis, db, 5.0, slots=1)  # the bench show only
        base = f"http://127.0.0.1:{ports[0]}"
        async with httpx.AsyncClient(timeout=30) as client:
            await _until(lambda: _on_air(client, base, "bench"), 120, "the bench show")
        seconds, conc = (3.0, 16) if quick else (8.0, 32)
        out: dict[str, Any] = {"redis": "redis-server, appendonly, appendfsync always",
                               "postgres": "initdb defaults, fsync off (a test server)"}
        cpu = {"api": [procs.procs["api1"].pid], "worker": [procs.procs["w1"].pid],
               "redis": [redis_server.proc.pid],  # type: ignore[union-attr]
               "postgres": [pg.proc.pid]}  # type: ignore[union-attr]
        out["ingress_1_replica"] = await _ingress(ports[:1], seconds, conc, cpu)
        _api(procs, "api2", ports[1], redis, db)
        async with httpx.AsyncClient(timeout=30) as client:
            await _until(lambda: _on_air(client, f"http://127.0.0.1:{ports[1]}", "bench"), 120,
                         "the second replica")
        cpu["api"] = [procs.procs["api1"].pid, procs.procs["api2"].pid]
        out["ingress_2_replicas"] = await _ingress(ports, seconds, conc, cpu)
        out["commands"] = await _commands(base, 100 if quick else 300)
        out["archive"] = await _archive(redis, db, 2000 if quick else 10000,
                                        {k: cpu[k] for k in ("worker", "postgres", "redis")})
        trials = [(2.0, 0, FAKE)] if quick else [
            (2.0, 0, FAKE), (2.0, 1, FAKE), (5.0, 2, FAKE), (5.0, 3, FAKE), (5.0, 4, LIVE)]
        out["failover"] = [await _failover(procs, redis, db, base, lease, t, kind)
                           for lease, t, kind in trials]
        return out
    finally:
        procs.close()
        redis_server.stop()
        pg.stop()


def run(quick: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="vh-bench-scale-") as tmp:
        return asyncio.run(_run(quick, Path(tmp)))


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
