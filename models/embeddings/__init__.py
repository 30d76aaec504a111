"""Text embeddings (packaged all-MiniLM-L6-v2 by default) for retrieval and prototypes."""

from .minilm import Embedder, get_embedder, minilm_path

__all__ = ["Embedder", "get_embedder", "minilm_path"]
