"""Fine-tune the span reader (:mod:`models.reader`) on SQuAD-format training files.

    python -m bench.train_reader TRAIN.json [TRAIN2.json ...] --minutes 50

Reads official SQuAD 1.1/2.0 JSON (never the development set the Q&A bench reports on:
articles of ``bench.squad`` are refused). Each answerable question also gets a hard
negative: the most word-similar other paragraph of its article, labelled "no answer", so
the reader learns to refuse the passages retrieval brings for questions they do not
answer. The word embeddings stay frozen; the six encoder layers and the start/end head
are trained and written as float16 to ``dialogue/data/qa_span_reader.safetensors``.

The shipped tensors came from the first 10 articles of the SQuAD 2.0 training set, in
two steps (seed 13, batch 16)::

    python -m bench.train_reader train10.json --epochs 3 --out step1.safetensors
    python -m bench.train_reader train10.json --init step1.safetensors \\
        --epochs 1.5 --lr 5e-5 --negatives 0.3 --perturb 0.5
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vhuman.dialogue.qa_verify import ANTONYMS
from vhuman.models.reader.span_reader import MAX_LEN, READER_FILE, STRIDE, ReaderNet, tokenizer

_WORD = re.compile(r"\w+")
_STOP = frozenset("the a an of in on at to for and or is are was were be by with as that this "
                  "what which who whom whose when where why how did do does from it its".split())


def _content(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


_AUX = re.compile(r"\b(is|was|are|were|did|does|do|can|could|has|have|had|will|would|should)\b")
_NEGATED = {"can": "can't", "will": "won't", "do": "don't", "does": "doesn't", "did": "didn't",
            "is": "isn't", "was": "wasn't", "are": "aren't", "were": "weren't"}
_NAME = re.compile(r"(?<!^)\b([A-Z][\w'-]+|\d[\d,.]*)\b")
_ANTONYM = re.compile(r"\b(" + "|".join(sorted(ANTONYMS, key=len, reverse=True)) + r")\b")


def perturbed(question: str, context: str, article: list[str], rng: random.Random) -> str | None:
    """An unanswerable twin of an answerable question, made the way SQuAD 2.0's writers
    made many of theirs: a name or number of the question swapped for one of another
    paragraph of the article (absent from this one), a word swapped for its antonym
    ("largest" -> "smallest"), or a negation added."""
    names = [m for m in _NAME.finditer(question) if m.group(1) in context]
    if names and rng.random() < 0.6:
        m = rng.choice(names)
        pool = sorted({w for text in article for w in _NAME.findall(text)
                       if w not in context and w[0].isdigit() == m.group(1)[0].isdigit()})
        if pool:
            return question[: m.start(1)] + rng.choice(pool) + question[m.end(1) :]
    opposite = _ANTONYM.search(question)
    if opposite and ANTONYMS[opposite.group(1)] not in context.lower() and rng.random() < 0.7:
        return question[: opposite.start()] + ANTONYMS[opposite.group(1)] + question[opposite.end() :]
    aux = _AUX.search(question)
    if aux and " not " not in question and "n't" not in question:
        word = aux.group(1)
        negated = _NEGATED.get(word, word + "n't")
        return question[: aux.start()] + negated + question[aux.end() :]
    return None


def examples(paths: Iterable[Path], negatives: float, seed: int,
             perturb: float = 0.0) -> list[dict[str, Any]]:
    """(question, context, answer start/text or None) records, with hard negatives (the
    question moved to another paragraph: half the time a neighbouring one, else the most
    word-similar one of its article) and, with ``perturb``, unanswerable twins."""
    from bench.squad import squad_file

    try:
        held_out = {a["title"] for a in json.loads(squad_file().read_text())["data"]}
    except Exception:  # the public sample is not on this machine: nothing to guard
        held_out = set()
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for path in paths:
        data = json.loads(Path(path).read_text())["data"]
        for article in data:
            if article.get("title") in held_out:
                raise SystemExit(f"{path}: article {article['title']!r} is the Q&A bench's test data")
            contexts = [p["context"] for p in article["paragraphs"]]
            words = [_content(c) for c in contexts]
            for pi, para in enumerate(article["paragraphs"]):
                for qa in para["qas"]:
                    impossible = qa.get("is_impossible", False) or not qa["answers"]
                    if impossible:
                        out.append({"q": qa["question"], "c": para["context"], "a": None})
                        continue
                    ans = qa["answers"][0]
                    out.append({"q": qa["question"], "c": para["context"],
                                "a": (ans["answer_start"], ans["text"])})
                    if rng.random() < perturb:
                        twin = perturbed(qa["question"], para["context"], contexts, rng)
                        if twin is not None:
                            out.append({"q": twin, "c": para["context"], "a": None})
                    if len(contexts) > 1 and rng.random() < negatives:
                        qw = _content(qa["question"])
                        others = [k for k in range(len(contexts)) if k != pi
                                  and ans["text"].lower() not in contexts[k].lower()]
                        near = [k for k in (pi - 1, pi + 1) if k in others]
                        if near and rng.random() < 0.5:
                            out.append({"q": qa["question"], "c": contexts[rng.choice(near)], "a": None})
                        elif others:
                            k = max(others, key=lambda k: (len(qw & words[k]), rng.random()))
                            out.append({"q": qa["question"], "c": contexts[k], "a": None})
    return out


def features(tok: Any, records: list[dict[str, Any]], null_windows: int = 0,
             seed: int = 13) -> list[tuple[list[int], list[int], int, int]]:
    """Tokenised windows with their start/end token labels (0, 0 = no answer).

    ``null_windows`` > 0: of an answerable question's windows that miss its answer (long
    documents give dozens), keep at most that many, chosen at random."""
    rng = random.Random(seed)
    feats = []
    step = 256
    for lo in range(0, len(records), step):
        chunk = records[lo : lo + step]
        enc = tok([r["q"] for r in chunk], [r["c"] for r in chunk], truncation="only_second",
                  max_length=MAX_LEN, stride=STRIDE, return_overflowing_tokens=True,
                  return_offsets_mapping=True)
        spare: dict[int, list[Any]] = {}
        for k, ids in enumerate(enc["input_ids"]):
            rec = chunk[enc["overflow_to_sample_mapping"][k]]
            seq = enc.sequence_ids(k)
            offs = enc["offset_mapping"][k]
            s_tok = e_tok = 0
            if rec["a"] is not None:
                a0, text = rec["a"]
                a1 = a0 + len(text)
                ctx = [i for i, s in enumerate(seq) if s == 1]
                if offs[ctx[0]][0] <= a0 and offs[ctx[-1]][1] >= a1:
                    s_tok = next(i for i in ctx if offs[i][1] > a0)
                    e_tok = max(i for i in ctx if offs[i][0] < a1)
            item = (list(ids), list(enc["token_type_ids"][k]), s_tok, e_tok)
            if null_windows and rec["a"] is not None and s_tok == 0:
                spare.setdefault(enc["overflow_to_sample_mapping"][k], []).append(item)
            else:
                feats.append(item)
        for items in spare.values():
            feats.extend(rng.sample(items, min(null_windows, len(items))))
    return feats


def batches(feats: list[Any], size: int, rng: random.Random) -> list[list[Any]]:
    """Length-bucketed shuffled batches (less padding, same examples)."""
    order = sorted(range(len(feats)), key=lambda i: (len(feats[i][0]), rng.random()))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    return [[feats[i] for i in g] for g in groups]


def collate(batch: list[Any]) -> tuple[Any, ...]:
    import torch

    n = max(len(b[0]) for b in batch)
    ids = torch.zeros((len(batch), n), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for k, (i, t, _s, _e) in enumerate(batch):
        ids[k, : len(i)] = torch.tensor(i)
        types[k, : len(t)] = torch.tensor(t)
        mask[k, : len(i)] = 1
    starts = torch.tensor([b[2] for b in batch])
    ends = torch.tensor([b[3] for b in batch])
    return ids, types, mask, starts, ends


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def save(net: Any, out: Path) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().cpu().half().contiguous() for k, v in net.state_dict().items()
             if not k.startswith("encoder.embeddings.")}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    save_file(state, str(tmp), metadata={"base": "all-MiniLM-L6-v2", "max_len": str(MAX_LEN)})
    tmp.replace(out)


def main(argv: list[str] | None = None) -> None:
    import torch
    from tqdm import tqdm

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("train", nargs="+", type=Path, help="SQuAD-format training JSON files")
    ap.add_argument("--out", type=Path, default=READER_FILE)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--minutes", type=float, default=0.0, help="stop after this long (0: no limit)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--negatives", type=float, default=0.5,
                    help="share of answerable questions that also get a hard negative")
    ap.add_argument("--perturb", type=float, default=0.0,
                    help="share of answerable questions that also get an unanswerable twin")
    ap.add_argument("--null-windows", type=int, default=0,
                    help="keep at most this many answer-less windows per answerable question (0: all)")
    ap.add_argument("--init", type=Path, help="start from these reader tensors")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--save-every", type=int, default=200, help="steps between checkpoints")
    ap.add_argument("--device", default="cuda" if _cuda() else "cpu",
                    help="torch device (default: cuda when present, else cpu)")
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    tok = tokenizer()
    records = examples(args.train, args.negatives, args.seed, args.perturb)
    feats = features(tok, records, args.null_windows, args.seed)
    null = sum(1 for f in feats if f[2] == 0)
    print(f"{len(records)} examples -> {len(feats)} windows ({null} without an answer)", flush=True)

    net = ReaderNet.build()
    if args.init:
        from safetensors.torch import load_file

        net.load_state_dict({k: v.float() for k, v in load_file(str(args.init)).items()}, strict=False)
    net = net.to(args.device)
    for p in net.encoder.embeddings.parameters():
        p.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    per_epoch = math.ceil(len(feats) / args.batch)
    total = max(1, int(per_epoch * args.epochs))
    warm = max(1, total // 10)
    began = time.monotonic()
    deadline = began + args.minutes * 60 if args.minutes else math.inf

    def rate(s: int) -> float:
        # warm-up, then linear decay to zero at the step budget or the time budget,
        # whichever comes first (a run cut by --minutes still ends with a small rate)
        done = s / total
        if args.minutes:
            done = max(done, (time.monotonic() - began) / (args.minutes * 60))
        return min((s + 1) / warm, max(0.0, (1.0 - done) / max(1e-6, 1.0 - warm / total)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    net.train()
    step = 0
    bar = tqdm(total=total, desc="train reader", unit="step")
    while step < total and time.monotonic() < deadline:
        for batch in batches(feats, args.batch, rng):
            ids, types, mask, s, e = (t.to(args.device) for t in collate(batch))
            start, end = net(ids, mask, types)
            loss = (loss_fn(start, s) + loss_fn(end, e)) / 2
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
            if step % args.save_every == 0:
                save(net, args.out)
            if step >= total or time.monotonic() >= deadline:
                break
    bar.close()
    save(net, args.out)
    print(f"wrote {args.out} after {step} of {total} steps", flush=True)


if __name__ == "__main__":
    main()
