"""Reporter Q&A on a document nobody here wrote: a SQuAD 2.0 article as the whole knowledge
base, official SQuAD 2.0 metrics plus "gold span inside the spoken reply", latency.

The questions are split once by paragraph (seed in :mod:`bench.squad`); the reader model
(:mod:`dialogue.span_scoring`) is fitted on the calibration split only and both splits are
reported, and so is the neural span reader alone, handed each question's own paragraph.
``python -m bench.bench_qa --write`` stores the fitted model as the engine's default
(``dialogue/data/qa_reader.json``); the reader itself is trained by
:mod:`bench.train_reader`. With ``VHUMAN_QA_LLM_URL`` (and optionally
``VHUMAN_QA_LLM_MODEL``) set, the test split is also answered by that OpenAI-compatible
server as the span reader (``llm_reader``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bench import qa_risk, squad
from vhuman.dialogue.span_candidates import fit_conditional_logit, fit_logistic
from vhuman.dialogue.span_scoring import CONFIDENCE_FEATURES, CONFIDENCE_SIGNS, ReaderModel

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

READER: Path | None = None  # span reader tensors to judge (None: the shipped ones)
L2_SPAN = 0.3
L2_CONFIDENCE = 1.0
POSITIVE_F1 = 0.5


def _labels(cands: list[Any], answers: list[str]) -> np.ndarray:
    return np.asarray([float(squad.score_one(answers, c.span.text)[1] >= POSITIVE_F1) if answers else 0.0
                       for c in cands])


def _span_weights(records: list[tuple[squad.Question, list[Any]]]) -> np.ndarray:
    """Span model on the answerable questions whose gold is among the candidates; each
    question's candidates weigh 1 in total so long sentences do not dominate."""
    groups = []
    for q, cands in records:
        if not q.answerable or not cands:
            continue
        y = _labels(cands, q.answers)
        if y.sum() == 0:
            continue
        groups.append((np.asarray([c.features for c in cands]), y))
    if not groups:
        raise ValueError("no calibration question has its gold answer among the candidates")
    return fit_conditional_logit(groups, L2_SPAN)


def _best(model: ReaderModel, cands: list[Any]) -> Any:
    model.score(cands)
    return max(cands, key=lambda c: c.score)


def fit(records: list[tuple[squad.Question, list[Any]]],
        name: str = "") -> tuple[ReaderModel, dict[str, Any]]:
    """Fit the span model, then the confidence model on out-of-fold best candidates (two
    folds, so the confidence learns from spans its span model did not see), then the
    threshold: the lowest whose answered calibration questions are right at least
    :data:`qa_risk.TARGET_PRECISION` of the time (precision first, for reporters). Each
    source document set (``Question.article``) weighs the same, so a long article does not
    drown a short press kit. The confidence is the probability that the reply holds the
    answer (:func:`squad.right`). Returns the model and its calibration rows (out-of-fold
    features, right, answerable, weights) for :func:`qa_risk.parts_report`."""
    model = ReaderModel(_span_weights(records), np.zeros(1), 0.5, name)
    halves = [records[0::2], records[1::2]]
    rows: list[tuple[list[float], str, bool, bool]] = []  # features, source, answerable, right
    for k in (0, 1):
        fold = ReaderModel(_span_weights(halves[1 - k]), np.zeros(1))
        for q, cands in halves[k]:
            if not cands:
                continue
            best = _best(fold, cands)
            right = squad.right(q.answers, best.span.text, best.sentence_text)
            rows.append((fold.confidence_features(best, cands), q.article, q.answerable, right))
    sources = sorted({r[1] for r in rows})
    share = {src: len(rows) / (len(sources) * sum(1 for r in rows if r[1] == src)) for src in sources}
    x = np.asarray([r[0] for r in rows])
    y = np.asarray([float(r[3]) for r in rows])
    w = np.asarray([share[r[1]] for r in rows])
    model.confidence_weights = fit_logistic(x, y, L2_CONFIDENCE, list(CONFIDENCE_SIGNS), w)
    probs = 1 / (1 + np.exp(-(x @ model.confidence_weights[1:] + model.confidence_weights[0])))
    model.threshold = qa_risk.precision_threshold(probs, y.astype(bool), w)
    return model, {"x": x, "right": y.astype(bool), "answerable": np.asarray([r[2] for r in rows]),
                   "weights": w, "sources": [r[1] for r in rows]}


