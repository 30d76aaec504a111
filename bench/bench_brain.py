"""Chat models compared side by side through the whole Brain on a fixed conversation set.

Every candidate answers the same conversations (``bench/data/conversations.yaml``: 62
messages of greetings, show and sport questions, requests, sad news, follow-ups with name
memory, Spanish and Chinese, hostile ones) with the example persona, moderation and
memory, interleaved message by message so load shifts hit all alike. Each reply is judged
by :mod:`dialogue.evaluation` (language, tone, relevance, made-up facts, persona breaks,
repeated hostile content); latency is the first model-written sentence after the message.
Transcripts go to ``bench/results/brain_transcripts.md``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CANDIDATES = ("smollm2-135m", "qwen2.5-coder-0.5b")


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def _known_facts() -> set[str]:
    from vhuman.dialogue.evaluation import known_terms

    texts = [(ROOT / "examples" / "persona.yaml").read_text(encoding="utf-8")]
    for path in sorted((ROOT / "examples" / "kb").iterdir()):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return known_terms(texts)


async def _turn(brain: Any, text: str, viewer: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    items: list[dict[str, Any]] = []
    first_model = None
    async for s in brain.reply_stream(text, viewer):
        at = time.perf_counter() - t0
        if s.source == "llm" and first_model is None:
            first_model = at
        items.append({"at": round(at, 3), "text": s.text, "source": s.source,
                      "emotion": s.emotion.value, "tags": list(s.tags), "language": s.language})
    return {"items": items, "first": items[0]["at"] if items else None,
            "first_model": first_model, "total": time.perf_counter() - t0,
            "source": brain.last_source}


def _model_text(items: list[dict[str, Any]]) -> str:
    """What the model (and the engine, for deflections/templates) said, openers left out."""
    return " ".join(i["text"] for i in items if i["source"] != "opener")


async def _run(candidates: tuple[str, ...], quick: bool) -> dict[str, Any]:
    from vhuman.dialogue import Brain, Memory, Moderator, load_persona
    from vhuman.dialogue.evaluation import check_reply, embedding_similarity, known_terms
    from vhuman.models.embeddings.minilm import get_embedder
    from vhuman.models.llm import get_llm

    data = yaml.safe_load((HERE / "data" / "conversations.yaml").read_text(encoding="utf-8"))
    conversations = data["conversations"][:4] if quick else data["conversations"]
    persona = load_persona(ROOT / "examples" / "persona.yaml")
    known = _known_facts()
    similarity = embedding_similarity(get_embedder().encode)
    threads = int(os.environ.get("VHUMAN_BENCH_THREADS", "0")) or None
    if threads:
        import torch
        torch.set_num_threads(threads)
    llms: dict[str, Any] = {}
    for name in candidates:
        t0 = time.perf_counter()
        llms[name] = get_llm("transformers", model=name, seed=0)
        log.info("%s loaded in %.1f s", name, time.perf_counter() - t0)
    out: dict[str, Any] = {}
    for name, llm in llms.items():
        out[name] = {"turns": [], "load_s": round(llm.load_seconds, 2)}
    for conv in conversations:
        brains = {}
        for name, llm in llms.items():
            brain = Brain(persona, llm, memory=Memory(), moderator=Moderator(), seed=0)
            brain.warm_up()
            brains[name] = brain
        said_before: list[str] = []
        for turn in conv["turns"]:
            for name in (candidates if len(out[candidates[0]]["turns"]) % 2 == 0 else candidates[::-1]):
                r = await _turn(brains[name], turn["text"], conv["viewer"])
                spoken = " ".join(i["text"] for i in r["items"])  # what the viewer hears
                check = check_reply(turn["text"], spoken, turn["kind"], turn.get("lang"),
                                    known | known_terms(said_before + [conv["viewer"]]), similarity)
                from vhuman.dialogue.evaluation import invented_facts
                check.invented = invented_facts(
                    _model_text(r["items"]), known | known_terms(said_before + [turn["text"], conv["viewer"]]))
                if check.relevance is not None and _model_text(r["items"]):
                    # Relevance of what follows the opener (an opener fits any message).
                    check.relevance = round(similarity(turn["text"], _model_text(r["items"])), 3)
                r.update(viewer=conv["viewer"], message=turn["text"], kind=turn["kind"],
                         lang=turn.get("lang"), check=check.__dict__ | {"ok": check.ok},
                         load=os.getloadavg()[0])
                out[name]["turns"].append(r)
            said_before.append(turn["text"])
    return out


def _summarize(turns: list[dict[str, Any]]) -> dict[str, Any]:
    def share(values: list[bool | None]) -> float | None:
        vals = [v for v in values if v is not None]
        return round(sum(vals) / len(vals), 3) if vals else None

    checks = [t["check"] for t in turns]
    first_model = [t["first_model"] for t in turns if t["first_model"] is not None]
    model_turns = [t for t in turns if any(i["source"] == "llm" for i in t["items"])]
    tagged = [any(any(x in ("wave", "dance", "nod", "bow", "clap", "point", "shrug", "heart",
                           "cheer", "thumbs_up") for x in i["tags"]) for i in t["items"])
              for t in turns if t["items"]]
    rel = [c["relevance"] for c in checks if c["relevance"] is not None]
    return {
        "messages": len(turns),
        "acceptable_on_every_count": share([c["ok"] for c in checks]),
        "language_ok": share([c["language_ok"] for c in checks]),
        "tone_ok": share([c["tone_ok"] for c in checks]),
        "relevance_mean": round(statistics.fmean(rel), 3) if rel else None,
        "replies_with_invented_facts": sum(1 for c in checks if c["invented"]),
        "persona_breaks": sum(1 for c in checks if c["persona_break"]),
        "repeated_hostile": sum(1 for c in checks if c["repeats_hostile"]),
        "accusations": sum(1 for c in checks if c["accusation"]),
        "fallbacks": sum(1 for t in turns if t["source"] == "fallback"),
        "model_replies": len(model_turns),
        "first_sentence_p50_s": _pct([t["first"] for t in turns if t["first"] is not None], 50),
        "first_model_sentence_p50_s": _pct(first_model, 50),
        "first_model_sentence_p95_s": _pct(first_model, 95),
        "reply_total_p50_s": _pct([t["total"] for t in turns], 50),
        "replies_with_gesture": share(tagged),
        "load_avg_mean": round(statistics.fmean(t["load"] for t in turns), 2),
    }


def _transcripts(results: dict[str, Any]) -> str:
    lines = ["# Conversation set transcripts", ""]
    names = list(results)
    for i, turn in enumerate(results[names[0]]["turns"]):
        lines.append(f"**{turn['viewer']}** ({turn['kind']}, {turn['lang']}): {turn['message']}")
        lines.append("")
        for name in names:
            t = results[name]["turns"][i]
            said = " ".join(
                f"[{it['source']}{'/' + ','.join(it['tags']) if it['tags'] else ''}] {it['text']}"
                for it in t["items"]) or "(silent)"
            c = t["check"]
            flags = [k for k in ("language_ok", "tone_ok") if c[k] is False]
            flags += [k for k in ("persona_break", "repeats_hostile", "accusation") if c[k]]
            flags += ["invented:" + ",".join(c["invented"])] if c["invented"] else []
            if c["relevance"] is not None and c["relevance"] < 0.2:
                flags.append(f"relevance {c['relevance']}")
            fm = f"{t['first_model']:.2f} s" if t["first_model"] is not None else "-"
            lines.append(f"- {name} (first model sentence {fm}; {'ok' if c['ok'] else 'NOT ok: ' + ', '.join(flags)}): {said}")
        lines.append("")
    return "\n".join(lines)


def run(quick: bool = False) -> dict[str, Any]:
    """Compare the packaged chat models; returns per-model summaries (figures measured)."""
    candidates = tuple(c.strip() for c in os.environ.get("VHUMAN_BENCH_MODELS", ",".join(CANDIDATES)).split(",") if c.strip())
    results = asyncio.run(_run(candidates, quick))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "brain_transcripts.md").write_text(_transcripts(results), encoding="utf-8")
    return {name: _summarize(r["turns"]) | {"load_s": r["load_s"]} for name, r in results.items()} | {
        "turns": {name: r["turns"] for name, r in results.items()}}


def speed(messages: int = 8) -> dict[str, Any]:
    """First-token and first-sentence latency of each candidate as-is and with int8
    dynamic quantization of its Linear layers, interleaved on the same messages (the
    persona's prefix KV cache on, as in the brain)."""
    import torch

    from vhuman.dialogue import load_persona
    from vhuman.dialogue.prompts import build_messages
    from vhuman.models.llm import get_llm
    from vhuman.models.text import SentenceStream

    persona = load_persona(ROOT / "examples" / "persona.yaml")
    data = yaml.safe_load((HERE / "data" / "conversations.yaml").read_text(encoding="utf-8"))
    texts = [t["text"] for c in data["conversations"] for t in c["turns"]
             if t["kind"] in ("show", "sport", "request", "other")][:messages]
    configs: dict[str, Any] = {}
    for name in CANDIDATES:
        configs[name] = get_llm("transformers", model=name, seed=0)
        q = get_llm("transformers", model=name, seed=0)
        q.model = torch.ao.quantization.quantize_dynamic(q.model, {torch.nn.Linear}, dtype=torch.qint8)
        configs[name + "+int8"] = q
    for llm in configs.values():
        llm.warmup(persona.system_prompt())

    async def one(llm: Any, text: str) -> tuple[float, float | None, int]:
        msgs = build_messages(persona, text)
        t0 = time.perf_counter()
        first, sentence, n = None, None, 0
        splitter = SentenceStream(max_chars=160)
        async for piece in llm.stream(msgs, 40, 0.7):
            n += 1
            first = first or time.perf_counter() - t0
            if sentence is None and splitter.feed(piece):
                sentence = time.perf_counter() - t0
        return first or float("nan"), sentence, n

    rows: dict[str, dict[str, list[float]]] = {k: {"first_token": [], "first_sentence": []} for k in configs}
    for i, text in enumerate(texts):
        names = list(configs)
        for j in range(len(names)):
            name = names[(i + j) % len(names)]
            ft, fs, _ = asyncio.run(one(configs[name], text))
            rows[name]["first_token"].append(ft)
            if fs is not None:
                rows[name]["first_sentence"].append(fs)
    return {k: {"first_token_p50_s": _pct(v["first_token"], 50),
                "first_sentence_p50_s": _pct(v["first_sentence"], 50),
                "first_sentence_p95_s": _pct(v["first_sentence"], 95)} for k, v in rows.items()} | {
        "load_avg": round(os.getloadavg()[0], 2), "messages": len(texts)}


if __name__ == "__main__":
    import json
    import sys

    logging.basicConfig(level=logging.INFO)
    if "--speed" in sys.argv:
        print(json.dumps(speed(), indent=1))
        raise SystemExit(0)
    result = run(quick="--quick" in sys.argv)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "brain.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps({k: v for k, v in result.items() if k != "turns"}, indent=1))
