"""The default host graded the way a producer grades: ``python -m bench.run --only conversation``.

Every conversation of ``bench/data/conversation_set.yaml`` (the ``test`` split; ``--dev`` for the split the
grader may be tuned on, ``--holdout`` / ``--holdout2`` for messages written after the second / third
pass's tuning) is sent, turn by turn, to the brain
``vhuman serve`` builds for the default show (the example persona, its knowledge base
``examples/kb``, moderation, memory, the default language model). Each spoken reply is
graded 0/1/2 by :func:`dialogue.grading.grade_reply`; the grader's agreement with the
hand grades of ``bench/data/graded_replies.yaml`` (dev split) and with a person's grades of
real test replies (``graded_test_replies.yaml``) is reported beside it, and
the accuracy of :func:`dialogue.kinds.classify_kind` on the held-out half of the labelled
messages. Latency: the first spoken line and the first content sentence (not an opener
or greeting) after the message. ``--docs`` writes every graded reply into docs/dialogue.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import statistics
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import yaml

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
_OPENING = ("opener", "template:greeting", "notice")


def conversations(split: str | None = None) -> list[dict[str, Any]]:
    """The graded conversation set, optionally one split (``dev`` or ``test``)."""
    data = yaml.safe_load((DATA / "conversation_set.yaml").read_text(encoding="utf-8"))
    return [c for c in data["conversations"] if split is None or c["split"] == split]


def labelled_kinds() -> list[tuple[str, str, str, str]]:
    """(split, language, message, kind) of every labelled message."""
    rows = [(c["split"], c["lang"], t["t"], t["kind"]) for c in conversations() for t in c["turns"]]
    data = yaml.safe_load((DATA / "message_kinds.yaml").read_text(encoding="utf-8"))
    for lang, text, kind in data["messages"]:
        rows.append(("test" if zlib.crc32(text.encode()) % 2 else "dev", lang, text, kind))
    return rows


def kind_accuracy(split: str = "test") -> dict[str, Any]:
    """Accuracy of the message-kind classifier on one split, overall and per language."""
    from vhuman.dialogue.kinds import classify_kind

    rows = [r for r in labelled_kinds() if r[0] == split]
    hits = [(lang, classify_kind(text) == kind) for _, lang, text, kind in rows]
    by_lang = {lang: round(statistics.fmean(h for g, h in hits if g == lang), 3)
               for lang in sorted({g for g, _ in hits})}
    return {"messages": len(rows), "labelled_total": len(labelled_kinds()),
            "accuracy": round(statistics.fmean(h for _, h in hits), 3), "by_language": by_lang}


def known_facts() -> set[str]:
    """Words and numbers the host may state: the persona file and the knowledge base."""
    from vhuman.dialogue.evaluation import known_terms

    texts = [(ROOT / "examples" / "persona.yaml").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8", errors="replace")
              for p in sorted((ROOT / "examples" / "kb").iterdir()) if p.is_file()]
    return known_terms(texts)


HAND_GRADES = {"dev": "graded_replies.yaml", "test": "graded_test_replies.yaml",
               "holdout": "graded_holdout_replies.yaml", "holdout2": "graded_holdout2_replies.yaml"}


def grader_agreement(split: str = "dev", run: int = 1) -> dict[str, Any]:
    """How often the automatic grader gives a person's grade: ``graded_replies.yaml`` (dev:
    written and seen replies, the grader may be tuned on them) or ``graded_test_replies.yaml``
    (test: real replies of the host, read by a person, never tuned on); ``run``: the rows
    of that run of the bench (1: every reply of the first run; 2: those that changed)."""
    from vhuman.dialogue.evaluation import known_terms
    from vhuman.dialogue.grading import Spoken, grade_reply

    turns = {(c["id"], i): (c, t) for c in conversations(split) for i, t in enumerate(c["turns"])}
    data = yaml.safe_load((DATA / HAND_GRADES[split]).read_text(encoding="utf-8"))
    known = known_facts()
    similarity = meaning_similarity()
    pairs, misses = [], []
    for row in data["replies"]:
        if row.get("run", 1) != run:
            continue
        conv, turn = turns[(row["id"], row.get("turn", 0))]
        spoken = [Spoken(s[0], s[1] if len(s) > 1 else "llm", list(s[2]) if len(s) > 2 else [])
                  for s in row["reply"]]
        earlier = known_terms(t["t"] for t in conv["turns"][:row.get("turn", 0)])
        got = grade_reply(turn, spoken, conv["lang"], known=known | earlier,
                          now=dt.datetime(2026, 12, 6, 18, 0), viewer=conv["viewer"],
                          similarity=similarity)
        pairs.append((row["grade"], got.grade))
        if got.grade != row["grade"]:
            misses.append({"id": row["id"], "turn": row.get("turn", 0), "hand": row["grade"],
                           "grader": got.grade, "faults": got.faults, "notes": got.notes,
                           "why": row.get("why", "")})
    exact = statistics.fmean(a == b for a, b in pairs)
    zero = statistics.fmean((a == 0) == (b == 0) for a, b in pairs)
    return {"replies": len(pairs), "exact_agreement": round(exact, 3),
            "wince_agreement": round(zero, 3), "cohen_kappa": round(_kappa(pairs), 3),
            "hand_mean": round(statistics.fmean(a for a, _ in pairs), 3),
            "grader_mean": round(statistics.fmean(b for _, b in pairs), 3), "disagreements": misses}


def meaning_similarity() -> Any:
    """The grader's sentence-embedding similarity (the packaged all-MiniLM-L6-v2)."""
    from vhuman.dialogue.evaluation import embedding_similarity
    from vhuman.models.embeddings import get_embedder

    return embedding_similarity(get_embedder().encode)


