"""Reading a knowledge-base folder: Markdown, text, CSV/YAML facts, PDF (optional).

Each document becomes plain text plus a list of sentences with character spans and the
heading they sit under, so answers can cite ``doc`` + ``start:end`` exactly. Structured
files (CSV rows, YAML records) are rendered one record per line; their spans refer to that
rendering. Unreadable files raise :class:`DocumentError` naming the file (and line).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from vhuman.models.text.sentences import sentence_spans
from vhuman.models.types import InputError

log = logging.getLogger(__name__)

SUPPORTED = (".md", ".markdown", ".txt", ".csv", ".yaml", ".yml", ".pdf")
MAX_BYTES = 20 * 1024 * 1024


class DocumentError(InputError):
    """A knowledge-base file could not be read; the message names the file (and line)."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document: its span in the document text and its section heading."""

    start: int
    end: int
    heading: str


@dataclass
class Document:
    """A loaded document: ``name`` is its path relative to the KB folder."""

    name: str
    title: str
    text: str
    sentences: list[Sentence]


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _split_paragraph(text: str, offset: int, heading: str) -> list[Sentence]:
    return [Sentence(offset + a, offset + b, heading) for a, b in sentence_spans(text)]


def segment(text: str, title: str) -> list[Sentence]:
    """Sentences of a Markdown/plain text: headings set context, bullets are sentences."""
    sentences: list[Sentence] = []
    heading = title
    para_start: int | None = None
    pos = 0
    lines = text.splitlines(keepends=True)

    def close(end: int) -> None:
        nonlocal para_start, heading
        if para_start is not None:
            chunk = text[para_start:end]
            lead = len(chunk) - len(chunk.lstrip())
            body = chunk.strip()
            if "\n" not in body and len(body.split()) <= 8 and body[-1] not in ".!?:;,":
                heading = body  # a short title line of a plain-text file
            else:
                sentences.extend(_split_paragraph(body, para_start + lead, heading))
            para_start = None

    for line in lines:
        stripped = line.strip()
        heading_match = _HEADING.match(line)
        if heading_match:
            close(pos)
            heading = heading_match.group(2) or heading
        elif not stripped:
            close(pos)
        elif _BULLET.match(line):
            close(pos)
            para_start = pos + _BULLET.match(line).end()  # type: ignore[union-attr]
        elif para_start is None:
            para_start = pos
        pos += len(line)
    close(pos)
    return sentences


def _render_record(record: dict[str, Any]) -> str:
    """A row/record as one readable line: long text values are their own sentences."""
    pairs, prose = [], []
    for key, value in record.items():
        if value is None or value == "":
            continue
        if isinstance(value, str) and len(value.split()) >= 6 and value.rstrip().endswith("."):
            prose.append(value.strip())
        else:
            pairs.append(f"{str(key).replace('_', ' ')}: {str(value).strip().rstrip('.')}")
    head = "; ".join(pairs) + ("." if pairs else "")
    return " ".join(p for p in [head, *prose] if p)


def _csv_text(raw: str, name: str) -> str:
    try:
        rows = list(csv.reader(io.StringIO(raw)))
    except csv.Error as exc:
        raise DocumentError(f"{name}: invalid CSV: {exc}") from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise DocumentError(f"{name}: CSV needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    lines = []
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DocumentError(
                f"{name}: line {i}: expected {len(header)} columns, found {len(row)}"
            )
        lines.append(_render_record(dict(zip(header, (c.strip() for c in row), strict=True))))
    return "\n\n".join(lines)  # one record per paragraph: its own passage


def _yaml_text(raw: str, name: str) -> str:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise DocumentError(f"{name}:{where} invalid YAML: {exc}") from exc
    lines: list[str] = []

    def walk(node: Any, label: str) -> None:
        if isinstance(node, dict):
            scalars = {k: v for k, v in node.items() if not isinstance(v, dict | list)}
            if scalars:
                lines.append(_render_record(scalars))
            for key, value in node.items():
                if isinstance(value, dict | list):
                    walk(value, str(key))
        elif isinstance(node, list):
            for item in node:
                walk(item, label)
        elif node is not None:
            text = str(node).strip()
            lines.append(text if label == "" else f"{label.replace('_', ' ')}: {text}")

    walk(data, "")
    if not lines:
        raise DocumentError(f"{name}: YAML file holds no facts")
    return "\n\n".join(lines)


def _pdf_text(path: Path, name: str) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:
        raise DocumentError(f"{name}: PDF support needs `pip install pypdf`") from exc
    try:
        return "\n\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    except Exception as exc:  # pypdf raises many types on corrupt files
        raise DocumentError(f"{name}: unreadable PDF: {exc}") from exc


def load_document(path: Path, name: str) -> Document:
    """Read one supported file into a :class:`Document`."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(f"{name}: unsupported file type {suffix!r}")
    if path.stat().st_size > MAX_BYTES:
        raise DocumentError(f"{name}: larger than {MAX_BYTES // 2**20} MiB")
    if suffix == ".pdf":
        text = _pdf_text(path, name)
    else:
        data = path.read_bytes()
        if b"\x00" in data:
            raise DocumentError(f"{name}: binary data in a text file")
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DocumentError(f"{name}: line {line}: not valid UTF-8") from exc
        if suffix == ".csv":
            text = _csv_text(raw, name)
        elif suffix in (".yaml", ".yml"):
            text = _yaml_text(raw, name)
        else:
            text = raw
    title = path.stem.replace("_", " ").replace("-", " ").strip().capitalize()
    first = _HEADING.match(text.lstrip().split("\n", 1)[0]) if text.strip() else None
    if first:
        title = first.group(2)
    sentences = segment(text, title)
    if not sentences:
        raise DocumentError(f"{name}: no text found")
    return Document(name, title, text, sentences)
