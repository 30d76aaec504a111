"""Sentence splitting, for whole texts and for token streams (so TTS starts early).

Rules: a sentence ends at ``.``, ``!``, ``?``, ``…`` or CJK ``。！？`` followed by space or
end, except after common abbreviations (``Dr.``, ``e.g.``), single initials and inside
numbers (``3.5``). Sentences longer than ``max_chars`` are cut at clause boundaries
(``,;:—``) and, failing that, at a word boundary.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st vs etc e.g i.e no fig approx dept est inc ltd co jan feb "
    "a.m p.m u.s mar apr jun jul aug sep sept oct nov dec mt ft".split()
)
_END = re.compile(r"([.!?…]+|[。！？]+)([\"')\]]*)(\s+|$)")
_CJK_END = set("。！？")
_CJK_GLUE = re.compile(r"([。！？])(?=\S)")
_CLAUSE = re.compile(r"(?<=[,;:—–])\s+")


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    punct = match.group(1)
    if punct[0] in _CJK_END or punct[0] in "!?…" or len(punct) > 1:
        return True
    before = text[: match.start()].rsplit(None, 1)
    word = before[-1].lower().rstrip(".") if before else ""
    word = word.lstrip("\"'([")
    if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return False
    return True


def _split_complete(text: str) -> tuple[list[str], str]:
    """Return the complete sentences in ``text`` and the unfinished remainder."""
    out: list[str] = []
    start = 0
    text = _CJK_GLUE.sub(r"\1 ", text)  # CJK sentences are not followed by a space
    for match in _END.finditer(text):
        if match.group(3) == "" and match.end() == len(text) and match.group(1)[0] not in _CJK_END:
            break  # punctuation at the very end of a stream may still be "3." of "3.5"
        if _is_boundary(text, match):
            end = match.end(2)
            sentence = text[start:end].strip()
            if sentence:
                out.append(sentence)
            start = match.end()
    return out, text[start:]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of the sentences of ``text`` (same rules as
    :func:`split_sentences`, surrounding whitespace excluded, long ones not cut), for
    callers that must point back into the text (document passages and citations)."""
    spans: list[tuple[int, int]] = []
    start = 0

    def add(begin: int, end: int) -> None:
        piece = text[begin:end]
        stripped = piece.strip()
        if stripped:
            first = begin + (len(piece) - len(piece.lstrip()))
            spans.append((first, first + len(stripped)))

    for match in _END.finditer(text):
        if _is_boundary(text, match):
            add(start, match.end(2))
            start = match.end()
    add(start, len(text))
    return spans


def split_clauses(sentence: str, max_chars: int = 200) -> list[str]:
    """Cut a long sentence at clause punctuation, then at spaces, into <= max_chars parts."""
    if len(sentence) <= max_chars:
        return [sentence]
    parts: list[str] = []
    current = ""
    for clause in _CLAUSE.split(sentence):
        candidate = f"{current} {clause}".strip()
        if len(candidate) <= max_chars:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(clause) > max_chars:
            cut = clause.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            parts.append(clause[:cut].strip())
            clause = clause[cut:].strip()
        current = clause
    if current:
        parts.append(current)
    return parts


def split_sentences(text: str, max_chars: int = 200) -> list[str]:
    """Split a whole text into sentences (long ones cut into clauses)."""
    sentences, rest = _split_complete(text.strip() + " ")
    if rest.strip():
        sentences.append(rest.strip())
    return [part for s in sentences for part in split_clauses(s, max_chars)]


class SentenceStream:
    """Feed text pieces (LLM tokens); get sentences as soon as each one is complete.

    >>> s = SentenceStream(); s.feed("Hi there. How a"); s.feed("re you?"); s.flush()
    ['Hi there.']  ... then ['How are you?'] ... then []
    """

    def __init__(self, max_chars: int = 200) -> None:
        self.max_chars = max_chars
        self._buffer = ""

    def feed(self, piece: str) -> list[str]:
        self._buffer += piece
        done, self._buffer = _split_complete(self._buffer)
        if len(self._buffer) > self.max_chars * 2:
            # A run-on stream with no punctuation: release clauses so speech can start.
            parts = split_clauses(self._buffer, self.max_chars)
            done.extend(parts[:-1])
            self._buffer = parts[-1]
        return [part for s in done for part in split_clauses(s, self.max_chars)]

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer.strip(), ""
        return split_clauses(rest, self.max_chars) if rest else []
