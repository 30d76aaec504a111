"""How good caption translations are: a reference set scored with chrF.

``bench/data/caption_translation.json`` holds caption lines of a talk show (host and
guest, spoken style: greetings, questions, numbers, a filler-laden answer, an idiom), each
with one careful reference translation into Spanish and simplified Chinese. Every line
goes through :class:`~vhuman.stage.captions.translate.CaptionTranslator` — the path live
captions and recordings use — and the answers are scored against the references with
chrF (sacrebleu: character 6-grams, β = 2; 0-100, higher is better; Chinese is scored
on characters, whitespace ignored). A line the translator gives nothing for scores 0.
One reference per line means a fair translation worded differently still loses points:
read the figures as "how close to a careful human translation", and the worst lines
for what goes wrong.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "caption_translation.json"
TARGETS = ("es", "zh")


def load_set(path: Path = DATA) -> tuple[str, list[dict[str, str]]]:
    """(source language, lines): each line has the source text under the source
    language's code and a reference under each target's."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["source_language"], list(data["lines"])


def score(answers: list[str | None], references: list[str], *, worst: int = 5,
          sources: list[str] | None = None) -> dict[str, Any]:
    """Corpus chrF of ``answers`` against ``references`` (one per line), each line's own
    chrF, and the ``worst`` lines (lowest chrF first)."""
    from sacrebleu.metrics import CHRF

    if len(answers) != len(references):
        raise ValueError("one answer per reference")
    chrf = CHRF()
    hyps = [a or "" for a in answers]
    lines = [round(chrf.sentence_score(h, [r]).score, 1) for h, r in zip(hyps, references,
                                                                         strict=True)]
    order = sorted(range(len(lines)), key=lambda i: (lines[i], i))[:worst]
    return {"chrf": round(chrf.corpus_score(hyps, [references]).score, 1),
            "lines": len(lines), "missing": sum(not a for a in answers),
            "line_chrf_median": sorted(lines)[len(lines) // 2] if lines else 0.0,
            "worst": [{"chrf": lines[i], **({"source": sources[i]} if sources else {}),
                       "answer": answers[i], "reference": references[i]} for i in order]}


async def translation_quality(llm: Any, *, targets: tuple[str, ...] = TARGETS,
                              quick: bool = False) -> dict[str, Any]:
    """Every line of the set through a :class:`CaptionTranslator` on ``llm`` into each
    of ``targets``, scored (see the module docstring); ``quick``: the first 10 lines."""
    from vhuman.stage.captions.translate import CaptionTranslator

    source, lines = load_set()
    lines = lines[:10] if quick else lines
    out: dict[str, Any] = {}
    for target in targets:
        translator = CaptionTranslator(llm, target)
        answers: list[str | None] = []
        t0 = time.perf_counter()
        for line in lines:
            answers.append(await translator.translate(line[source], source))
        result = score(answers, [line[target] for line in lines],
                       sources=[line[source] for line in lines])
        result["seconds_per_line"] = round((time.perf_counter() - t0) / max(1, len(lines)), 2)
        out[target] = result
    return out