def house_questions(split: str) -> list[squad.Question]:
    """The ``split`` of ``bench/data/qa_eval.yaml`` (questions over ``examples/kb``, the
    press-kit style: dates, prices, names) as questions whose answers are its facts."""
    spec = yaml.safe_load((HERE / "data" / "qa_eval.yaml").read_text(encoding="utf-8"))
    out = []
    for kind in ("answerable", "unanswerable"):
        for i, raw in enumerate(spec[split][kind]):
            item = raw if isinstance(raw, dict) else {"q": raw}
            out.append(squad.Question(f"house-{split}-{kind}-{i}", item["q"], list(item.get("facts", [])),
                                      "examples/kb", i))
    return out


CACHE_DIR = Path(tempfile.gettempdir()) / "vhuman-bench-qa"


def _collect(qa: Any, questions: list[squad.Question]) -> list[tuple[squad.Question, list[Any]]]:
    """Every question's candidates (with the seconds they took in ``Question.meta``), kept
    on disk per reader, knowledge base, code version and question, so a refit or a rerun
    reads each question once."""
    import hashlib
    import pickle

    import vhuman.dialogue.qa as qa_module
    import vhuman.dialogue.qa_evidence as ev_module
    import vhuman.dialogue.qa_verify as verify_module
    import vhuman.dialogue.span_candidates as reader_module
    from vhuman.dialogue.qa_cache import kb_version

    code = "".join(Path(m.__file__).read_text(encoding="utf-8")  # type: ignore[arg-type]
                   for m in (qa_module, ev_module, verify_module, reader_module))
    reader_path = Path(getattr(qa.span_reader, "path", ""))
    salt = hashlib.sha256((code + str(reader_path) + str(reader_path.stat().st_mtime
                                                          if reader_path.is_file() else "")
                           + kb_version(qa.kb)).encode()).hexdigest()[:16]
    CACHE_DIR.mkdir(exist_ok=True)
    out = []
    for q in questions:
        path = CACHE_DIR / f"{salt}-{hashlib.sha256(q.question.encode()).hexdigest()[:16]}.pkl"
        if path.is_file():
            cands, seconds = pickle.loads(path.read_bytes())
        else:
            t0 = time.perf_counter()
            cands = qa.candidates(q.question)
            seconds = time.perf_counter() - t0
            path.write_bytes(pickle.dumps((cands, seconds)))
        q.meta["seconds"] = seconds
        out.append((q, cands))
    return out


