"""Knowledge base for grounded Q&A: a folder of documents, chunked, embedded (MiniLM) and
indexed lexically (BM25), fused at search time, stored on disk and updated incrementally.

Only files whose content hash changed are re-read and re-embedded on :meth:`update`. A
corrupt file is skipped with its error recorded in :attr:`KnowledgeBase.errors`; it never
stops the others from loading.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.models.threads import one_torch_thread
from vhuman.models.types import FloatArray, InputError, VhumanError

from .bm25 import BM25, tokenize
from .documents import SUPPORTED, DocumentError, load_document

log = logging.getLogger(__name__)

STORE_VERSION = 1
DEFAULT_STORE = ".vhuman-index"
CHUNK_CHARS = 400


@dataclass
class Passage:
    """A cited piece of a document: ``text == doc_text[start:end]``; ``score`` 0..1-ish."""

    doc: str
    start: int
    end: int
    text: str
    score: float
    heading: str = ""


@dataclass
class UpdateReport:
    """What :meth:`KnowledgeBase.update` did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _chunks(sentences: list[list[Any]]) -> list[list[int]]:
    """Group consecutive same-heading sentences into chunks of <= CHUNK_CHARS: [first, last]."""
    out: list[list[int]] = []
    for i, (_start, end, heading) in enumerate(sentences):
        if out:
            first = out[-1][0]
            same = sentences[first][2] == heading
            if same and end - sentences[first][0] <= CHUNK_CHARS:
                out[-1][1] = i
                continue
        out.append([i, i])
    return out


