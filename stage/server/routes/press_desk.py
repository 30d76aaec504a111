"""The press desk's view of the knowledge base: which documents it holds, and a
document's text, so a cited passage can be shown highlighted where it stands.
Reporter key (hosts too). Asking is ``POST /v1/qa``; the history ``GET /v1/qa/log``."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from ..deps import Reporter, State

router = APIRouter(prefix="/v1/qa", tags=["qa"])

MAX_DOCUMENT_CHARS = 2_000_000
PROMPT_TERMS = 40
PROMPT_CHARS = 600
"""The recognition prompt's size: Whisper keeps at most 224 prompt tokens."""
_NAME = re.compile(r"\b[A-Z][\w'-]*(?:[ \t]+(?:(?:of|de|la|van|von)[ \t]+)?[A-Z][\w'-]*)+")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_LEADING = re.compile(r"^(?:The|A|An|In|On|At|This|These|Our)\s+")


class DocumentOut(BaseModel):
    name: str
    title: str
    chars: int
    sentences: int


class DocumentTextOut(DocumentOut):
    text: str


def _docs(state: Any) -> dict[str, dict[str, Any]]:
    qa = state.backends.qa
    if qa is None:
        raise HTTPException(503, "no Q&A engine configured (set VHUMAN_KNOWLEDGE_DIR)")
    kb = getattr(qa, "kb", None)
    docs = getattr(kb, "docs", None)
    if not isinstance(docs, dict):
        raise HTTPException(501, "this Q&A engine does not list its documents")
    return docs


def recognition_prompt(state: Any) -> str | None:
    """The knowledge base's names and terms as a recogniser's prompt for reporters'
    questions: document titles, headings and multi-word names (most frequent first),
    so "Crystal Arena" or "Falkenhorn Jump" is heard as written. None without a KB."""
    qa = state.backends.qa
    docs = getattr(getattr(qa, "kb", None), "docs", None)
    if not isinstance(docs, dict) or not docs:
        return None
    counts: Counter[str] = Counter()
    for name, record in docs.items():
        text = str(record.get("text", ""))
        title = str(record.get("title") or "").strip()
        for term in [title, *_HEADING.findall(text)]:
            if term and term != name:
                counts[term] += 3
        for found in _NAME.findall(text):
            counts[_LEADING.sub("", found.strip())] += 1
    terms: list[str] = []
    seen: set[str] = set()
    size = 0
    for term, _ in counts.most_common():
        if len(term) < 3 or term.lower() in seen:
            continue
        seen.add(term.lower())
        if size + len(term) + 2 > PROMPT_CHARS or len(terms) >= PROMPT_TERMS:
            break
        terms.append(term)
        size += len(term) + 2
    return f"A reporter's question about {', '.join(terms)}." if terms else None


def _describe(name: str, record: dict[str, Any]) -> DocumentOut:
    text = str(record.get("text", ""))
    return DocumentOut(name=name, title=str(record.get("title") or name), chars=len(text),
                       sentences=len(record.get("sentences", [])))


@router.get("/documents")
async def documents(state: State, _: Reporter) -> list[DocumentOut]:
    """Every document the knowledge base holds, by name."""
    return [_describe(name, record) for name, record in sorted(_docs(state).items())]


@router.get("/document")
async def document(state: State, _: Reporter,
                   name: str = Query(min_length=1, max_length=512)) -> DocumentTextOut:
    """One document's indexed text: a source's ``start``/``end`` index into it."""
    record = _docs(state).get(name)
    if record is None:
        raise HTTPException(404, "no such document in the knowledge base")
    out = _describe(name, record)
    return DocumentTextOut(**out.model_dump(), text=str(record.get("text", ""))[
        :MAX_DOCUMENT_CHARS])
