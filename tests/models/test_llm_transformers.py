"""Local transformers backend, on a tiny random-weight chat model built by the test."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from vhuman.models.llm import LLMBackend, StopScanner, get_llm
from vhuman.models.llm.testing import build_tiny_chat_model
from vhuman.models.types import InputError

MESSAGES = [
    {"role": "system", "content": "You are a cheerful host."},
    {"role": "user", "content": "Hello there!"},
]


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory: pytest.TempPathFactory) -> LLMBackend:
    path = build_tiny_chat_model(tmp_path_factory.mktemp("tiny-llm"), seed=0)
    return get_llm("transformers", model=path, seed=0, device="cpu")


async def _collect(llm: LLMBackend, **kw: object) -> list[str]:
    return [p async for p in llm.stream(MESSAGES, **kw)]  # type: ignore[arg-type]


def test_streams_pieces_within_token_cap(tiny_llm: LLMBackend) -> None:
    pieces = asyncio.run(_collect(tiny_llm, max_tokens=12, temperature=0.0))
    assert isinstance(tiny_llm, LLMBackend)
    assert len(pieces) >= 2, "text should arrive in several pieces, not all at once"
    short = "".join(asyncio.run(_collect(tiny_llm, max_tokens=4, temperature=0.0)))
    assert short and len(short) < len("".join(pieces))  # the cap cuts the same text earlier


def test_greedy_is_deterministic_and_prefix_cache_changes_nothing(tiny_llm: LLMBackend) -> None:
    tiny_llm.prefix_cache = True
    cached = "".join(asyncio.run(_collect(tiny_llm, max_tokens=16, temperature=0.0)))
    tiny_llm.prefix_cache = False
    plain = "".join(asyncio.run(_collect(tiny_llm, max_tokens=16, temperature=0.0)))
    tiny_llm.prefix_cache = True
    assert cached == plain and cached.strip()


def test_stop_string_cuts_stream(tiny_llm: LLMBackend) -> None:
    full = "".join(asyncio.run(_collect(tiny_llm, max_tokens=16, temperature=0.0)))
    stop = full.strip()[3:6]
    cut = "".join(asyncio.run(_collect(tiny_llm, max_tokens=16, temperature=0.0, stop=[stop])))
    assert stop not in cut and full.startswith(cut)


def test_consumer_break_stops_generation_quickly(tiny_llm: LLMBackend) -> None:
    async def first_piece() -> float:
        t0 = time.perf_counter()
        async for _ in tiny_llm.stream(MESSAGES, max_tokens=900, temperature=0.7):
            break
        return time.perf_counter() - t0

    assert asyncio.run(first_piece()) < 5.0
    # the model lock was released: a new call still works
    assert asyncio.run(_collect(tiny_llm, max_tokens=3, temperature=0.0))


def test_bad_inputs_raise_clear_errors(tiny_llm: LLMBackend, tmp_path) -> None:
    with pytest.raises(InputError, match="role"):
        asyncio.run(_collect_bad(tiny_llm, [{"role": "wizard", "content": "x"}]))
    with pytest.raises(InputError, match="at least one"):
        asyncio.run(_collect_bad(tiny_llm, []))
    with pytest.raises(InputError, match="not a local model directory"):
        get_llm("transformers", model=tmp_path / "missing")
    with pytest.raises(InputError, match="unknown LLM backend"):
        get_llm("gpt9000")


async def _collect_bad(llm: LLMBackend, messages: list) -> list[str]:
    return [p async for p in llm.stream(messages)]


def test_stop_scanner_handles_stops_split_across_pieces() -> None:
    scanner = StopScanner(["<|im_end|>"])
    out = [scanner.feed(p) for p in ["Hello <|im", "_end|> more"]]
    assert "".join(out) == "Hello " and scanner.stopped
    scanner = StopScanner(["\n\n"])
    assert scanner.feed("a\n") == "a" and scanner.feed("b") == "\nb"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("VHUMAN_TEST_REAL_MODELS") != "1",
                    reason="set VHUMAN_TEST_REAL_MODELS=1 to load the packaged SmolLM2")
def test_real_smollm2_replies_in_english() -> None:
    llm = get_llm("transformers", seed=0)
    text = "".join(asyncio.run(_collect(llm, max_tokens=24, temperature=0.0)))
    assert sum(ch.isalpha() for ch in text) > 10
