"""The LLM as span reader, against a real OpenAI-compatible server on loopback: its span
is kept only when copied from a passage; otherwise the extractive answer stands."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from vhuman.dialogue import KnowledgeBase, QAEngine
from vhuman.dialogue.llm_span_reader import locate, parse_reply
from vhuman.models.llm import get_llm


def _reader_app() -> FastAPI:
    """Finds the wanted phrase in the numbered passages; invents or abstains on cue."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request):  # type: ignore[no-untyped-def]
        body = await request.json()
        user = body["messages"][-1]["content"]
        passages = dict(re.findall(r"^\[(\d+)\] (.*)$", user, re.M))
        question = user.rsplit("Question:", 1)[-1].strip()
        reply = {"passage": 0, "answer": ""}
        if "mascot" in question:
            for n, text in passages.items():
                if "Lotte Engel" in text:
                    reply = {"passage": int(n), "answer": "Lotte Engel"}
        elif "shuttle" in question:
            reply = {"passage": 1, "answer": "every 3 minutes by helicopter"}  # not in a source
        content = json.dumps(reply)

        async def events():  # type: ignore[no-untyped-def]
            for piece in (content[:10], content[10:]):
                yield f"data: {json.dumps({'choices': [{'delta': {'content': piece}}]})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


@pytest.fixture(scope="module")
def reader_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(_reader_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=10)


def test_llm_span_kept_when_copied_from_a_passage(sample_kb: KnowledgeBase, reader_url: str) -> None:
    qa = QAEngine(sample_kb, llm=get_llm("openai", base_url=reader_url), llm_reader=True)
    qa._rephrase = _keep  # type: ignore[method-assign]  # the reader alone is under test
    a = asyncio.run(qa.answer_async("Who designed the mascot?"))
    assert a.answered and a.method == "llm" and a.short == "Lotte Engel"
    assert " ".join(sample_kb.docs[a.span.doc]["text"][a.span.start : a.span.end].split()) == "Lotte Engel"
    assert "Lotte Engel" in a.text and a.sources[-1].doc == "mascot.md"


def test_invented_span_falls_back_and_abstention_refuses(sample_kb: KnowledgeBase, reader_url: str) -> None:
    qa = QAEngine(sample_kb, llm=get_llm("openai", base_url=reader_url), llm_reader=True)
    qa._rephrase = _keep  # type: ignore[method-assign]
    invented = qa.answer("How often do the shuttle buses run?")  # blocking path
    assert "helicopter" not in invented.text and invented.method == "extractive"
    refused = qa.answer("When is the speed skating final?")
    assert not refused.answered and refused.short == "" and "don't have" in refused.text


def test_reader_reply_parsing() -> None:
    assert parse_reply('Sure: {"passage": 2, "answer": "30 lanes"}') == (2, "30 lanes")
    assert parse_reply("no json here") is None
    assert parse_reply('{"passage": "x"}') is None
    assert locate("Lotte  Engel", "by 11-year-old lotte\nEngel.") == (15, 26)
    assert locate("Bob Smith", "by Lotte Engel") is None and locate(" , ", "a , b") is None


async def _keep(question: str, result):  # type: ignore[no-untyped-def]
    return result.text
