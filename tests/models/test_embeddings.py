"""Packaged MiniLM embeddings: offline load, unit vectors, meaningful similarity."""

from __future__ import annotations

import numpy as np

from vhuman.models.embeddings import get_embedder


def test_minilm_embeds_offline_with_meaningful_similarity() -> None:
    emb = get_embedder()
    assert get_embedder() is emb  # loaded once per process
    vecs = emb.encode(["When is the ice hockey final?", "The hockey final is on Sunday.",
                       "Hot chocolate costs 4 euros."])
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.2
    assert emb.encode([]).shape == (0, 384)
