"""Any OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama) by URL, streamed.

This is how operators scale past one machine: ``get_llm("openai",
base_url="http://gpu-box:8000/v1", model="Qwen2.5-7B-Instruct")``. Server-sent events are
parsed as they arrive; timeouts and connection failures become :class:`LLMError`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from vhuman.models.types import InputError

from .base import LLMError, LLMMessage, validate_messages
from .stops import stop_at

log = logging.getLogger(__name__)


class OpenAILLM:
    """Client for ``POST {base_url}/chat/completions`` with ``stream: true``.

    ``timeout`` bounds connecting and each wait for the next piece (seconds).
    ``api_key`` defaults to ``$OPENAI_API_KEY`` when set (local servers need none).
    ``prefill``: the server continues a trailing assistant message (vLLM with
    ``continue_final_message``, llama.cpp server, Ollama); off, callers put such context in
    the user turn instead.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000/v1",
        model: str = "default",
        api_key: str | None = None,
        timeout: float = 10.0,
        prefill: bool = False,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InputError(f"base_url must start with http:// or https://, got {base_url!r}")
        if timeout <= 0:
            raise InputError(f"timeout must be > 0, got {timeout}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.timeout = timeout
        self.supports_prefill = prefill

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    async def stream(
        self,
        messages: Sequence[LLMMessage],
        max_tokens: int = 96,
        temperature: float = 0.7,
        stop: Sequence[str] | None = None,
    ) -> AsyncIterator[str]:
        """Yield content deltas as the server sends them."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": validate_messages(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        if self.supports_prefill and body["messages"][-1]["role"] == "assistant":
            body.update(continue_final_message=True, add_generation_prompt=False)  # vLLM
        if stop:
            body["stop"] = list(stop)[:4]  # the OpenAI API accepts at most 4
        url = f"{self.base_url}/chat/completions"
        try:
            async with httpx.AsyncClient(timeout=httpx.Timeout(self.timeout)) as client:
                async with client.stream("POST", url, json=body, headers=self._headers()) as resp:
                    if resp.status_code != 200:
                        detail = (await resp.aread())[:300].decode("utf-8", "replace")
                        raise LLMError(f"LLM server {url} answered {resp.status_code}: {detail}")
                    # servers differ in honouring "stop": it is enforced here too
                    async for text in stop_at(_pieces(resp), stop):
                        yield text
        except httpx.TimeoutException as exc:
            raise LLMError(f"LLM server {url} timed out after {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"LLM server {url} unreachable: {type(exc).__name__}: {exc}") from exc


async def _pieces(resp: httpx.Response) -> AsyncIterator[str]:
    """Content pieces from an SSE stream, or from a plain JSON answer if the server sent one."""
    if "application/json" in resp.headers.get("content-type", ""):
        data = json.loads(await resp.aread())
        content = _first_choice(data).get("message", {}).get("content") or ""
        if content:
            yield content
        return
    async for line in resp.aiter_lines():
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            data = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise LLMError(f"LLM server sent a malformed event: {payload[:120]!r}") from exc
        if "error" in data:
            raise LLMError(f"LLM server error: {data['error']}")
        content = _first_choice(data).get("delta", {}).get("content")
        if content:
            yield content


def _first_choice(data: Any) -> dict[str, Any]:
    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices or not isinstance(choices[0], dict):
        raise LLMError(f"LLM server answer has no choices: {str(data)[:120]!r}")
    return choices[0]
