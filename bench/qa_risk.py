"""Selective answering figures for the Q&A bench: how well a confidence separates right
answers from wrong ones (AUC), the threshold that keeps what is answered precise, the
risk-coverage curve, and each part of the confidence (reader, span ranking, verifier)
measured alone and combined.

"Right" means the reply holds the answer (span F1 >= 0.5 or the gold inside the reply
sentence); an answered unanswerable question is wrong, a refusal is never counted in
precision. Coverage is the share of all questions answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vhuman.dialogue.qa_verify import VERIFY_FEATURES
from vhuman.dialogue.span_candidates import fit_logistic
from vhuman.dialogue.span_scoring import CONFIDENCE_FEATURES, CONFIDENCE_SIGNS

TARGET_PRECISION = 0.90
MIN_ANSWERED = 8  # thresholds answering fewer calibration questions are not judged
GRID = np.round(np.linspace(0.02, 0.98, 97), 2)

# The parts of the confidence, by feature name (the combination is all of them).
PARTS: dict[str, tuple[str, ...]] = {
    "reader no-answer margin": ("reader_margin", "reader_top"),
    "span ranking": ("best", "margin", "type_bad"),
    "retrieval + near-miss counts (previous)": (
        "dense", "coverage", "coverage_ctx", "missing_named", "unknown_named",
        "numbers_missing", "negation_mismatch", "rules", "record_missing", "head_missing"),
    "answer verifier": VERIFY_FEATURES,
    "previous confidence (all but the verifier)": tuple(
        f for f in CONFIDENCE_FEATURES if f not in VERIFY_FEATURES),
    "combined": CONFIDENCE_FEATURES,
}


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve (ties count half); nan without both classes."""
    s = np.asarray(scores, float)
    y = np.asarray(labels, bool)
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return round(float(greater / (len(pos) * len(neg))), 4)


def _precision(probs: np.ndarray, right: np.ndarray, weights: np.ndarray, t: float) -> tuple[float, int]:
    on = probs >= t
    if not on.any():
        return float("nan"), 0
    return float((weights * right)[on].sum() / weights[on].sum()), int(on.sum())


def precision_threshold(probs: Sequence[float], right: Sequence[bool],
                        weights: Sequence[float] | None = None,
                        target: float = TARGET_PRECISION) -> float:
    """The lowest threshold whose answered questions, and those of every higher threshold
    answering at least :data:`MIN_ANSWERED`, are right at least ``target`` of the time
    (``weights``: per question, so each source weighs the same); the grid's top when none."""
    p = np.asarray(probs, float)
    r = np.asarray(right, float)
    w = np.ones(len(p)) if weights is None else np.asarray(weights, float)
    best = float(GRID[-1])
    for t in GRID[::-1]:
        prec, n = _precision(p, r, w, float(t))
        if n < MIN_ANSWERED:
            continue
        if prec < target:
            break
        best = float(t)
    return best


def at_threshold(probs: Sequence[float], right: Sequence[bool], answerable: Sequence[bool],
                 t: float) -> dict[str, float]:
    """What a threshold does: answered share, precision of what is answered, unanswerable
    questions refused, answerable questions answered right."""
    p = np.asarray(probs, float)
    r = np.asarray(right, bool)
    a = np.asarray(answerable, bool)
    on = p >= t
    return {
        "threshold": round(float(t), 2),
        "answered": round(float(on.mean()), 4) if len(p) else float("nan"),
        "precision": round(float(r[on].mean()), 4) if on.any() else float("nan"),
        "NoAns_refused": round(float((~on[~a]).mean()), 4) if (~a).any() else float("nan"),
        "HasAns_answered_right": round(float((on & r)[a].mean()), 4) if a.any() else float("nan"),
    }


def risk_coverage(probs: Sequence[float], right: Sequence[bool],
                  answerable: Sequence[bool]) -> list[dict[str, float]]:
    """:func:`at_threshold` over the threshold grid, every 0.05."""
    return [at_threshold(probs, right, answerable, float(t)) for t in GRID if round(t * 100) % 5 == 0]


def _columns(names: Sequence[str]) -> list[int]:
    return [CONFIDENCE_FEATURES.index(n) for n in names]


def fit_part(x: np.ndarray, y: np.ndarray, w: np.ndarray, names: Sequence[str],
             l2: float = 1.0) -> np.ndarray:
    """A sign-constrained logistic model on the ``names`` columns only."""
    cols = _columns(names)
    signs = [CONFIDENCE_SIGNS[c] for c in cols]
    return fit_logistic(x[:, cols], y, l2, signs, w)


def predict_part(weights: np.ndarray, x: np.ndarray, names: Sequence[str]) -> np.ndarray:
    z = x[:, _columns(names)] @ weights[1:] + weights[0]
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def parts_report(cal: dict[str, Any], tests: dict[str, dict[str, Any]],
                 l2: float = 1.0) -> dict[str, Any]:
    """Each part of :data:`PARTS` fitted on the calibration rows (``cal``: ``x``, ``right``,
    ``answerable``, ``weights``) with its own precision-first threshold, judged on every
    set of ``tests`` (same keys, without weights): AUC and the threshold's effect."""
    out: dict[str, Any] = {}
    for part, names in PARTS.items():
        w = fit_part(cal["x"], np.asarray(cal["right"], float), cal["weights"], names, l2)
        p_cal = predict_part(w, cal["x"], names)
        t = precision_threshold(p_cal, cal["right"], cal["weights"])
        row: dict[str, Any] = {"calibration": {"auc": auc(p_cal, cal["right"]),
                                               **at_threshold(p_cal, cal["right"], cal["answerable"], t)}}
        for name, data in tests.items():
            p = predict_part(w, data["x"], names)
            row[name] = {"auc": auc(p, data["right"]),
                         **at_threshold(p, data["right"], data["answerable"], t)}
        out[part] = row
    return out


LABELS = {"test": "SQuAD article, test split", "dev_articles": "SQuAD dev articles (unseen)",
          "house_kb_test": "press kit, test split"}


def plot_risk_coverage(curves: dict[str, list[dict[str, float]]], default: float,
                       path: str) -> None:
    """Precision of what is answered against the answered share, one line per test set,
    each threshold's point; the default threshold is marked (matplotlib, SVG or PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name, rows in curves.items():
        pts = [(r["answered"], r["precision"], r["threshold"]) for r in rows
               if r["precision"] == r["precision"]]  # skip nan (nothing answered)
        if not pts:
            continue
        line = ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=".",
                       label=LABELS.get(name, name))[0]
        mark = min(pts, key=lambda p: abs(p[2] - default))
        ax.plot([mark[0]], [mark[1]], marker="*", markersize=14, color=line.get_color())
    ax.axhline(TARGET_PRECISION, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("answered share of all questions (coverage)")
    ax.set_ylabel("precision of what is answered")
    ax.set_title(f"Q&A risk-coverage (star: default threshold {default:.2f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
