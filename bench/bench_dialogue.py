"""Dialogue benchmark: chat -> first sentence with the embedded SmolLM2, reply lengths,
grounded Q&A accuracy (exact facts, refusals) and latency on bench/data/qa_eval.yaml.

``run(quick)`` returns measured figures only. Prefix-KV-cache on/off is measured side by
side on the same messages in one run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHAT_MESSAGES = [
    "What's your favourite winter sport?",
    "Do you like music?",
    "What did you do today?",
    "Can you recommend a warm drink for watching the games?",
    "Who do you think will win the hockey final?",
    "Is it cold where you are?",
    "What should I watch first at the festival?",
    "Tell me something fun about snow.",
    "Do you ski yourself?",
    "What's the best part of hosting a live show?",
    "I just got home from work, what did I miss?",
    "Any tips for a first-time skier?",
    "What's your favourite song to dance to?",
    "How do you stay so cheerful?",
    "Is curling hard to learn?",
    "What would you pack for a trip to the mountains?",
    "Do you have a pet?",
    "What's the weirdest winter sport you know?",
    "Can you say hi to my sister Ana?",
    "What time is it where you are?",
]


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _summary(values: list[float], digits: int = 3) -> dict[str, float]:
    return {
        "p50": round(_pct(values, 50), digits), "p95": round(_pct(values, 95), digits),
        "mean": round(statistics.fmean(values), digits) if values else float("nan"),
        "min": round(min(values), digits) if values else float("nan"),
        "max": round(max(values), digits) if values else float("nan"),
    }


async def _chat_runs(llm: Any, brains: dict[str, tuple[Any, bool]], messages: list[str]) -> dict[str, dict[str, Any]]:
    """Every message through every configuration, interleaved, so load shifts hit all alike."""
    runs: dict[str, dict[str, Any]] = {
        k: {"first": [], "total": [], "words": [], "chars": [], "sentences": [], "sources": [], "cpu": []}
        for k in brains
    }
    labels = list(brains)
    for i, msg in enumerate(messages):
        for j in range(len(labels)):  # rotate the order: no configuration always goes first
            label = labels[(i + j) % len(labels)]
            brain, cache = brains[label]
            llm.prefix_cache = cache
            r = runs[label]
            t0 = time.perf_counter()
            c0 = time.process_time()
            first = None
            items = []
            async for item in brain.reply_stream(msg, viewer=f"viewer{i}"):
                if first is None:
                    first = time.perf_counter() - t0
                    r["cpu"].append(time.process_time() - c0)
                items.append(item)
            r["total"].append(time.perf_counter() - t0)
            r["first"].append(first if first is not None else float("nan"))
            text = " ".join(s.text for s in items)
            r["words"].append(len(text.split()))
            r["chars"].append(len(text))
            r["sentences"].append(len(items))
            r["sources"].append(items[0].source if items else "none")
    llm.prefix_cache = True
    return runs


async def _tokens_per_second(llm: Any) -> float:
    msgs = [{"role": "user", "content": "Describe a winter festival in detail."}]
    t0 = time.perf_counter()
    text = "".join([p async for p in llm.stream(msgs, max_tokens=48, temperature=0.0)])
    n = len(llm.tokenizer(text, add_special_tokens=False)["input_ids"])
    return n / (time.perf_counter() - t0)


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def bench_chat(quick: bool) -> dict[str, Any]:
    from dialogue import DEFAULT_PERSONA, Brain
    from models.llm import get_llm

    t0 = time.perf_counter()
    llm = get_llm("transformers", seed=0, device="cpu")
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    llm.warmup()
    warm = time.perf_counter() - t0
    messages = CHAT_MESSAGES[:6] if quick else CHAT_MESSAGES
    load_avg = os.getloadavg()[0]
    tps = asyncio.run(_tokens_per_second(llm))
    brains = {
        # Greedy decoding: every configuration writes the same text, so only speed differs.
        label: (Brain(DEFAULT_PERSONA, llm, memory=None, moderator=None, seed=0,
                      temperature=0.0, early_clause=early), cache)
        for label, cache, early in (("default", True, True), ("no_prefix_cache", False, True),
                                    ("sentence_only", True, False))
    }
    asyncio.run(_chat_runs(llm, brains, messages[:1]))  # fills the system-prompt cache once
    runs = asyncio.run(_chat_runs(llm, brains, messages))
    main = runs["default"]
    hist: dict[str, int] = {}
    for n in main["sentences"]:
        hist[str(n)] = hist.get(str(n), 0) + 1
    first_cached = [x for x in main["first"] if x == x]
    first_plain = [x for x in runs["no_prefix_cache"]["first"] if x == x]
    first_sentence = [x for x in runs["sentence_only"]["first"] if x == x]
    return {
        "model": "SmolLM2-135M-Instruct (GGUF Q4_1 -> cached safetensors, fp32, CPU)",
        "decoding": "greedy (temperature 0) so that configurations are compared on equal text",
        "load_average_1min_at_start": round(load_avg, 2),
        "torch_threads": _torch_threads(),
        "model_load_s": round(load, 3),
        "warmup_s": round(warm, 3),
        "decode_tokens_per_s": round(tps, 1),
        "messages": len(messages),
        "first_sentence_s": _summary(first_cached),
        "first_sentence_cpu_s": _summary(main["cpu"]),
        "first_sentence_s_no_prefix_cache": _summary(first_plain),
        "first_sentence_s_whole_sentence_only": _summary(first_sentence),
        "first_sentence_speedup_prefix_cache": round(
            statistics.median(first_plain) / statistics.median(first_cached), 2),
        "first_sentence_speedup_early_clause": round(
            statistics.median(first_sentence) / statistics.median(first_cached), 2),
        "first_sentence_goal_s": 0.4,
        "share_first_sentence_within_goal": round(
            sum(x <= 0.4 for x in first_cached) / len(first_cached), 3),
        "reply_total_s": _summary(main["total"]),
        "reply_words": _summary([float(w) for w in main["words"]], 1),
        "reply_chars": _summary([float(c) for c in main["chars"]], 1),
        "reply_sentences_histogram": hist,
        "reply_sources": {s: main["sources"].count(s) for s in set(main["sources"])},
        "sample_replies": [" | ".join([m, str(w)]) for m, w in zip(messages[:3], main["words"][:3], strict=True)],
    }


def bench_templates() -> dict[str, Any]:
    from dialogue import Brain, Memory, Moderator
    from models.llm.testing import ScriptedLLM

    brain = Brain(llm=ScriptedLLM("unused"), memory=Memory(), moderator=Moderator(flood_limit=1000))
    times = []
    for i in range(50):
        t0 = time.perf_counter()
        asyncio.run(brain.reply("hi vivi!" if i % 2 else "thanks!", viewer=f"v{i}"))
        times.append(time.perf_counter() - t0)
    return {"template_reply_s": _summary(times, 5)}


def bench_qa(quick: bool) -> dict[str, Any]:
    from dialogue import KnowledgeBase, QAEngine

    spec = yaml.safe_load((HERE / "data" / "qa_eval.yaml").read_text())
    folder = ROOT / spec["kb"]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        kb = KnowledgeBase.build(folder, Path(tmp) / "store")
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        kb.update()
        update = time.perf_counter() - t0
        qa = QAEngine(kb)
        qa.extract("warm up question?")
        exact, wrong, false_refusal, times, confid = 0, [], [], [], []
        for item in spec["answerable"]:
            t0 = time.perf_counter()
            ans = qa.extract(item["q"])
            times.append(time.perf_counter() - t0)
            confid.append(ans.confidence)
            if not ans.answered:
                false_refusal.append(item["q"])
            elif all(f.lower() in ans.text.lower() for f in item["facts"]):
                exact += 1
            else:
                wrong.append(item["q"])
        refused, hallucinated = 0, []
        for q in spec["unanswerable"]:
            t0 = time.perf_counter()
            ans = qa.extract(q)
            times.append(time.perf_counter() - t0)
            if ans.answered:
                hallucinated.append(q)
            else:
                refused += 1
        n_a, n_u = len(spec["answerable"]), len(spec["unanswerable"])
        return {
            "kb_docs": len(kb.docs), "kb_sentences": len(kb),
            "kb_build_s": round(build, 3), "kb_update_nochange_s": round(update, 4),
            "questions_answerable": n_a, "questions_unanswerable": n_u,
            "exact_fact_accuracy": round(exact / n_a, 3),
            "refusal_accuracy": round(refused / n_u, 3),
            "false_refusals": false_refusal, "wrong_answers": wrong,
            "answered_unanswerable": hallucinated,
            "threshold": qa.threshold,
            "answer_latency_s": _summary(times, 4),
        }


def run(quick: bool = False) -> dict[str, Any]:
    """All dialogue figures (quick: 6 chat messages instead of 20)."""
    figures: dict[str, Any] = {"qa": bench_qa(quick), "templates": bench_templates()}
    figures["chat"] = bench_chat(quick)
    return figures


if __name__ == "__main__":
    import json
    import sys

    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
