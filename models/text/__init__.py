"""Text processing shared by dialogue and voice: sentence splitting and streaming."""

from .sentences import SentenceStream, split_clauses, split_sentences

__all__ = ["SentenceStream", "split_clauses", "split_sentences"]
