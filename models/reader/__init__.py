"""Extractive reading comprehension: a span reader fine-tuned from the packaged MiniLM."""

from .span_reader import (
    READER_FILE,
    ReaderNet,
    SpanReader,
    SpanResult,
    Window,
    get_span_reader,
    windows,
)

__all__ = [
    "READER_FILE", "ReaderNet", "SpanReader", "SpanResult", "Window", "get_span_reader", "windows",
]
