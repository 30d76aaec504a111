"""OpenAI-compatible backend against a real uvicorn server on loopback (streaming SSE)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from vhuman.dialogue import Brain, Memory
from vhuman.models.llm import LLMError, get_llm


def _app() -> FastAPI:
    """A minimal OpenAI-compatible server: echoes the last user message, word by word."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request):  # type: ignore[no-untyped-def]
        body = await request.json()
        if request.headers.get("authorization") not in (None, "Bearer secret"):
            return JSONResponse({"error": "bad key"}, status_code=401)
        last = body["messages"][-1]["content"]
        reply = f"You said: {last}. Great question!"
        if body.get("continue_final_message"):  # a prefilled assistant turn is continued
            reply = "and I think so. Snow is fun!"
        if "slow" in last:
            await asyncio.sleep(3.0)
        if not body.get("stream"):
            return {"choices": [{"message": {"role": "assistant", "content": reply}}]}

        async def events():  # type: ignore[no-untyped-def]
            for word in reply.split(" ")[: body.get("max_tokens", 100)]:
                chunk = {"choices": [{"delta": {"content": word + " "}, "index": 0}]}
                yield f"data: {json.dumps(chunk)}\n\n"
                await asyncio.sleep(0.005)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "test server did not start"
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=10)


def _run(llm, text: str, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    async def go() -> list[str]:
        msgs = [{"role": "user", "content": text}]
        return [p async for p in llm.stream(msgs, **kw)]

    return asyncio.run(go())


def test_streams_from_real_http_server(server_url: str) -> None:
    llm = get_llm("openai", base_url=server_url, model="echo")
    pieces = _run(llm, "hello Vivi")
    assert len(pieces) >= 4
    assert "".join(pieces).strip() == "You said: hello Vivi. Great question!"


def test_stop_and_max_tokens_are_honoured(server_url: str) -> None:
    llm = get_llm("openai", base_url=server_url, model="echo")
    assert "".join(_run(llm, "hello", stop=["Great"])).strip() == "You said: hello."
    assert len(_run(llm, "one two three four", max_tokens=2)) == 2


def test_timeout_is_a_clear_error(server_url: str) -> None:
    llm = get_llm("openai", base_url=server_url, timeout=0.5)
    with pytest.raises(LLMError, match="timed out"):
        _run(llm, "be slow please")


def test_unreachable_server_is_a_clear_error() -> None:
    llm = get_llm("openai", base_url=f"http://127.0.0.1:{_free_port()}/v1", timeout=2.0)
    with pytest.raises(LLMError, match="unreachable"):
        _run(llm, "hello")


def test_http_error_status_is_reported(server_url: str) -> None:
    llm = get_llm("openai", base_url=server_url, api_key="wrong")
    with pytest.raises(LLMError, match="401"):
        _run(llm, "hello")


def test_brain_falls_back_in_character_when_server_is_down() -> None:
    llm = get_llm("openai", base_url=f"http://127.0.0.1:{_free_port()}/v1", timeout=1.0)
    brain = Brain(llm=llm, memory=Memory())
    reply = asyncio.run(brain.reply("Tell me about snowboarding", viewer="Kim"))
    assert reply.source in ("template", "fallback")  # greeting first, then the fallback line
    assert reply.items[-1].source == "fallback"
    assert "again" in reply.items[-1].text.lower()


def test_brain_speaks_server_reply(server_url: str) -> None:
    brain = Brain(llm=get_llm("openai", base_url=server_url), opener=False)
    reply = asyncio.run(brain.reply("Tell me about the snow today"))
    assert reply.source == "llm"
    assert reply.sentences[-1] == "Great question!"


def test_opener_reaches_servers_with_and_without_prefill(server_url: str) -> None:
    plain = Brain(llm=get_llm("openai", base_url=server_url), seed=3)
    reply = asyncio.run(plain.reply("Do you think the snow is good today?", viewer="Kim"))
    assert reply.items[0].source == "opener" and "Kim" in reply.items[0].text
    assert reply.source == "llm"
    # No prefill: the user turn (echoed back) tells the model what was already said; the
    # reply judge keeps that echoed instruction off air.
    assert any("already said" in text for text, _ in plain.last_refused)
    assert not any("already said" in s for s in reply.sentences)
    prefilled = Brain(llm=get_llm("openai", base_url=server_url, prefill=True), seed=3)
    reply = asyncio.run(prefilled.reply("Do you think the snow is good today?", viewer="Kim"))
    assert reply.items[0].source == "opener"
    # the model continues the spoken opener; a lower-case piece after a finished opener
    # ("Good question, Kim! and I think so.") is a fragment and stays off air
    assert reply.sentences[1:] == ["Snow is fun!"]
    assert any(text == "and I think so." for text, _ in prefilled.last_refused)


def test_default_brain_uses_configured_server(server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VHUMAN_LLM_URL", server_url)
    reply = asyncio.run(Brain(opener=False).reply("Tell me about the snow today"))
    assert reply.source == "llm" and reply.sentences[-1] == "Great question!"
