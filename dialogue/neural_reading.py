"""The span reader's view of the retrieved passages, in document character offsets.

:class:`Reading` runs :class:`models.reader.SpanReader` once per question over the passages
retrieval chose, then answers two things for the Q&A engine: which spans the reader
proposes (they join the candidate list), and, for any candidate span, the reader's start
+ end logit, its margin over the passage's "no answer" logit, and whether the reader saw
that text at all (:data:`READER_FEATURES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from vhuman.models.reader.span_reader import best_spans

if TYPE_CHECKING:
    from vhuman.models.reader.span_reader import SpanReader

READER_FEATURES = ("reader", "reader_margin", "reader_unread")
PROPOSALS_PER_WINDOW = 4
# Logit sum given to text the reader did not read (below any span it scores in practice).
UNREAD = -8.0


@dataclass
class _Window:
    doc: str
    offset: int  # document offset of the passage
    starts: np.ndarray  # document char start of each passage token
    ends: np.ndarray
    start_logits: np.ndarray
    end_logits: np.ndarray
    null: float


@dataclass
class Reading:
    """What the reader made of ``passages`` (``(doc, document offset, text)``)."""

    windows: list[_Window] = field(default_factory=list)
    proposals: list[tuple[str, int, int, float]] = field(default_factory=list)

    @classmethod
    def read(cls, reader: SpanReader, question: str, passages: Sequence[tuple[str, int, str]]) -> Reading:
        if not passages:
            return cls()
        wins, start, end = reader.logits(question, [p[2] for p in passages])
        out = cls()
        for k, w in enumerate(wins):
            doc, offset, _text = passages[w.passage]
            idx = [t for t, o in enumerate(w.offsets) if o is not None]
            if not idx:
                continue
            null = float(start[k, 0] + end[k, 0])
            out.windows.append(_Window(
                doc, offset,
                np.asarray([offset + w.offsets[t][0] for t in idx]),  # type: ignore[index]
                np.asarray([offset + w.offsets[t][1] for t in idx]),  # type: ignore[index]
                start[k, idx], end[k, idx], null))
            for score, i, j in best_spans(start[k], end[k], w.offsets, top=PROPOSALS_PER_WINDOW):
                a = offset + w.offsets[i][0]  # type: ignore[index]
                b = offset + w.offsets[j][1]  # type: ignore[index]
                out.proposals.append((doc, a, b, score - null))
        return out

    def features(self, doc: str, start: int, end: int) -> list[float]:
        """:data:`READER_FEATURES` of the document span ``[start, end)``: the best over the
        windows that hold it whole."""
        best: tuple[float, float] | None = None
        for w in self.windows:
            if w.doc != doc or start < w.starts[0] or end > w.ends[-1]:
                continue
            i = int(np.searchsorted(w.ends, start, side="right"))  # first token ending after start
            j = int(np.searchsorted(w.starts, end, side="left")) - 1  # last token starting before end
            if i > j or i >= len(w.starts) or j < 0:
                continue
            score = float(w.start_logits[i] + w.end_logits[j])
            if best is None or score > best[0]:
                best = (score, score - w.null)
        if best is None:
            return [UNREAD, UNREAD, 1.0]
        return [best[0], best[1], 0.0]

    @property
    def top_margin(self) -> float:
        """The reader's most confident span over "no answer", across all passages."""
        return max((p[3] for p in self.proposals), default=UNREAD)