def evaluate(qa: Any, records: list[tuple[squad.Question, list[Any]]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answer every question from its collected candidates (:meth:`QAEngine.decide`, the
    second half of ``answer``; latency counts both halves): official metrics, precision of
    what is answered, calibration, latency; and the rows (confidence features, right,
    answerable, confidence) of :mod:`bench.qa_risk`."""
    import copy

    outs = []
    rows: dict[str, list[Any]] = {"x": [], "right": [], "answerable": [], "confidence": []}
    for q, cands in records:
        t0 = time.perf_counter()
        a = qa.decide(q.question, copy.deepcopy(cands))
        seconds = time.perf_counter() - t0 + q.meta.get("seconds", 0.0)
        outs.append(squad.Outcome(q, a.short if a.answered else "", a.text if a.answered else "",
                                  a.confidence, seconds))
        if all(f in a.features for f in CONFIDENCE_FEATURES) and a.span is not None:
            rows["x"].append([a.features[f] for f in CONFIDENCE_FEATURES])
            rows["right"].append(squad.right(q.answers, a.span.text, a.sources[-1].text))
            rows["answerable"].append(q.answerable)
            rows["confidence"].append(a.confidence)
    figures = squad.metrics(outs)
    secs = [o.seconds for o in outs]
    figures["latency_s"] = {"p50": round(float(np.percentile(secs, 50)), 3),
                            "p95": round(float(np.percentile(secs, 95)), 3)}
    figures["brier"] = round(float(np.mean([(o.confidence - squad.score_one(o.question.answers, o.short)[1]
                                             * o.question.answerable) ** 2 for o in outs])), 4)
    figures["confidence_auc"] = qa_risk.auc(rows["confidence"], rows["right"])
    data = {"x": np.asarray(rows["x"], float).reshape(-1, len(CONFIDENCE_FEATURES)),
            "right": np.asarray(rows["right"], bool), "answerable": np.asarray(rows["answerable"], bool),
            "confidence": np.asarray(rows["confidence"], float)}
    return figures, data


def reader_on_gold_paragraphs(splits: dict[str, list[squad.Question]]) -> dict[str, Any]:
    """The span reader alone, handed each question's own paragraph (the setting of the
    published SQuAD 2.0 figures, e.g. BERT-large F1 ~0.84): it answers when its span beats
    "no answer" by a margin chosen on the calibration split (best overall F1)."""
    from vhuman.models.reader import get_span_reader

    data = json.loads(squad.squad_file().read_text(encoding="utf-8"))
    paragraphs = {(a["title"], i): p["context"].strip()
                  for a in data["data"] for i, p in enumerate(a["paragraphs"])}
    reader = get_span_reader(READER)

    def read(questions: list[squad.Question]) -> list[tuple[squad.Question, str, float, float]]:
        out = []
        for q in questions:
            text = paragraphs[(q.article, q.paragraph)]
            t0 = time.perf_counter()
            r = reader.read(q.question, [text])[0]
            out.append((q, text[r.start : r.end], r.margin, time.perf_counter() - t0))
        return out

    def outcomes(rows: list[Any], t: float) -> list[squad.Outcome]:
        return [squad.Outcome(q, span if m > t else "", span if m > t else "", 0.0, sec)
                for q, span, m, sec in rows]

    cal = read(splits["calibration"])
    margins = sorted({round(m, 2) for _q, _s, m, _t in cal})
    best = max(margins or [0.0], key=lambda t: squad.metrics(outcomes(cal, t))["f1"])
    test = read(splits["test"])
    return {"margin": best, "calibration": squad.metrics(outcomes(cal, best)),
            "test": squad.metrics(outcomes(test, best))}


def _engine(kb: Any, model: ReaderModel, **kw: Any) -> Any:
    from vhuman.dialogue import QAEngine
    from vhuman.models.reader import get_span_reader

    return QAEngine(kb, model=model, span_reader=get_span_reader(READER), **kw)


def dev_sample(every: int) -> tuple[dict[str, str], list[squad.Question]] | None:
    """The second unseen test set (:func:`squad.dev_sample_file`; every ``every``-th
    question), or None when absent."""
    path = squad.dev_sample_file()
    if not path.is_file():
        return None
    texts, questions = squad.load_articles(path)
    held = set(squad.load_articles(squad.squad_file())[0])
    texts = {k: v for k, v in texts.items() if k not in held}
    questions = [q for q in questions if q.article in texts]
    return texts, questions[::every]


def run(quick: bool = False, write: bool = False, dev_every: int = 1,
        reader_alone: bool = True) -> dict[str, Any]:
    """Fit on the calibration splits, report the test splits (quick: every third test
    and dev question, no reader-alone run), the press kit and, when present, more unseen
    SQuAD 2.0 dev articles (every ``dev_every``-th question)."""
    from vhuman.dialogue import KnowledgeBase
    from vhuman.dialogue.span_scoring import load_default_model

    texts, questions = squad.load_articles(squad.squad_file())
    splits = squad.split_questions(questions)
    with tempfile.TemporaryDirectory() as tmp:
        squad.write_kb(texts, Path(tmp) / "kb")
        t0 = time.perf_counter()
        kb = KnowledgeBase.build(Path(tmp) / "kb", Path(tmp) / "store")
        build_s = time.perf_counter() - t0
        house_kb = KnowledgeBase.build(HERE.parent / "examples" / "kb", Path(tmp) / "house")
        shipped = load_default_model()
        probe = _engine(kb, shipped)
        probe.answer("warm up question?")
        house = _engine(house_kb, shipped)
        cal_records = _collect(probe, splits["calibration"])
        house_cal = _collect(house, house_questions("calibration"))
        model, cal_rows = fit(cal_records + house_cal,
                              "calibration splits: squad2 computational_complexity_theory "
                              f"(seed {squad.SPLIT_SEED}) + bench/data/qa_eval.yaml")
        if write:
            model.save()
        test = splits["test"][::3] if quick else splits["test"]
        sets = {"test": (kb, _collect(probe, test)),
                "house_kb_test": (house_kb, _collect(house, house_questions("test")))}
        dev = dev_sample(3 if quick else dev_every)
        if dev is not None:
            squad.write_kb(dev[0], Path(tmp) / "dev")
            dev_kb = KnowledgeBase.build(Path(tmp) / "dev", Path(tmp) / "dev-store")
            sets["dev_articles"] = (dev_kb, _collect(_engine(dev_kb, shipped), dev[1]))
        figures: dict[str, Any] = {"calibration": evaluate(_engine(kb, model), cal_records)[0]}
        rows: dict[str, Any] = {}
        for name, (set_kb, records) in sets.items():
            figures[name], rows[name] = evaluate(_engine(set_kb, model), records)
        if dev is not None:
            figures["dev_articles"]["articles"] = sorted(dev[0])
        result: dict[str, Any] = {
            "kb": {"documents": len(kb.docs), "sentences": len(kb), "build_s": round(build_s, 2)},
            "split": {k: {"questions": len(v), "answerable": sum(q.answerable for q in v)}
                      for k, v in splits.items()},
            "split_seed": squad.SPLIT_SEED, "threshold": model.threshold,
            "target_precision": qa_risk.TARGET_PRECISION, **figures,
            "parts": qa_risk.parts_report(cal_rows, rows, L2_CONFIDENCE),
            "risk_coverage": {name: qa_risk.risk_coverage(r["confidence"], r["right"], r["answerable"])
                              for name, r in rows.items()},
            "reader_gold_paragraph": reader_on_gold_paragraphs(splits)
            if reader_alone and not quick else None,
            "loadavg": os.getloadavg()[0],
        }
        if not write and shipped.fitted_on != "prior":
            result["test_with_shipped_model"] = evaluate(probe, sets["test"][1])[0]
        url = os.environ.get("VHUMAN_QA_LLM_URL")
        if url:
            from vhuman.models.llm import get_llm

            llm = get_llm("openai", base_url=url, model=os.environ.get("VHUMAN_QA_LLM_MODEL", "default"))
            llm_qa = _engine(kb, model, llm=llm, llm_reader=True)
            outs = []
            for q in test:
                t0 = time.perf_counter()
                a = llm_qa.answer(q.question)
                outs.append(squad.Outcome(q, a.short if a.answered else "",
                                          a.text if a.answered else "", a.confidence,
                                          time.perf_counter() - t0))
            result["test_llm_reader"] = squad.metrics(outs)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", action="store_true", help="store the fitted model as the default")
    parser.add_argument("--reader", type=Path, default=None,
                        help="judge these span reader tensors instead of the shipped ones")
    parser.add_argument("--dev-every", type=int, default=1,
                        help="answer every n-th question of the dev articles")
    parser.add_argument("--no-reader-alone", action="store_true",
                        help="skip the span reader alone on gold paragraphs")
    parser.add_argument("--plot", default=None,
                        help="draw the risk-coverage curves to this file (e.g. docs/images/qa_risk_coverage.svg)")
    parser.add_argument("--replot", action="store_true",
                        help="only redraw --plot from bench/results/qa.json")
    args = parser.parse_args()
    global READER
    READER = args.reader
    if args.replot and args.plot:
        old = json.loads((HERE / "results" / "qa.json").read_text(encoding="utf-8"))
        qa_risk.plot_risk_coverage(old["risk_coverage"], old["threshold"], args.plot)
        return
    logging.basicConfig(level=logging.WARNING)
    result = run(args.quick, args.write, args.dev_every, not args.no_reader_alone)
    text = json.dumps(result, indent=1, default=float)
    out = HERE / "results" / "qa.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(text)
    if args.plot:
        qa_risk.plot_risk_coverage(result["risk_coverage"], result["threshold"], args.plot)


if __name__ == "__main__":
    main()