def crosslingual_show_questions() -> dict[str, Any]:
    """Chinese and Spanish show questions of the set (every split), answered through the
    Chinese/Spanish KB path alone: how many get the fact, and in the asker's language."""
    from vhuman.dialogue.crosslingual import LEAD, answer_in_language
    from vhuman.dialogue.grading import _want_met
    from vhuman.dialogue.knowledge import KnowledgeBase
    from vhuman.dialogue.language import detect_language
    from vhuman.dialogue.qa import QAEngine

    store = Path(os.environ.get("VHUMAN_BENCH_KB_STORE", "/tmp/vhuman-bench-kb"))
    qa = QAEngine(KnowledgeBase.build(ROOT / "examples" / "kb", store))
    rows = []
    for conv in conversations():
        for turn in conv["turns"]:
            if conv["lang"] in ("zh", "es") and turn["cls"] == "show" and turn.get("want"):
                said = asyncio.run(answer_in_language(qa, turn["t"], conv["lang"])) or ""
                english = said.startswith(tuple(LEAD.values()))  # the English sentence after a lead
                rows.append({"split": conv["split"], "q": turn["t"], "said": said,
                             "fact": bool(said) and _want_met(turn["want"], said, conv["lang"], dt.datetime.now()),
                             "in_language": bool(said) and detect_language(said) == conv["lang"] and not english})
    return {"questions": len(rows), "fact": sum(r["fact"] for r in rows),
            "fact_in_language": sum(r["fact"] and r["in_language"] for r in rows), "rows": rows}


def _kappa(pairs: list[tuple[int, int]]) -> float:
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    expected = sum((sum(a == g for a, _ in pairs) / n) * (sum(b == g for _, b in pairs) / n)
                   for g in (0, 1, 2))
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def build_brain(llm: Any) -> Any:
    """The brain of the default show: example persona, its KB, moderation, memory."""
    from vhuman.dialogue import Brain, Memory, Moderator, load_persona
    from vhuman.dialogue.knowledge import KnowledgeBase

    store = Path(os.environ.get("VHUMAN_BENCH_KB_STORE", "/tmp/vhuman-bench-kb"))
    kb = KnowledgeBase.build(ROOT / "examples" / "kb", store)
    songs = {p.stem: p for p in sorted((ROOT / "examples" / "songs").glob("*.musicxml"))}
    brain = Brain(load_persona(ROOT / "examples" / "persona.yaml"), llm, memory=Memory(),
                  moderator=Moderator(), kb=kb, seed=0, songs=songs)
    brain.warm_up()
    return brain


