"""Dialogue benchmark: chat -> first sentence with the embedded SmolLM2 (opener and first
model-written sentence), reply lengths, grounded Q&A accuracy (exact facts, refusals) with
a threshold calibrated on one split and reported on a held-out split, and latency.

``run(quick)`` returns measured figures only. Configurations (opener, prefix KV cache,
early clause, int8) are measured side by side on the same messages in one run.
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
    """Every message through every configuration, interleaved, so load shifts hit all alike.

    ``first``: the first sentence of any kind (an opener when on); ``first_model``: the
    first sentence the model wrote."""
    runs: dict[str, dict[str, Any]] = {
        k: {"first": [], "first_model": [], "total": [], "words": [], "chars": [], "sentences": [],
            "sources": [], "cpu": [], "model_first_text": [], "texts": []}
        for k in brains
    }
    labels = list(brains)
    for i, msg in enumerate(messages):
        for j in range(len(labels)):  # rotate the order: no configuration always goes first
            label = labels[(i + j) % len(labels)]
            brain, cache = brains[label]
            brain.llm.prefix_cache = cache
            r = runs[label]
            t0 = time.perf_counter()
            c0 = time.process_time()
            first = first_model = None
            items = []
            async for item in brain.reply_stream(msg, viewer=f"viewer{i}"):
                if first is None:
                    first = time.perf_counter() - t0
                if first_model is None and item.source != "opener":
                    first_model = time.perf_counter() - t0
                    r["cpu"].append(time.process_time() - c0)
                    r["model_first_text"].append(item.text)
                items.append(item)
            r["total"].append(time.perf_counter() - t0)
            r["first"].append(first if first is not None else float("nan"))
            r["first_model"].append(first_model if first_model is not None else float("nan"))
            r["texts"].append(" | ".join(s.text for s in items))
            text = " ".join(s.text for s in items)
            r["words"].append(len(text.split()))
            r["chars"].append(len(text))
            r["sentences"].append(len(items))
            r["sources"].append(brain.last_source or "none")
    for brain, _ in brains.values():
        brain.llm.prefix_cache = True
    return runs


async def _tokens_per_second(llm: Any) -> float:
    msgs = [{"role": "user", "content": "Describe a winter festival in detail."}]
    t0 = time.perf_counter()
    text = "".join([p async for p in llm.stream(msgs, max_tokens=48, temperature=0.0)])
    n = len(llm.tokenizer(text, add_special_tokens=False)["input_ids"])
    return n / (time.perf_counter() - t0)


_REFUSAL = ("sorry", "not able", "cannot", "can't help", "as an ai")


def bench_chat(quick: bool) -> dict[str, Any]:
    """Chat -> first sentence, side by side: openers on/off, system-prompt KV cache on/off,
    early first clause on/off, and int8 dynamic quantization of the Linear layers."""
    import torch

    from vhuman.dialogue import DEFAULT_PERSONA, Brain
    from vhuman.models.llm import get_llm

    t0 = time.perf_counter()
    llm = get_llm("transformers", seed=0, device="cpu")
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    llm.warmup(DEFAULT_PERSONA.system_prompt())
    warm = time.perf_counter() - t0
    llm_int8 = get_llm("transformers", seed=0, device="cpu")
    t0 = time.perf_counter()
    llm_int8.model = torch.ao.quantization.quantize_dynamic(llm_int8.model, {torch.nn.Linear},
                                                            dtype=torch.qint8)
    quantize_s = time.perf_counter() - t0
    llm_int8.warmup(DEFAULT_PERSONA.system_prompt())
    messages = CHAT_MESSAGES[:6] if quick else CHAT_MESSAGES
    load_avg = os.getloadavg()[0]
    tps = asyncio.run(_tokens_per_second(llm))

    def brain(model: Any, early: bool = True, opener: bool = False) -> Any:
        # Greedy decoding: configurations are compared on the same text, only speed differs.
        return Brain(DEFAULT_PERSONA, model, memory=None, moderator=None, seed=0,
                     temperature=0.0, early_clause=early, opener=opener)

    brains = {
        "no_opener": (brain(llm), True),
        "opener": (brain(llm, opener=True), True),
        "no_prefix_cache": (brain(llm), False),
        "sentence_only": (brain(llm, early=False), True),
        "int8": (brain(llm_int8), True),
    }
    asyncio.run(_chat_runs(llm, brains, messages[:1]))  # warm every path once
    runs = asyncio.run(_chat_runs(llm, brains, messages))

    def ok(values: list[float]) -> list[float]:
        return [x for x in values if x == x]

    base, op = runs["no_opener"], runs["opener"]
    first_model = ok(base["first_model"])
    med = statistics.median(first_model)
    hist: dict[str, int] = {}
    for n in op["sentences"]:
        hist[str(n)] = hist.get(str(n), 0) + 1
    same_int8 = sum(a == b for a, b in zip(base["model_first_text"], runs["int8"]["model_first_text"],
                                            strict=False))
    return {
        "model": "SmolLM2-135M-Instruct (GGUF Q4_1 -> cached safetensors, fp32, CPU)",
        "decoding": "greedy (temperature 0) so that configurations are compared on equal text",
        "load_average_1min_at_start": round(load_avg, 2),
        "torch_threads": int(torch.get_num_threads()),
        "model_load_s": round(load, 3),
        "warmup_s": round(warm, 3),
        "decode_tokens_per_s": round(tps, 1),
        "messages": len(messages),
        "first_sentence_goal_s": 0.4,
        "opener_first_sentence_s": _summary(ok(op["first"]), 5),
        "opener_first_model_sentence_s": _summary(ok(op["first_model"])),
        "share_first_sentence_within_goal_with_opener": round(
            sum(x <= 0.4 for x in ok(op["first"])) / max(1, len(ok(op["first"]))), 3),
        "first_model_sentence_s": _summary(first_model),
        "first_model_sentence_cpu_s": _summary(base["cpu"]),
        "share_first_model_sentence_within_goal": round(
            sum(x <= 0.4 for x in first_model) / max(1, len(first_model)), 3),
        "first_model_sentence_s_no_prefix_cache": _summary(ok(runs["no_prefix_cache"]["first_model"])),
        "first_model_sentence_s_whole_sentence_only": _summary(ok(runs["sentence_only"]["first_model"])),
        "first_model_sentence_s_int8": _summary(ok(runs["int8"]["first_model"])),
        "speedup_prefix_cache": round(statistics.median(ok(runs["no_prefix_cache"]["first_model"])) / med, 2),
        "speedup_early_clause": round(statistics.median(ok(runs["sentence_only"]["first_model"])) / med, 2),
        "speedup_int8": round(med / statistics.median(ok(runs["int8"]["first_model"])), 2),
        "int8_quantize_s": round(quantize_s, 2),
        "int8_same_first_sentence_as_fp32": f"{same_int8}/{len(messages)}",
        "refusal_like_replies_fp32": sum(any(w in t.lower() for w in _REFUSAL) for t in base["texts"]),
        "refusal_like_replies_int8": sum(any(w in t.lower() for w in _REFUSAL) for t in runs["int8"]["texts"]),
        "opener_overhead_first_model_sentence": round(statistics.median(ok(op["first_model"])) / med, 2),
        "reply_total_s_with_opener": _summary(op["total"]),
        "reply_words_with_opener": _summary([float(w) for w in op["words"]], 1),
        "reply_sentences_histogram_with_opener": hist,
        "reply_sources": {s: op["sources"].count(s) for s in set(op["sources"])},
        "sample_replies_with_opener": [f"{m} -> {t}" for m, t in zip(messages[:4], op["texts"][:4], strict=False)],
        "sample_replies_int8": [f"{m} -> {t}" for m, t in zip(messages[:2], runs["int8"]["texts"][:2], strict=False)],
    }


def bench_templates() -> dict[str, Any]:
    from vhuman.dialogue import Brain, Memory, Moderator
    from vhuman.models.llm.testing import ScriptedLLM

    brain = Brain(llm=ScriptedLLM("unused"), memory=Memory(), moderator=Moderator(flood_limit=1000))
    times = []
    for i in range(50):
        t0 = time.perf_counter()
        asyncio.run(brain.reply("hi vivi!" if i % 2 else "thanks!", viewer=f"v{i}"))
        times.append(time.perf_counter() - t0)
    return {"template_reply_s": _summary(times, 5)}


def qa_outcomes(qa: Any, split: dict[str, Any], threshold: float) -> dict[str, Any]:
    """Score one split at ``threshold``: exact facts, refusals, and the misses by name."""
    exact, wrong, false_refusal, hallucinated, refused = 0, [], [], [], 0
    for item in split["answerable"]:
        ans = item["answer"]
        if ans.confidence < threshold:
            false_refusal.append(item["q"])
        elif all(f.lower() in ans.text.lower() for f in item["facts"]):
            exact += 1
        else:
            wrong.append(item["q"])
    for item in split["unanswerable"]:
        if item["answer"].confidence >= threshold:
            hallucinated.append(item["q"])
        else:
            refused += 1
    n_a, n_u = len(split["answerable"]), len(split["unanswerable"])
    return {
        "questions_answerable": n_a, "questions_unanswerable": n_u,
        "exact_fact_accuracy": round(exact / n_a, 3), "refusal_accuracy": round(refused / n_u, 3),
        "false_refusals": false_refusal, "wrong_answers": wrong,
        "answered_unanswerable": hallucinated,
    }


def calibrate(split: dict[str, Any]) -> float:
    """The threshold maximizing the mean of exact-fact and refusal accuracy on ``split``;
    ties: the middle of the best range (margin on both sides)."""
    confs = sorted({round(i["answer"].confidence, 4) for k in ("answerable", "unanswerable")
                    for i in split[k]})
    cands = [0.05] + [(a + b) / 2 for a, b in zip(confs, confs[1:], strict=False)] + [0.95]
    cands = [c for c in cands if 0.05 <= c <= 0.95]
    scored = [(qa_outcomes(None, split, c), c) for c in cands]
    best = max(o["exact_fact_accuracy"] + o["refusal_accuracy"] for o, _ in scored)
    top = [c for o, c in scored if o["exact_fact_accuracy"] + o["refusal_accuracy"] == best]
    return round(statistics.median(top), 4)


def bench_qa(quick: bool) -> dict[str, Any]:
    """Calibrate the refusal threshold on the calibration split; report the held-out split."""
    from vhuman.dialogue import KnowledgeBase, QAEngine

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
        times = []
        splits: dict[str, dict[str, Any]] = {}
        for name in ("calibration", "test"):
            split: dict[str, Any] = {"answerable": [], "unanswerable": []}
            for kind in ("answerable", "unanswerable"):
                for raw in spec[name][kind]:
                    item = dict(raw) if isinstance(raw, dict) else {"q": raw}
                    t0 = time.perf_counter()
                    item["answer"] = qa.extract(item["q"])
                    times.append(time.perf_counter() - t0)
                    split[kind].append(item)
            splits[name] = split
        threshold = calibrate(splits["calibration"])
        return {
            "kb_docs": len(kb.docs), "kb_sentences": len(kb),
            "kb_build_s": round(build, 3), "kb_update_nochange_s": round(update, 4),
            "engine_default_threshold": qa.threshold,
            "calibrated_threshold": threshold,
            "test_heldout": qa_outcomes(qa, splits["test"], threshold),
            "test_at_engine_default": qa_outcomes(qa, splits["test"], qa.threshold),
            "calibration": qa_outcomes(qa, splits["calibration"], threshold),
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