class KnowledgeBase:
    """Use :meth:`build` (folder -> store) or :meth:`open` (existing store)."""

    def __init__(self, folder: Path, store_dir: Path, embedder: Any = None) -> None:
        self.folder = Path(folder)
        self.store_dir = Path(store_dir)
        self._embedder = embedder
        self.docs: dict[str, dict[str, Any]] = {}
        self.doc_vectors: dict[str, dict[str, FloatArray]] = {}
        self.errors: list[str] = []
        self._index_ready = False

    # --- construction ---------------------------------------------------------------

    @classmethod
    def build(
        cls, folder: str | Path, store_dir: str | Path | None = None, embedder: Any = None
    ) -> KnowledgeBase:
        """Index every supported file of ``folder`` into ``store_dir`` (reusing a store there).

        ``store_dir`` defaults to ``folder/.vhuman-index`` (hidden: never indexed itself).
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(f"knowledge base folder {folder} does not exist")
        store = Path(store_dir) if store_dir is not None else folder / DEFAULT_STORE
        if (store / "kb.json").is_file():
            kb = cls.open(store, embedder)
            kb.folder = folder
        else:
            kb = cls(folder, store, embedder)
        kb.update()
        return kb

    @classmethod
    def open(cls, store_dir: str | Path, embedder: Any = None) -> KnowledgeBase:
        """Load a stored knowledge base; raises :class:`VhumanError` naming a bad store file."""
        store = Path(store_dir)
        meta_path, vec_path = store / "kb.json", store / "vectors.npz"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("version") != STORE_VERSION:
                raise ValueError(f"store version {meta.get('version')} != {STORE_VERSION}")
            vectors = np.load(vec_path)
            kb = cls(Path(meta["folder"]), store, embedder)
            kb.docs = meta["docs"]
            kb.errors = list(meta.get("errors", []))
            for i, name in enumerate(kb.docs):
                kb.doc_vectors[name] = {
                    "chunks": vectors[f"c{i}"].astype(np.float32),
                    "sents": vectors[f"s{i}"].astype(np.float32),
                }
        except FileNotFoundError as exc:
            raise VhumanError(f"{store}: no knowledge base store here ({exc.filename})") from exc
        except (ValueError, KeyError, OSError, json.JSONDecodeError) as exc:
            raise VhumanError(f"{store}: corrupt knowledge base store: {exc}") from exc
        return kb

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from vhuman.models.embeddings import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    # --- incremental update ---------------------------------------------------------

    def update(self) -> UpdateReport:
        """Re-scan the folder: index new/changed files, drop removed ones, save the store."""
        t0 = time.perf_counter()
        report = UpdateReport()
        if not self.folder.is_dir():
            raise InputError(f"knowledge base folder {self.folder} does not exist")
        seen: set[str] = set()
        for path in sorted(self.folder.rglob("*")):
            rel = path.relative_to(self.folder)
            if any(part.startswith(".") for part in rel.parts):
                continue  # hidden files and folders (an index stored inside the folder)
            if not path.is_file() or path.suffix.lower() not in SUPPORTED:
                continue
            name = rel.as_posix()
            seen.add(name)
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                report.errors.append(f"{name}: cannot read: {exc}")
                continue
            old = self.docs.get(name)
            if old is not None and old["sha256"] == digest:
                continue
            try:
                doc = load_document(path, name)
            except DocumentError as exc:
                report.errors.append(str(exc))
                log.warning("knowledge base: skipping %s", exc)
                if old is not None:
                    self._drop(name)
                    report.removed.append(name)
                continue
            self._add(name, digest, doc)
            (report.changed if old is not None else report.added).append(name)
        for name in [n for n in self.docs if n not in seen]:
            self._drop(name)
            report.removed.append(name)
        self.errors = report.errors
        self._index_ready = False
        self.save()
        report.seconds = time.perf_counter() - t0
        log.info(
            "knowledge base %s: +%d ~%d -%d, %d errors in %.2f s", self.folder,
            len(report.added), len(report.changed), len(report.removed), len(report.errors),
            report.seconds,
        )
        return report

    def _add(self, name: str, digest: str, doc: Any) -> None:
        sentences = [[s.start, s.end, s.heading] for s in doc.sentences]
        chunks = _chunks(sentences)
        sent_texts = [f"{h}: {doc.text[a:b]}" for a, b, h in sentences]
        chunk_texts = [self._chunk_context(doc.title, doc.text, sentences, c) for c in chunks]
        vecs = self.embedder.encode(sent_texts + chunk_texts)
        self.docs[name] = {
            "sha256": digest, "title": doc.title, "text": doc.text,
            "sentences": sentences, "chunks": chunks,
        }
        self.doc_vectors[name] = {"sents": vecs[: len(sentences)], "chunks": vecs[len(sentences):]}

    @staticmethod
    def _chunk_context(title: str, text: str, sentences: list[list[Any]], chunk: list[int]) -> str:
        start, end = sentences[chunk[0]][0], sentences[chunk[1]][1]
        heading = sentences[chunk[0]][2]
        prefix = title if heading == title else f"{title} - {heading}"
        return f"{prefix}: {text[start:end]}"

    def _drop(self, name: str) -> None:
        self.docs.pop(name, None)
        self.doc_vectors.pop(name, None)

    def save(self) -> None:
        """Write the store atomically (temp files, then rename)."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        meta = {"version": STORE_VERSION, "folder": str(self.folder.resolve()),
                "docs": self.docs, "errors": self.errors}
        arrays: dict[str, FloatArray] = {}
        for i, name in enumerate(self.docs):
            arrays[f"c{i}"] = self.doc_vectors[name]["chunks"]
            arrays[f"s{i}"] = self.doc_vectors[name]["sents"]
        tmp_vec = self.store_dir / f"vectors.{os.getpid()}.tmp.npz"
        tmp_meta = self.store_dir / f"kb.{os.getpid()}.tmp.json"
        np.savez(tmp_vec, **arrays)  # type: ignore[arg-type]
        tmp_meta.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp_vec, self.store_dir / "vectors.npz")
        os.replace(tmp_meta, self.store_dir / "kb.json")

    # --- search -----------------------------------------------------------------------

    def _ensure_index(self) -> None:
        if self._index_ready:
            return
        self._chunk_refs: list[tuple[str, int]] = []
        self._sent_refs: list[tuple[str, int]] = []
        chunk_tokens: list[list[str]] = []
        sent_tokens: list[list[str]] = []
        cvecs, svecs = [], []
        sent_chunk: list[int] = []
        self._sent_base: dict[str, int] = {}
        for name, rec in self.docs.items():
            sents = rec["sentences"]
            self._sent_base[name] = len(self._sent_refs)
            for ci, chunk in enumerate(rec["chunks"]):
                sent_chunk.extend([len(self._chunk_refs)] * (chunk[1] - chunk[0] + 1))
                self._chunk_refs.append((name, ci))
                chunk_tokens.append(tokenize(self._chunk_context(rec["title"], rec["text"], sents, chunk)))
            for si, (a, b, h) in enumerate(sents):
                self._sent_refs.append((name, si))
                sent_tokens.append(tokenize(f"{h} {rec['text'][a:b]}"))
            cvecs.append(self.doc_vectors[name]["chunks"])
            svecs.append(self.doc_vectors[name]["sents"])
        dim = getattr(self.embedder, "dim", 384) if not cvecs else cvecs[0].shape[1]
        self._chunk_vecs = np.concatenate(cvecs) if cvecs else np.zeros((0, dim), np.float32)
        self._sent_vecs = np.concatenate(svecs) if svecs else np.zeros((0, dim), np.float32)
        self._chunk_bm25 = BM25(chunk_tokens)
        self._sent_bm25 = BM25(sent_tokens)
        self._sent_tokens = sent_tokens
        self._sent_chunk = np.asarray(sent_chunk, dtype=np.int64)
        self._index_ready = True

    def embed_query(self, query: str) -> FloatArray:
        """The query's vector, computed on one thread (see :mod:`models.threads`)."""
        embedder = self.embedder  # loads the model (and torch) first
        with one_torch_thread():
            return np.asarray(embedder.encode([query])[0], dtype=np.float32)

    def search(self, query: str, k: int = 5, query_vector: FloatArray | None = None) -> list[Passage]:
        """Top ``k`` chunks for ``query``: dense cosine and BM25 fused (0.6 / 0.4)."""
        if not isinstance(query, str) or not query.strip():
            raise InputError("query must be a non-empty string")
        if k < 1:
            raise InputError(f"k must be >= 1, got {k}")
        self._ensure_index()
        if not self._chunk_refs:
            return []
        qv = self.embed_query(query) if query_vector is None else query_vector
        dense = self._chunk_vecs @ qv
        lexical = np.asarray(self._chunk_bm25.scores(tokenize(query)))
        fused = 0.6 * dense + 0.4 * lexical / (lexical + 4.0)
        out = []
        for i in np.argsort(-fused)[:k]:
            name, ci = self._chunk_refs[i]
            rec = self.docs[name]
            first, last = rec["chunks"][ci]
            start, end = rec["sentences"][first][0], rec["sentences"][last][1]
            out.append(Passage(name, start, end, rec["text"][start:end], float(fused[i]),
                               rec["sentences"][first][2]))
        return out

    def sentence_scores(self, query: str, query_vector: FloatArray) -> tuple[Any, Any]:
        """(dense cosine, BM25) of every indexed sentence, aligned with :meth:`sentence_ref`."""
        self._ensure_index()
        dense = self._sent_vecs @ query_vector if len(self._sent_refs) else np.zeros(0)
        return dense, np.asarray(self._sent_bm25.scores(tokenize(query)))

    def chunk_scores(self, query: str, query_vector: FloatArray) -> tuple[Any, Any]:
        """(dense cosine, BM25) of the chunk around every indexed sentence, aligned with
        :meth:`sentence_ref`: the paragraph context a sentence-level match misses."""
        self._ensure_index()
        if not len(self._sent_refs):
            return np.zeros(0), np.zeros(0)
        dense = self._chunk_vecs @ query_vector
        lexical = np.asarray(self._chunk_bm25.scores(tokenize(query)))
        return dense[self._sent_chunk], lexical[self._sent_chunk]

    def sentence_ref(self, i: int) -> tuple[str, int]:
        return self._sent_refs[i]

    def sentence_index(self, name: str, si: int) -> int:
        """The index of sentence ``si`` of ``name`` in the search arrays (inverse of
        :meth:`sentence_ref`)."""
        self._ensure_index()
        return self._sent_base[name] + si

    def chunk_ref(self, chunk: int) -> tuple[str, int]:
        """(document, chunk number) of the search arrays' chunk ``chunk``."""
        self._ensure_index()
        return self._chunk_refs[chunk]

    def sentence_passage(self, name: str, si: int, score: float = 0.0) -> Passage:
        """The sentence ``si`` of document ``name`` as a :class:`Passage`."""
        rec = self.docs[name]
        a, b, heading = rec["sentences"][si]
        return Passage(name, a, b, rec["text"][a:b], score, heading)

    def sentence_tokens(self, i: int) -> list[str]:
        self._ensure_index()
        return self._sent_tokens[i]

    def __len__(self) -> int:
        return sum(len(r["sentences"]) for r in self.docs.values())
