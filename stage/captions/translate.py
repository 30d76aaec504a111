"""Captions translated into a second language by a chat model.

:class:`CaptionTranslator` turns a caption's text into ``target`` with any
:class:`~vhuman.models.llm.base.LLMBackend`: an OpenAI-compatible chat server by URL (vLLM,
llama.cpp server, Ollama, or another vhuman's ``/v1/chat/completions``) or the packaged
chat model. It is small on purpose: one system prompt, greedy decoding, the answer's
first line, a bounded cache (a caption seen twice — live and in the file — is translated
once). A failure, an empty answer or a decoding loop gives ``None``: the caption simply
has no translation, nothing waits on it. Text already in the target language is kept as is.

Live, :class:`TranslationQueue` translates final cues one at a time on the event loop
in the order they were said, dropping the oldest when the model falls far behind (a
translation that arrives after its caption is gone helps nobody).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from vhuman.models.text.language import LANGUAGE_NAMES, language_name
from vhuman.models.types import InputError

from .track import Cue

log = logging.getLogger(__name__)

SYSTEM = "You are a subtitle translator for live television."
PROMPT = "Translate from {source} to {target}. Reply with the {target} text only.\n" \
         "{source}: {text}\n{target}:"


class Translator(Protocol):
    """What captions need of a translator."""

    target: str

    async def translate(self, text: str, source: str) -> str | None: ...


class CaptionTranslator:
    """A chat model as a caption translator (see the module docstring)."""

    def __init__(self, llm: Any, target: str, *, max_tokens: int = 96,
                 cache_size: int = 512) -> None:
        target = (target or "").strip().lower()
        if target not in LANGUAGE_NAMES:
            raise InputError(f"caption translation: unknown language {target!r}; one of "
                             f"{', '.join(sorted(LANGUAGE_NAMES))}")
        self.llm, self.target, self.max_tokens = llm, target, max_tokens
        self._cache: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        self._cache_size = cache_size
        self.calls = 0
        self.failures = 0
        self.seconds = 0.0
        """Time spent waiting on the model, all calls together."""

    async def translate(self, text: str, source: str) -> str | None:
        """``text`` (in ``source``) in the target language; None when it cannot be had."""
        text = " ".join(text.split())
        if not text:
            return None
        if source == self.target:
            return text
        key = (source, text)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        target = language_name(self.target)
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": PROMPT.format(
                        source=language_name(source), target=target, text=text)}]
        t0 = time.perf_counter()
        self.calls += 1
        try:
            pieces = [p async for p in self.llm.stream(messages, max_tokens=self.max_tokens,
                                                       temperature=0.0)]
            answer = _first_line("".join(pieces), target)
            if answer is not None and _RUNAWAY.search(answer):
                log.warning("caption translation ran away (%r…); not shown", answer[:24])
                self.failures += 1
                answer = None
        except Exception as exc:  # noqa: BLE001 - a missing translation is not an error on air
            self.failures += 1
            log.warning("caption translation failed: %s", exc)
            return None
        finally:
            self.seconds += time.perf_counter() - t0
        self._cache[key] = answer
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return answer

    def translate_now(self, text: str, source: str) -> str | None:
        """:meth:`translate` from synchronous code (a recorder closing); on a thread that
        runs an event loop it waits on a helper thread instead."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.translate(text, source))
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self.translate(text, source)).result()


_RUNAWAY = re.compile(r"(\S)\1{9,}")
"""Ten of one character in a row: a small model's decoding loop ("¡¡¡¡¡¡¡¡¡¡…"), not text."""


def _first_line(answer: str, target: str) -> str | None:
    """The translation in a model's answer: its first non-empty line, without quotes or a
    leading ``Spanish:``."""
    for line in answer.strip().splitlines():
        line = line.strip()
        if line.lower().startswith(target.lower() + ":"):
            line = line[len(target) + 1:]
        line = line.strip().strip('"“”«»').strip()
        if line:
            return line
    return None


def translator_from(url: str | None, target: str | None, *, model: str = "default",
                    timeout_s: float = 10.0) -> CaptionTranslator | None:
    """A translator into ``target`` (None: no translation), through the chat server at
    ``url`` (OpenAI-compatible, ``…/v1``) or else the packaged chat model."""
    if not target:
        return None
    from vhuman.models.llm import default_llm, get_llm

    llm = get_llm("openai", base_url=url, model=model, timeout=timeout_s) if url \
        else default_llm()
    return CaptionTranslator(llm, target)


_configured: dict[str, CaptionTranslator | None] = {}
_configured_lock = threading.Lock()


def configured_translator() -> CaptionTranslator | None:
    """The process's caption translator from its settings, made once:
    ``$VHUMAN_CAPTION_LANGUAGE`` (the second language; unset: no translation),
    ``$VHUMAN_CAPTION_TRANSLATOR_URL`` (an OpenAI-compatible server's ``…/v1``; unset:
    the packaged chat model) and ``$VHUMAN_CAPTION_TRANSLATOR_MODEL`` (its model name).
    Live captions and every recording's second caption track use it."""
    key = "|".join(os.environ.get(f"VHUMAN_CAPTION_{name}", "")
                   for name in ("LANGUAGE", "TRANSLATOR_URL", "TRANSLATOR_MODEL"))
    with _configured_lock:
        if key not in _configured:
            target, url, model = key.split("|")
            _configured[key] = translator_from(url or None, target or None,
                                               model=model or "default")
        return _configured[key]


class TranslationQueue:
    """Translates cues one at a time on the event loop; each result goes to ``sink`` as a
    ``caption_translation`` event. ``submit`` may be called from any thread."""

    def __init__(self, translator: Translator, sink: Callable[[dict[str, Any]], object],
                 loop: asyncio.AbstractEventLoop, *, max_waiting: int = 8) -> None:
        self.translator, self.sink, self.loop = translator, sink, loop
        self.max_waiting = max_waiting
        self._waiting: asyncio.Queue[tuple[Cue, float]] | None = None
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.dropped = 0
        self.handled = 0
        """Cues taken from the queue (translated or not)."""
        self.delays: list[float] = []
        """Seconds from submit to the translated event, the latest 200."""

    def submit(self, cue: Cue) -> None:
        self.loop.call_soon_threadsafe(self._put, cue, time.monotonic())

    def _put(self, cue: Cue, at: float) -> None:
        if self._waiting is None:
            self._waiting = asyncio.Queue()
            self._task = self.loop.create_task(self._run(), name="caption-translation")
        while self._waiting.qsize() >= self.max_waiting:
            self._waiting.get_nowait()
            self.dropped += 1
        self._waiting.put_nowait((cue, at))

    async def _run(self) -> None:
        assert self._waiting is not None
        while True:
            cue, at = await self._waiting.get()
            text = await self.translator.translate(cue.text.replace("\n", " "), cue.language)
            self.handled += 1
            if not text:
                continue
            event = {"type": "caption_translation", "language": self.translator.target,
                     "source_language": cue.language, "text": text,
                     "start": round(cue.start, 3), "end": round(cue.end, 3),
                     "speaker": cue.speaker, "role": cue.role, "line": cue.line,
                     **({"id": cue.id} if cue.id else {})}
            try:
                self.sink(event)
                self.sent += 1
                self.delays = [*self.delays[-199:], time.monotonic() - at]
            except Exception as exc:  # noqa: BLE001 - the socket went away
                log.warning("translated caption not sent: %s", exc)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
