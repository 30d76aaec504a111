"""The span reader: span search over logits, passage windows, loading fine-tuned tensors,
and a short training run on a SQuAD-format file (the packaged MiniLM encoder, a random head)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vhuman.models.reader.span_reader import MAX_LEN, SpanReader, best_spans, tokenizer, windows
from vhuman.models.types import VhumanError


def test_best_spans_respects_order_passage_and_length() -> None:
    offsets = [None, None, (0, 3), (4, 8), (9, 12), None]
    start = np.array([9.0, 9.0, 1.0, 5.0, 0.0, 9.0])
    end = np.array([9.0, 9.0, 4.0, 0.0, 2.0, 9.0])
    spans = best_spans(start, end, offsets, top=3)
    # question/special tokens never start or end a span; start <= end
    assert spans[0] == (7.0, 3, 4)
    assert all(offsets[i] is not None and offsets[j] is not None and i <= j for _s, i, j in spans)
    assert best_spans(start, end, offsets, max_tokens=1)[0] == (5.0, 2, 2)


def test_windows_cover_long_passages_with_character_offsets() -> None:
    tok = tokenizer()
    long = " ".join(f"word{i}" for i in range(400))
    wins = windows(tok, "which word?", ["Short passage here.", long])
    assert {w.passage for w in wins} == {0, 1}
    assert sum(w.passage == 1 for w in wins) >= 2  # the long passage is read in overlapping windows
    assert all(len(w.input_ids) <= MAX_LEN for w in wins)
    first = wins[0]
    pieces = [first.offsets[k] for k in range(len(first.offsets)) if first.offsets[k] is not None]
    assert "Short passage here."[pieces[0][0] : pieces[0][1]].lower() == "short"


def test_a_question_too_long_for_a_window_is_cut_not_a_crash() -> None:
    tok = tokenizer()
    question = "a: &a [x,x,x]\n" + "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n" * 12
    wins = windows(tok, question, ["Curling is played with granite stones on ice."])
    assert len(wins) == 1 and len(wins[0].input_ids) <= MAX_LEN
    assert any(o is not None for o in wins[0].offsets)  # the passage is still read


@pytest.fixture(scope="module")
def tiny_squad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ctx = "The Frostpeak Games opened on 6 February 2026. Lotte Engel designed the mascot Pip."
    data = {"version": "v2.0", "data": [{"title": "Frostpeak test", "paragraphs": [
        {"context": ctx, "qas": [
            {"id": "a", "question": "Who designed the mascot?", "is_impossible": False,
             "answers": [{"text": "Lotte Engel", "answer_start": ctx.index("Lotte")}]},
            {"id": "b", "question": "When did the Games open?", "is_impossible": False,
             "answers": [{"text": "6 February 2026", "answer_start": ctx.index("6 Feb")}]},
            {"id": "c", "question": "Who won the final?", "is_impossible": True, "answers": []},
        ]},
        {"context": "Curling is played with granite stones on ice.", "qas": [
            {"id": "d", "question": "What are curling stones made of?", "is_impossible": False,
             "answers": [{"text": "granite", "answer_start": 23}]}]},
    ]}]}
    path = tmp_path_factory.mktemp("squad") / "train.json"
    path.write_text(json.dumps(data))
    return path


def test_training_writes_tensors_the_reader_loads(tiny_squad: Path, tmp_path: Path) -> None:
    from bench.train_reader import examples, features, main

    recs = examples([tiny_squad], negatives=1.0, seed=1)
    assert sum(r["a"] is None for r in recs) >= 2  # the impossible one and hard negatives
    feats = features(tokenizer(), recs)
    labelled = [f for f in feats if f[2] > 0]
    tok = tokenizer()
    ids, _types, s, e = labelled[0]
    assert tok.decode(ids[s : e + 1]).lower() in {"lotte engel", "6 february 2026", "granite"}

    out = tmp_path / "reader.safetensors"
    main([str(tiny_squad), "--out", str(out), "--epochs", "1", "--batch", "4", "--threads", "1"])
    reader = SpanReader(out)
    passages = ["Lotte Engel designed the mascot Pip.", "Curling is played on ice."]
    results = reader.read("Who designed the mascot?", passages)
    assert [r.passage for r in results] == [0, 1]
    for r in results:
        assert 0 <= r.start < r.end <= len(passages[r.passage])
        assert np.isfinite(r.score) and np.isfinite(r.null)


def test_missing_or_foreign_weights_are_refused(tmp_path: Path) -> None:
    with pytest.raises(VhumanError, match="missing"):
        SpanReader(tmp_path / "none.safetensors")
    from safetensors.numpy import save_file

    bad = tmp_path / "bad.safetensors"
    save_file({"something.else": np.zeros(3, np.float16)}, str(bad))
    with pytest.raises(VhumanError, match="do not fit"):
        SpanReader(bad)


def test_made_unanswerables_and_capped_answerless_windows() -> None:
    import random

    from bench.train_reader import features, perturbed

    ctx = "Warsaw is the largest city in Poland."
    rng = random.Random(3)
    twins = {perturbed("What is the largest city in Poland?", ctx, [ctx], rng) for _ in range(20)}
    assert "What is the smallest city in Poland?" in twins  # an antonym
    assert "What isn't the largest city in Poland?" in twins  # a negation
    long_doc = "Filler sentence about nothing at all. " * 400 + "The mascot is Pip."
    rec = {"q": "What is the mascot?", "c": long_doc, "a": (long_doc.index("Pip"), "Pip")}
    all_windows = features(tokenizer(), [rec])
    capped = features(tokenizer(), [rec], null_windows=2)
    assert len(all_windows) > 5 and len(capped) == 3  # the answer's window + 2 without
    assert sum(1 for f in capped if f[2] > 0) == 1
