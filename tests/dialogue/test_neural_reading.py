"""The span reader's view in document offsets: proposals and per-candidate features."""

from __future__ import annotations

from typing import Any

import numpy as np

from vhuman.dialogue.neural_reading import UNREAD, Reading
from vhuman.models.reader.span_reader import tokenizer, windows

DOC = "Intro line.\nLotte Engel designed the mascot Pip in 2024."
OFFSET = DOC.index("Lotte")
PASSAGE = DOC[OFFSET:]


class PointingReader:
    """Logits that point at one answer (by its text) in every passage."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.tok = tokenizer()

    def logits(self, question: str, passages: list[str]) -> tuple[list[Any], np.ndarray, np.ndarray]:
        wins = windows(self.tok, question, passages)
        n = len(wins[0].input_ids)
        start, end = np.zeros((len(wins), n)), np.zeros((len(wins), n))
        for k, w in enumerate(wins):
            a = passages[w.passage].find(self.answer)
            b = a + len(self.answer)
            for t, o in enumerate(w.offsets):
                if o is not None and o[0] == a:
                    start[k, t] = 6.0
                if o is not None and o[1] == b:
                    end[k, t] = 5.0
            start[k, 0] = end[k, 0] = 1.0  # "no answer" logits
        return wins, start, end


def test_proposals_and_features_are_in_document_offsets() -> None:
    reading = Reading.read(PointingReader("Lotte Engel"), "Who designed Pip?", [("doc.md", OFFSET, PASSAGE)])
    doc, a, b, margin = max(reading.proposals, key=lambda p: p[3])
    assert (doc, DOC[a:b]) == ("doc.md", "Lotte Engel")
    assert margin == 11.0 - 2.0
    assert reading.top_margin == margin
    score, rmargin, unread = reading.features("doc.md", a, b)
    assert (score, rmargin, unread) == (11.0, 9.0, 0.0)
    # a span the reader read but does not point at scores lower; unread text is flagged
    other = DOC.index("mascot")
    assert reading.features("doc.md", other, other + 6)[0] < 11.0
    assert reading.features("doc.md", 0, 5) == [UNREAD, UNREAD, 1.0]
    assert reading.features("other.md", a, b) == [UNREAD, UNREAD, 1.0]


def test_no_passages_reads_nothing() -> None:
    reading = Reading.read(PointingReader("x"), "q?", [])
    assert reading.proposals == [] and reading.top_margin == UNREAD
