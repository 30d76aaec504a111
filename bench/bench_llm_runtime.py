"""The packaged chat model on two CPU runtimes: transformers int8 (the default) vs llama.cpp.

Same GGUF (Qwen2.5-Coder-0.5B-Instruct, ``models.llm.packaged``), same persona prompt and
viewer messages, interleaved message by message so load shifts hit both: load time,
first streamed token, decode tokens/s, and the process's resident memory growth from
loading the model. llama.cpp through ``xllamacpp`` (MIT, a CPU wheel on PyPI) serves the
GGUF as it is; transformers dequantizes it once into a safetensors copy and quantizes the
Linear layers to int8 at load. ``python -m bench.bench_llm_runtime`` (``VHUMAN_BENCH_THREADS``
sets the llama.cpp threads, default 2).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MESSAGES = ("How are you today?", "I'm making pancakes while I watch", "Do you like snow?",
            "it's snowing here too", "Tell me about your favourite winter sport",
            "first time watching!")


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _messages(text: str) -> list[dict[str, str]]:
    from vhuman.dialogue import load_persona
    from vhuman.dialogue.prompts import build_messages

    return build_messages(load_persona(ROOT / "examples" / "persona.yaml"), text)  # type: ignore[return-value]


def _llama(gguf: Path, threads: int) -> Any:
    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = str(gguf)
    params.n_ctx = 2048
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    return xlc.Server(params)


def _llama_stream(server: Any, text: str, max_tokens: int) -> tuple[float, int, float]:
    """(first token s, tokens, decode tokens/s) of one streamed llama.cpp reply."""
    t0 = time.perf_counter()
    stamps: list[float] = []

    def on_chunk(chunk: Any) -> bool:
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        if choices and (choices[0].get("delta") or {}).get("content"):
            stamps.append(time.perf_counter() - t0)
        return False  # keep going

    request = {"messages": _messages(text), "max_tokens": max_tokens, "temperature": 0.0,
               "stream": True}
    done = threading.Event()

    def run() -> None:
        server.handle_chat_completions(request, on_chunk)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    done.wait(120)
    if not stamps:
        return float("nan"), 0, 0.0
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 and stamps[-1] > stamps[0] else 0.0
    return stamps[0], len(stamps), rate


def _hf_stream(llm: Any, text: str, max_tokens: int) -> tuple[float, int, float]:
    async def run() -> list[float]:
        t0 = time.perf_counter()
        stamps = []
        async for _ in llm.stream(_messages(text), max_tokens, 0.0):
            stamps.append(time.perf_counter() - t0)
        return stamps

    stamps = asyncio.run(run())
    if not stamps:
        return float("nan"), 0, 0.0
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 and stamps[-1] > stamps[0] else 0.0
    return stamps[0], len(stamps), rate


def run(quick: bool = False, max_tokens: int = 40) -> dict[str, Any]:
    """Measure both runtimes; returns per-runtime figures and the load average."""
    import importlib.util

    from vhuman.models.llm import get_llm
    from vhuman.models.llm.packaged import gguf_path

    if importlib.util.find_spec("xllamacpp") is None:
        return {"skipped": "llama.cpp runtime not installed: pip install xllamacpp"}
    threads = int(os.environ.get("VHUMAN_BENCH_THREADS", "2"))
    gguf = gguf_path("qwen2.5-coder-0.5b")
    out: dict[str, Any] = {}
    before = _rss_mb()
    t0 = time.perf_counter()
    server = _llama(gguf, threads)
    out["llama.cpp (xllamacpp)"] = {"load_s": round(time.perf_counter() - t0, 2),
                                    "rss_growth_mb": round(_rss_mb() - before)}
    before = _rss_mb()
    t0 = time.perf_counter()
    hf = get_llm("transformers", model="qwen2.5-coder-0.5b", seed=0)
    from vhuman.dialogue import load_persona

    hf.warmup(load_persona(ROOT / "examples" / "persona.yaml").system_prompt())
    out["transformers int8"] = {"load_s": round(time.perf_counter() - t0, 2),
                                "rss_growth_mb": round(_rss_mb() - before)}
    rows: dict[str, list[tuple[float, int, float]]] = {k: [] for k in out}
    _llama_stream(server, MESSAGES[0], 4)  # first call compiles / caches the prompt prefix
    _hf_stream(hf, MESSAGES[0], 4)
    for i, text in enumerate(MESSAGES[:3] if quick else MESSAGES):
        order = list(out) if i % 2 == 0 else list(out)[::-1]
        for name in order:
            fn = _llama_stream if name.startswith("llama") else _hf_stream
            rows[name].append(fn(server if name.startswith("llama") else hf, text, max_tokens))
    for name, results in rows.items():
        firsts = [r[0] for r in results if r[1]]
        rates = [r[2] for r in results if r[2]]
        out[name] |= {"first_token_p50_s": round(statistics.median(firsts), 3) if firsts else None,
                      "decode_tokens_per_s": round(statistics.median(rates), 1) if rates else None,
                      "messages": len(results)}
    return out | {"threads": threads, "load_avg": round(os.getloadavg()[0], 2)}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
