"""The reader's two small linear models and their calibrated threshold.

``span`` scores every candidate (sentence features + span features, see
:mod:`dialogue.span_candidates`, + the neural reader's logits, see :mod:`dialogue.neural_reading`);
``confidence`` turns the best candidate, its lead over the best span of another sentence,
the reader's margin over "no answer" and the near-miss counts of its sentence into the
probability that the answer is right. Both are fitted on a calibration split by ``bench/bench_qa.py``
and stored as JSON next to this module.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vhuman.models.types import VhumanError

from .neural_reading import READER_FEATURES
from .qa_verify import VERIFY_FEATURES, VERIFY_SIGNS
from .span_candidates import SPAN_FEATURES

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).resolve().parent / "data" / "qa_reader.json"
SENTENCE_FEATURES = (
    "dense", "lexical", "chunk_dense", "chunk_lexical", "fused_gap", "coverage",
    "coverage_ctx", "missing_named", "unknown_named", "numbers_missing", "negation_mismatch",
    "rank", "rules", "record_missing", "head_missing",
)
FEATURES = SENTENCE_FEATURES + SPAN_FEATURES + READER_FEATURES
CONFIDENCE_FEATURES = (
    "best", "margin", "dense", "coverage", "coverage_ctx", "missing_named", "unknown_named",
    "numbers_missing", "negation_mismatch", "type_bad", "rules", "record_missing",
    "head_missing", "reader_margin", "reader_top", *VERIFY_FEATURES,
)

if TYPE_CHECKING:
    from .answers import Candidate
# The direction each confidence feature may push (see reader.fit_logistic).
CONFIDENCE_SIGNS = (1, 1, 1, 1, 1, -1, -1, -1, -1, -1, 1, -1, -1, 1, 1, *VERIFY_SIGNS)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass
class ReaderModel:
    """``span_weights``: ``[bias, *FEATURES]``; ``confidence_weights``:
    ``[bias, *CONFIDENCE_FEATURES]``; ``threshold``: answer when confidence >= it."""

    span_weights: np.ndarray
    confidence_weights: np.ndarray
    threshold: float = 0.5
    fitted_on: str = ""

    def score(self, candidates: list[Candidate]) -> None:
        """Set ``candidate.score`` (the span model's logit) on every candidate."""
        if not candidates:
            return
        x = np.asarray([c.features for c in candidates])
        logits = x @ self.span_weights[1:] + self.span_weights[0]
        for c, z in zip(candidates, logits, strict=True):
            c.score = float(z)

    def confidence_features(self, best: Candidate, candidates: list[Candidate]) -> list[float]:
        other = [c.score for c in candidates if c.ref != best.ref]
        margin = best.score - max(other) if other else 5.0
        s = dict(zip(SENTENCE_FEATURES, best.sentence_features, strict=True))
        sp = dict(zip(SPAN_FEATURES, best.span.features, strict=True))
        rd = dict(zip(READER_FEATURES, best.reader_features, strict=True))
        top = max(dict(zip(READER_FEATURES, c.reader_features, strict=True))["reader_margin"]
                  for c in candidates)
        return [best.score, min(margin, 5.0), s["dense"], s["coverage"], s["coverage_ctx"],
                s["missing_named"], s["unknown_named"], s["numbers_missing"],
                s["negation_mismatch"], sp["type_bad"], s["rules"], s["record_missing"],
                s["head_missing"], rd["reader_margin"], top, *best.verify_features]

    def confidence(self, best: Candidate, candidates: list[Candidate]) -> tuple[float, dict[str, float]]:
        """(probability that ``best`` is right, the features it was computed from)."""
        x = self.confidence_features(best, candidates)
        conf = _sigmoid(float(np.dot(self.confidence_weights[1:], x) + self.confidence_weights[0]))
        feats = dict(zip(CONFIDENCE_FEATURES, x, strict=True))
        feats["confidence"] = conf
        return conf, feats

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES), "span_weights": [round(float(w), 6) for w in self.span_weights],
            "confidence_features": list(CONFIDENCE_FEATURES),
            "confidence_weights": [round(float(w), 6) for w in self.confidence_weights],
            "threshold": round(self.threshold, 4), "fitted_on": self.fitted_on,
        }

    def save(self, path: str | Path = MODEL_FILE) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path = MODEL_FILE) -> ReaderModel:
        """Read a stored model; raises :class:`VhumanError` when it does not match the code."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if tuple(data["features"]) != FEATURES or tuple(data["confidence_features"]) != CONFIDENCE_FEATURES:
                raise ValueError("feature list differs from this version: refit with bench qa")
            return cls(np.asarray(data["span_weights"], float), np.asarray(data["confidence_weights"], float),
                       float(data["threshold"]), str(data.get("fitted_on", "")))
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise VhumanError(f"{path}: unusable reader model: {exc}") from exc


@lru_cache(maxsize=1)
def _stored() -> ReaderModel | None:
    try:
        return ReaderModel.load()
    except VhumanError as exc:
        log.warning("%s; using the unfitted prior weights", exc)
        return None


def prior_model() -> ReaderModel:
    """Hand-set weights with the expected signs: the fallback before any calibration."""
    span = {"dense": 4.0, "coverage": 3.0, "left": 2.0, "right": 2.0, "near": 1.5, "dist": -0.5,
            "q_overlap": -3.0, "type_ok": 1.0, "type_bad": -1.5, "head_adj": 1.0, "start_ok": 0.5,
            "end_ok": 0.5, "len7p": -1.0, "missing_named": -1.0, "reader": 1.0}
    w = np.zeros(len(FEATURES) + 1)
    for k, v in span.items():
        w[1 + FEATURES.index(k)] = v
    conf = np.zeros(len(CONFIDENCE_FEATURES) + 1)
    conf[0], conf[1] = -2.0, 0.6
    return ReaderModel(w, conf, 0.5, "prior")


def load_default_model() -> ReaderModel:
    """The stored calibrated model (a fresh copy), else :func:`prior_model`."""
    stored = _stored()
    if stored is None:
        return prior_model()
    return ReaderModel(stored.span_weights.copy(), stored.confidence_weights.copy(),
                       stored.threshold, stored.fitted_on)