async def _turn(brain: Any, text: str, viewer: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    items: list[dict[str, Any]] = []
    async for s in brain.reply_stream(text, viewer):
        items.append({"at": round(time.perf_counter() - t0, 3), "text": s.text, "source": s.source,
                      "tags": list(s.tags), "language": s.language})
    return {"items": items, "first": items[0]["at"] if items else None,
            "first_content": first_content(items), "total": round(time.perf_counter() - t0, 3)}


def first_content(items: list[dict[str, Any]]) -> float | None:
    """When the first content sentence was ready: not an opener, nor a greeting or a
    language notice (a template line that more sentences follow)."""
    for i, it in enumerate(items):
        opening = it["source"] in _OPENING or (it["source"] == "template" and i < len(items) - 1)
        if not opening:
            return float(it["at"])
    return None


async def _run(split: str, llm: Any, limit: int | None = None) -> list[dict[str, Any]]:
    from vhuman.dialogue.evaluation import known_terms
    from vhuman.dialogue.grading import Spoken, grade_reply

    known = known_facts()
    similarity = meaning_similarity()
    out = []
    for conv in conversations(split)[:limit]:
        brain = build_brain(llm)  # every conversation starts a fresh show
        for i, turn in enumerate(conv["turns"]):
            r = await _turn(brain, turn["t"], conv["viewer"])
            spoken = [Spoken(it["text"], it["source"], it["tags"]) for it in r["items"]]
            earlier = known_terms(t["t"] for t in conv["turns"][:i])  # what the viewer said before
            g = grade_reply(turn, spoken, conv["lang"], brain.persona.name, known | earlier,
                            viewer=conv["viewer"], similarity=similarity)
            r.update(id=conv["id"], turn=i, viewer=conv["viewer"], lang=conv["lang"],
                     message=turn["t"], kind=turn["kind"], cls=turn["cls"], grade=g.grade,
                     faults=g.faults, notes=g.notes, load=os.getloadavg()[0])
            out.append(r)
    return out


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def summarize(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a graded run."""
    grades = [t["grade"] for t in turns]
    by_cls: dict[str, list[int]] = {}
    for t in turns:
        by_cls.setdefault(t["cls"], []).append(t["grade"])
    content = [t["first_content"] for t in turns if t["first_content"] is not None]
    return {
        "messages": len(turns),
        "mean_grade": round(statistics.fmean(grades), 3),
        "grade_counts": {g: grades.count(g) for g in (0, 1, 2)},
        "mean_by_class": {k: round(statistics.fmean(v), 2) for k, v in sorted(by_cls.items())},
        "mean_by_language": {lang: round(statistics.fmean(t["grade"] for t in turns if t["lang"] == lang), 2)
                             for lang in sorted({t["lang"] for t in turns})},
        "bait_on_air": sum(any(f.startswith("bait") for f in t["faults"]) for t in turns),
        "invented_facts": sum(any(f.startswith("invented") for f in t["faults"]) for t in turns),
        "first_spoken_p50_s": _pct([t["first"] for t in turns if t["first"] is not None], 50),
        "first_content_p50_s": _pct(content, 50),
        "first_content_p95_s": _pct(content, 95),
        "load_avg_mean": round(statistics.fmean(t["load"] for t in turns), 2),
    }


def transcript(turns: list[dict[str, Any]],
               person: dict[tuple[Any, ...], tuple[int, str]] | None = None) -> str:
    """Every graded reply as Markdown (for docs/dialogue.md): the grader's grade, and a
    person's grade and reason where ``person`` has one."""
    lines = []
    for t in turns:
        said = " ".join(f"[{it['source']}{'/' + ','.join(it['tags']) if it['tags'] else ''}] {it['text']}"
                        for it in t["items"]) or "(silent)"
        why = "; ".join(t["faults"] + t["notes"])
        read = (person or {}).get(_key(t))
        grade = f"**{t['grade']}**" + (f" / person **{read[0]}**" if read else "")
        lines.append(f"- {grade} `{t['id']}` {t['viewer']} ({t['kind']}, {t['lang']}): "
                     f"{t['message']}  \n  → {said}" + (f"  \n  _grader: {why}_" if why else "")
                     + (f"  \n  _person: {read[1]}_" if read and read[1] else ""))
    return "\n".join(lines)


def run(quick: bool = False, split: str = "test") -> dict[str, Any]:
    """Grade the default host on one split (``quick``: the first 6 conversations)."""
    from vhuman.models.llm import default_llm

    llm = default_llm()
    turns = asyncio.run(_run(split, llm, 6 if quick else None))
    result = summarize(turns) | {
        "split": split, "model": str(getattr(llm, "name", type(llm).__name__)),
        "message_kinds": kind_accuracy("test"), "turns": turns}
    for graded, name in HAND_GRADES.items():
        if (DATA / name).is_file():
            result[f"grader_agreement_{graded}"] = grader_agreement(graded)
    person = person_grades(split)
    read = [person[_key(t)][0] for t in turns if _key(t) in person]
    if read:
        result["person_mean_grade"] = round(statistics.fmean(read), 3)
        result["person_read"] = len(read)
    return result


def person_grades(split: str) -> dict[tuple[Any, ...], tuple[int, str]]:
    """A person's grades of real replies: (id, turn, the reply's sentences) -> (grade, why)."""
    path = DATA / HAND_GRADES.get(split, "")
    if split not in HAND_GRADES or not path.is_file():
        return {}
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["replies"]
    return {(r["id"], r.get("turn", 0), tuple(s[0] for s in r["reply"])): (r["grade"], r.get("why", ""))
            for r in rows}


def _key(turn: dict[str, Any]) -> tuple[Any, ...]:
    return turn["id"], turn["turn"], tuple(it["text"] for it in turn["items"])


def write_docs(turns: list[dict[str, Any]], summary: dict[str, Any], split: str = "test") -> None:
    """Replace the graded transcript block of ``split`` in docs/dialogue.md; a person's
    grade (where given) is shown beside the grader's."""
    doc = ROOT / "docs" / "dialogue.md"
    text = doc.read_text(encoding="utf-8")
    tag = "conversation-bench" if split == "test" else f"conversation-{split}"
    start, end = f"<!-- {tag}:start -->", f"<!-- {tag}:end -->"
    person = person_grades(split)
    head = (f"{split.capitalize()} split, {summary['messages']} messages, mean grade "
            f"{summary['mean_grade']} / 2 by the grader (load average {summary['load_avg_mean']})")
    if person:
        read = [person[_key(t)][0] for t in turns if _key(t) in person]
        head += f", {statistics.fmean(read):.3f} / 2 read by a person ({len(read)} of them read)"
    block = f"{start}\n{head}:\n\n{transcript(turns, person)}\n{end}"
    if start in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text += "\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    import json
    import sys

    logging.basicConfig(level=logging.INFO)
    which = ("dev" if "--dev" in sys.argv else "holdout2" if "--holdout2" in sys.argv
             else "holdout" if "--holdout" in sys.argv else "test")
    if "--crosslingual" in sys.argv:
        print(json.dumps(crosslingual_show_questions(), indent=1, ensure_ascii=False))
        raise SystemExit(0)
    if "--agreement" in sys.argv:
        found = {f"grader_agreement_{g}": grader_agreement(g) for g, name in HAND_GRADES.items()
                 if (DATA / name).is_file()}
        for again in ("test", "holdout2"):  # the replies that changed in a second run
            if (DATA / HAND_GRADES[again]).is_file():
                found[f"grader_agreement_{again}_run2"] = grader_agreement(again, run=2)
        print(json.dumps(found | {"kinds": kind_accuracy()}, indent=1, ensure_ascii=False))
        raise SystemExit(0)
    runtime = os.environ.get("VHUMAN_LLM_RUNTIME", "")
    suffix = f"_{runtime}" if runtime and runtime != "transformers" else ""
    out = HERE / "results" / f"conversation_{which}{suffix}.json"
    if "--docs-only" in sys.argv:  # the transcript of the last run, with a person's grades
        res = json.loads(out.read_text(encoding="utf-8"))
    else:
        res = run(split=which)
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str))
    if ("--docs" in sys.argv or "--docs-only" in sys.argv) and which != "dev" and not suffix:
        write_docs(res["turns"], res, which)
    print(json.dumps({k: v for k, v in res.items() if k != "turns"}, indent=1, ensure_ascii=False,
                     default=str))
