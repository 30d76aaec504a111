"""A local GGUF chat model on llama.cpp (``xllamacpp``, MIT, a CPU wheel on PyPI).

``get_llm("llamacpp", model="qwen2.5-coder-0.5b")`` serves a packaged model's GGUF as it is
shipped (sha256-checked, see :mod:`models.llm.packaged`), or ``model="/path/x.gguf"``.
On the shared 2-core machine it decoded 2.4x faster than the transformers int8 backend in a
fifth of the memory (``bench/bench_llm_runtime.py``). Generation runs in a worker thread;
pieces reach the event loop as they are produced, and closing the stream stops it
(:mod:`models.llm.streaming`, shared with the transformers backend).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from vhuman.models.types import InputError, VhumanError

from .base import LLMError, LLMMessage, validate_messages
from .streaming import Push, stream_generation

log = logging.getLogger(__name__)


class LlamaCppLLM:
    """A GGUF model on llama.cpp; one generation at a time (the server has one slot)."""

    name = "llamacpp"
    supports_prefill = False  # the opener is noted in the user turn instead

    def __init__(self, model: str = "qwen2.5-coder-0.5b", threads: int | None = None,
                 n_ctx: int = 2048, seed: int = 0) -> None:
        try:
            import xllamacpp
        except ImportError:
            raise VhumanError("the llama.cpp backend needs xllamacpp: pip install xllamacpp") from None
        from .packaged import PACKAGED, gguf_path

        self.languages: tuple[str, ...] = ("en",)
        if model in PACKAGED:
            path = gguf_path(model)
            self.languages = PACKAGED[model].languages
        else:
            path = Path(model)
            if path.suffix != ".gguf" or not path.is_file():
                raise InputError(f"model must be a packaged model ({', '.join(PACKAGED)}) or a .gguf file")
        threads = threads or min(4, os.cpu_count() or 2)
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = n_ctx
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.sampling.seed = seed
        t0 = time.perf_counter()
        self._server = xllamacpp.Server(params)
        self.load_seconds = time.perf_counter() - t0
        self._lock = threading.Lock()
        log.info("llama.cpp loaded %s in %.2f s (%d threads)", path, self.load_seconds, threads)

    def warmup(self, system_prompt: str | None = None) -> None:
        """One tiny generation; with ``system_prompt`` its prefix stays cached in the slot."""
        messages: list[dict[str, str]] = [{"role": "user", "content": "Hi"}]
        if system_prompt:
            messages.insert(0, {"role": "system", "content": system_prompt})
        with self._lock:
            self._server.handle_chat_completions({"messages": messages, "max_tokens": 1,
                                                  "stream": False, "temperature": 0.0})

    async def stream(
        self,
        messages: Sequence[LLMMessage],
        max_tokens: int = 96,
        temperature: float = 0.7,
        stop: Sequence[str] | None = None,
    ) -> AsyncIterator[str]:
        msgs = validate_messages(messages)
        request = {"messages": msgs, "max_tokens": max_tokens, "temperature": temperature,
                   "stream": True}

        def generate(push: Push, cancel: threading.Event) -> None:
            errors: list[str] = []

            def on_chunk(chunk: Any) -> bool:
                choices = chunk.get("choices") if isinstance(chunk, dict) else None
                piece = ((choices or [{}])[0].get("delta") or {}).get("content") if choices else None
                if piece:
                    push(piece)
                if isinstance(chunk, dict) and chunk.get("error"):
                    errors.append(str(chunk["error"]))  # raised once llama.cpp has returned
                return cancel.is_set() or bool(errors)  # True stops the generation

            with self._lock:
                self._server.handle_chat_completions(request, on_chunk)
            if errors:
                raise LLMError(errors[0])

        async for piece in stream_generation(generate, stop, "llama.cpp"):
            yield piece
