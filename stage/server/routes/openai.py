"""OpenAI-compatible ``POST /v1/chat/completions`` (streaming or not), so existing
tools and clients can talk to the character. The last user message goes to the brain of
the default show; ``user`` names the viewer."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from ..deps import State, Viewer
from ..schemas import ChatCompletionIn

router = APIRouter(tags=["openai"])


def _last_user_text(body: ChatCompletionIn) -> str:
    for message in reversed(body.messages):
        if message.role == "user":
            content = message.content
            if isinstance(content, list):  # content parts: keep the text ones
                content = " ".join(str(p.get("text", "")) for p in content
                                   if p.get("type") == "text")
            if content and str(content).strip():
                return str(content).strip()
    raise HTTPException(422, "messages: needs at least one non-empty 'user' message")


def _brain(state: State) -> Any:
    session = state.sessions.get(state.settings.default_show)
    if session is None or session.responder is None:
        raise HTTPException(503, "no dialogue brain configured")
    return session.responder.brain


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(body: ChatCompletionIn, state: State,
                           caller: Viewer) -> StreamingResponse | dict[str, Any]:
    """Talk to the character; with ``stream: true`` sentences arrive as SSE chunks."""
    text = _last_user_text(body)
    if len(text) > state.settings.chat_max_chars * 4:
        raise HTTPException(413, "user message too long")
    brain = _brain(state)
    viewer = body.user or caller.name
    cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())

    async def sentences() -> AsyncIterator[str]:
        async for sentence in brain.reply_stream(text, viewer):
            piece = str(getattr(sentence, "text", sentence)).strip()
            if piece:
                yield piece

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        payload = {"id": cid, "object": "chat.completion.chunk", "created": created,
                   "model": body.model, "choices": [{"index": 0, "delta": delta,
                                                     "finish_reason": finish}]}
        return f"data: {json.dumps(payload)}\n\n"

    if body.stream:
        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            first = True
            async for piece in sentences():
                yield chunk({"content": piece if first else " " + piece})
                first = False
            yield chunk({}, "stop")
            yield "data: [DONE]\n\n"
        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})
    reply = " ".join([p async for p in sentences()])
    prompt_tokens = sum(len(str(m.content or "").split()) for m in body.messages)
    completion_tokens = len(reply.split())
    return {"id": cid, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}
