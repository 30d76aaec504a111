"""SQuAD 2.0 as a Q&A benchmark: the article as a knowledge base, a fixed seeded split into
calibration and test questions, and the official metrics.

The metrics follow the official SQuAD 2.0 evaluation script: answers are normalised
(lower case, no punctuation, no articles, single spaces); exact match and token F1 take
the best over the gold answers; an unanswerable question scores 1 only when the
prediction is empty (a refusal). "Gold in reply" asks whether a normalised gold answer
appears inside the normalised spoken reply, the figure a listener notices.
"""

from __future__ import annotations

import collections
import json
import random
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPLIT_SEED = 13
CALIBRATION_SHARE = 0.5


def shared_data() -> Path:
    """The public sample data (see :func:`avatar.compat.shared_data_dir`)."""
    from vhuman.avatar.compat import shared_data_dir

    root = shared_data_dir()
    if root is None:
        raise FileNotFoundError("shared/data is not beside the repository "
                                "(set VHUMAN_SHARED_DATA)")
    return root


def squad_file() -> Path:
    return shared_data() / "squad2" / "computational_complexity_theory.json"


def dev_sample_file() -> Path:
    """More SQuAD 2.0 development articles, a second unseen test set when present: a copy of
    (part of) the official ``dev-v2.0.json`` kept outside the repository, at
    ``$VHUMAN_SQUAD_DEV`` or ``~/.cache/vhuman/squad2-dev-sample.json``. Articles of
    :func:`squad_file` in it are skipped (they are the calibration/test article)."""
    import os

    return Path(os.environ.get("VHUMAN_SQUAD_DEV", "~/.cache/vhuman/squad2-dev-sample.json")).expanduser()


@dataclass
class Question:
    """One SQuAD question: ``answers`` is empty when it is unanswerable."""

    qid: str
    question: str
    answers: list[str]
    article: str
    paragraph: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_articles(path: str | Path) -> tuple[dict[str, str], list[Question]]:
    """Read a SQuAD 2.0 JSON file: ``{title: article text}`` (paragraphs joined by blank
    lines, the title as the first line) and every question."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    texts: dict[str, str] = {}
    questions: list[Question] = []
    for article in data["data"]:
        title = article["title"].replace("_", " ")
        paragraphs = [p["context"].strip() for p in article["paragraphs"]]
        texts[article["title"]] = title + "\n\n" + "\n\n".join(paragraphs) + "\n"
        for pi, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                answers = [] if qa.get("is_impossible") else [a["text"] for a in qa["answers"]]
                questions.append(Question(qa["id"], qa["question"].strip(), answers,
                                          article["title"], pi))
    return texts, questions


def split_questions(questions: list[Question], seed: int = SPLIT_SEED,
                    share: float = CALIBRATION_SHARE) -> dict[str, list[Question]]:
    """Split once, by paragraph (so no test question shares a paragraph with a calibration
    one), seeded: ``{"calibration": [...], "test": [...]}``."""
    keys = sorted({(q.article, q.paragraph) for q in questions})
    random.Random(seed).shuffle(keys)
    cal_keys = set(keys[: round(len(keys) * share)])
    cal = [q for q in questions if (q.article, q.paragraph) in cal_keys]
    test = [q for q in questions if (q.article, q.paragraph) not in cal_keys]
    return {"calibration": cal, "test": test}


def write_kb(texts: dict[str, str], folder: Path) -> None:
    """Each article as one plain-text document of a knowledge-base folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for title, text in texts.items():
        (folder / f"{title}.txt").write_text(text, encoding="utf-8")


# --- official metrics -----------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_answer(s: str) -> str:
    """Lower text and remove punctuation, articles and extra whitespace (official)."""
    s = "".join(ch for ch in s.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", s).split())


def exact(gold: str, pred: str) -> int:
    return int(normalize_answer(gold) == normalize_answer(pred))


def f1(gold: str, pred: str) -> float:
    gold_toks, pred_toks = normalize_answer(gold).split(), normalize_answer(pred).split()
    if not gold_toks or not pred_toks:
        return float(gold_toks == pred_toks)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_toks), same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def score_one(answers: list[str], prediction: str) -> tuple[float, float]:
    """(exact, F1) of one prediction ('' = refusal) against the gold answers."""
    golds = [a for a in answers if normalize_answer(a)] or [""]
    return max(exact(g, prediction) for g in golds), max(f1(g, prediction) for g in golds)


def gold_in_reply(answers: list[str], reply: str) -> bool:
    norm = f" {normalize_answer(reply)} "
    return any(f" {normalize_answer(a)} " in norm for a in answers if normalize_answer(a))


@dataclass
class Outcome:
    """What the engine did with one question."""

    question: Question
    short: str  # '' when refused
    reply: str
    confidence: float
    seconds: float


def right(answers: list[str], short: str, sentence: str) -> bool:
    """An answer a listener can use: the span matches (F1 >= 0.5) or the reply sentence
    holds the gold answer; never for an unanswerable question."""
    return bool(answers) and bool(short) and (score_one(answers, short)[1] >= 0.5
                                              or gold_in_reply(answers, sentence))


def metrics(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """Official SQuAD 2.0 figures (exact, f1, HasAns_*, NoAns_*) plus gold-in-reply and the
    precision of what is answered (:func:`right` among the answered questions)."""
    rows = list(outcomes)
    has = [o for o in rows if o.question.answerable]
    no = [o for o in rows if not o.question.answerable]
    scored = [(o, *score_one(o.question.answers, o.short)) for o in rows]

    def mean(vals: list[float]) -> float:
        return round(sum(vals) / len(vals), 4) if vals else float("nan")

    return {
        "total": len(rows),
        "exact": mean([e for _, e, _ in scored]),
        "f1": mean([f for _, _, f in scored]),
        "HasAns_total": len(has),
        "HasAns_exact": mean([e for o, e, _ in scored if o.question.answerable]),
        "HasAns_f1": mean([f for o, _, f in scored if o.question.answerable]),
        "HasAns_answered": mean([float(bool(o.short)) for o in has]),
        "HasAns_gold_in_reply": mean([float(bool(o.short) and gold_in_reply(o.question.answers, o.reply))
                                      for o in has]),
        "NoAns_total": len(no),
        "NoAns_refused": mean([float(not o.short) for o in no]),
        "answered": mean([float(bool(o.short)) for o in rows]),
        "answered_precision": mean([float(right(o.question.answers, o.short, o.reply))
                                    for o in rows if o.short]),
    }
