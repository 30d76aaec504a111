"""Local causal LM through transformers, streamed token by token off the event loop.

Default: the packaged SmolLM2-135M-Instruct (GGUF converted once to a cached safetensors
copy); any local Hugging Face model directory works with ``model="/path"``.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from vhuman.models.types import InputError, VhumanError

from .base import LLMMessage, validate_messages
from .streaming import Push, stream_generation

log = logging.getLogger(__name__)


class TransformersLLM:
    """A chat model run in-process with ``model.generate`` and a token streamer.

    ``model``: a local directory, or the name of a model shipped in PyPI packages
    (:data:`models.llm.packaged.PACKAGED`; ``None`` = SmolLM2). ``languages``: the
    languages the model answers in (packaged models know theirs; else English).
    ``quantize``: ``"int8"`` (dynamic int8 Linear layers on CPU), ``None``, or ``"auto"``
    (int8 where the packaged model's entry says it is faster on CPU). ``device``: ``cpu``,
    ``cuda`` or ``auto``. ``seed`` makes sampling reproducible. Loading is blocking.
    """

    name = "transformers"
    # A trailing assistant message is continued, not answered (an opener already spoken).
    supports_prefill = True

    def __init__(
        self,
        model: str | Path | None = None,
        device: str = "auto",
        seed: int | None = None,
        repetition_penalty: float = 1.2,
        top_p: float = 0.9,
        prefix_cache: bool = True,
        quantize: str | None = "auto",
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from .packaged import DEFAULT_PACKAGED, PACKAGED, model_dir

        self.languages: tuple[str, ...] = ("en",)
        int8 = quantize == "int8"
        model = DEFAULT_PACKAGED if model is None else model
        if isinstance(model, str) and model in PACKAGED:
            path = model_dir(model)  # a model shipped in PyPI packages, by name
            self.languages = PACKAGED[model].languages
            int8 = int8 or (quantize == "auto" and PACKAGED[model].cpu_int8)
        else:
            path = Path(model).expanduser()
            if not path.is_dir():
                raise InputError(f"model: {path} is not a local model directory")
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        t0 = time.perf_counter()
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(path)
            loaded: Any = AutoModelForCausalLM.from_pretrained(path)
            self.model: Any = loaded.to(device).eval()
            if int8 and device == "cpu":
                # int8 weights for every Linear layer: ~4x faster first sentence for the
                # 0.5B model on 2 CPU cores (bench_brain.speed), same replies in the set.
                self.model = torch.ao.quantization.quantize_dynamic(
                    self.model, {torch.nn.Linear}, dtype=torch.qint8)
        except (OSError, ValueError) as exc:
            raise VhumanError(f"model: cannot load {path}: {exc}") from exc
        if self.tokenizer.chat_template is None:
            raise InputError(f"model: {path} has no chat template in its tokenizer config")
        self.device = device
        self.path = path
        self.seed = seed
        self.repetition_penalty = repetition_penalty
        self.top_p = top_p
        self.load_seconds = time.perf_counter() - t0
        self.prefix_cache = prefix_cache
        self._prefix_caches: dict[tuple[int, ...], Any] = {}
        self._calls = 0
        self._lock = threading.Lock()  # one generation at a time per model
        log.info("loaded %s on %s in %.2f s", path, device, self.load_seconds)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this model's tokenizer (for API usage figures)."""
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def _prompt_ids(self, messages: list[LLMMessage], generation: bool = True) -> Any:
        prefill = generation and len(messages) > 1 and messages[-1]["role"] == "assistant"
        encoded = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=generation and not prefill,
            continue_final_message=prefill, return_tensors="pt", return_dict=True,
        )
        return encoded["input_ids"].to(self.device)

    def _prefix_cache(self, messages: list[LLMMessage], ids: Any) -> Any:
        """KV cache of the system prompt, computed once and copied per call.

        The persona's system prompt is the same for every chat message, so its prefill
        (~0.3 s for ~200 tokens on 2 CPU cores) is paid once instead of per reply.
        """
        if not self.prefix_cache or len(messages) < 2 or messages[0]["role"] != "system":
            return None
        prefix = self._prompt_ids(messages[:1], generation=False)
        n = prefix.shape[1]
        if n >= ids.shape[1] or not bool((ids[0, :n] == prefix[0]).all()):
            return None
        key = tuple(prefix[0].tolist())
        cache = self._prefix_caches.get(key)
        if cache is None:
            out = self.model(prefix, use_cache=True)
            cache = out.past_key_values
            if len(self._prefix_caches) >= 4:
                self._prefix_caches.pop(next(iter(self._prefix_caches)))
            self._prefix_caches[key] = cache
        return copy.deepcopy(cache)

    def warmup(self, system_prompt: str | None = None) -> None:
        """Run one tiny generation so the first viewer does not pay for lazy init; with
        ``system_prompt``, also fill its prefix KV cache now (the persona's prompt)."""
        import torch

        with self._lock, torch.inference_mode():
            msgs: list[LLMMessage] = [{"role": "user", "content": "Hi"}]
            if system_prompt:
                msgs.insert(0, {"role": "system", "content": system_prompt})
            ids = self._prompt_ids(msgs)
            if system_prompt:
                self._prefix_cache(msgs, ids)
            self.model.generate(ids, max_new_tokens=2, do_sample=False,
                                attention_mask=torch.ones_like(ids),
                                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)

    def _generate(
        self,
        messages: list[LLMMessage],
        max_tokens: int,
        temperature: float,
        push: Push,
        cancel: threading.Event,
    ) -> None:
        """Blocking generation; every decoded piece goes through ``push`` (thread-safe)."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextStreamer

        class _Streamer(TextStreamer):
            def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
                if text:
                    push(text)

        class _Cancel(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kw: Any) -> Any:
                return torch.full((input_ids.shape[0],), cancel.is_set(), dtype=torch.bool)

        with self._lock, torch.inference_mode():
            ids = self._prompt_ids(messages)
            if self.seed is not None:  # reproducible run, yet each call differs
                torch.manual_seed(self.seed + self._calls)
            self._calls += 1
            sample = temperature > 0
            kwargs: dict[str, Any] = dict(
                max_new_tokens=max_tokens,
                do_sample=sample,
                repetition_penalty=self.repetition_penalty,
                streamer=_Streamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True),
                stopping_criteria=StoppingCriteriaList([_Cancel()]),
                attention_mask=torch.ones_like(ids),
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
            if sample:
                kwargs.update(temperature=temperature, top_p=self.top_p)
            try:
                cache = self._prefix_cache(messages, ids)
            except Exception as exc:  # caching is an optimization only
                log.debug("prefix cache unavailable: %s", exc)
                cache = None
            if cache is not None:
                kwargs["past_key_values"] = cache
            self.model.generate(ids, **kwargs)

    async def stream(
        self,
        messages: Sequence[LLMMessage],
        max_tokens: int = 96,
        temperature: float = 0.7,
        stop: Sequence[str] | None = None,
    ) -> AsyncIterator[str]:
        """Yield text pieces as the model writes them; stops at ``stop`` strings."""
        msgs = validate_messages(messages)
        if max_tokens < 1:
            raise InputError(f"max_tokens must be >= 1, got {max_tokens}")

        def generate(push: Push, cancel: threading.Event) -> None:
            self._generate(msgs, max_tokens, temperature, push, cancel)

        async for piece in stream_generation(generate, stop, "generation failed"):
            yield piece
