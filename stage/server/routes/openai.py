"""OpenAI-compatible ``POST /v1/chat/completions`` and ``GET /v1/models``, so the official
``openai`` client (``base_url=...``) and other tools can talk to the character.

The last user message goes to the default show's brain, with the same input moderation
and output check as viewer chat. Earlier turns are the conversation; the client's system
messages are notes under the persona, which stays the system prompt. ``max_tokens``,
``stop`` and ``temperature`` are honoured, ``usage`` counts model tokens, and
``stream_options.include_usage`` adds the usage chunk. ``user`` names the viewer; a
caller without it stays anonymous (its key label is never spoken). Errors are
OpenAI-shaped: ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute

from vhuman.dialogue.moderation import scrub_private
from vhuman.dialogue.reply import ReplyContext, ReplyStream

from ...store.base import ShowEvent
from ..deps import State, Viewer, rate_limited
from ..schemas import ChatCompletionIn

log = logging.getLogger(__name__)

_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "not_found_error", 413: "invalid_request_error", 422: "invalid_request_error",
          429: "rate_limit_error", 503: "service_unavailable"}


def openai_error(status: int, message: str, param: str | None = None,
                 code: str | None = None) -> JSONResponse:
    """An error in the shape OpenAI clients parse."""
    body = {"error": {"message": message, "type": _TYPES.get(status, "api_error"),
                      "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


class OpenAIRoute(APIRoute):
    """Routes whose errors (auth, validation, HTTP) come back OpenAI-shaped."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as exc:
                detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
                response = openai_error(exc.status_code, detail)
                for key, value in (exc.headers or {}).items():
                    response.headers[key] = value
                return response
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                loc = [str(p) for p in first.get("loc", ()) if p != "body"]
                return openai_error(400, f"{'.'.join(loc) or 'body'}: {first.get('msg', 'invalid')}",
                                    param=".".join(loc) or None, code="invalid_value")
        return route


router = APIRouter(tags=["openai"], route_class=OpenAIRoute)


def _text(content: Any) -> str:
    if isinstance(content, list):  # content parts: keep the text ones
        return " ".join(str(p.get("text", "")) for p in content
                        if isinstance(p, dict) and p.get("type") == "text").strip()
    return str(content or "").strip()


def _conversation(body: ChatCompletionIn) -> tuple[str, ReplyContext]:
    """The last user message, and the earlier turns and system notes around it."""
    last = max((i for i, m in enumerate(body.messages) if m.role == "user" and _text(m.content)),
               default=None)
    if last is None:
        raise HTTPException(400, "messages: needs at least one non-empty 'user' message")
    context = ReplyContext()
    for message in body.messages[:last]:
        text = _text(message.content)
        if not text:
            continue
        if message.role in ("system", "developer"):
            context.notes.append(text)
        elif message.role == "user":
            context.history.append(("viewer", text))
        elif message.role == "assistant":
            context.history.append(("host", text))
    return _text(body.messages[last].content), context


def _brain(state: State) -> ReplyStream:
    session = state.sessions.get(state.settings.default_show)
    if session is None or session.responder is None:
        raise HTTPException(503, "no dialogue brain configured")
    return session.responder.brain


def _token_counter(brain: ReplyStream) -> Callable[[str], int]:
    """The brain's model's own token count when it has one, else words and marks."""
    count = getattr(getattr(brain, "llm", None), "count_tokens", None)  # optional on a backend
    if callable(count):
        return count  # type: ignore[no-any-return]
    return lambda text: len(re.findall(r"\w+|[^\w\s]", text))


def _stops(body: ChatCompletionIn) -> list[str]:
    stop = getattr(body, "stop", None)
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or len(stops) > 4 or not all(isinstance(s, str) and s for s in stops):
        raise HTTPException(400, "stop: up to 4 non-empty strings")
    return stops


def _option(body: ChatCompletionIn, name: str, kind: type, low: float, high: float) -> Any:
    value = getattr(body, name, None)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise HTTPException(400, f"{name}: must be a number from {low} to {high}")
    return kind(value)


@router.get("/v1/models")
async def list_models(state: State, _: Viewer) -> dict[str, Any]:
    """The characters this server can talk as (one per show), OpenAI-shaped."""
    created = int(time.time())
    names = list(state.sessions) or [state.settings.default_show]
    data = [{"id": "vhuman", "object": "model", "created": created, "owned_by": "vhuman"}]
    data += [{"id": n, "object": "model", "created": created, "owned_by": "vhuman"}
             for n in names if n != "vhuman"]
    return {"object": "list", "data": data}


@router.post("/v1/chat/completions", response_model=None,
             dependencies=[Depends(rate_limited("completions"))])
async def chat_completions(body: ChatCompletionIn, state: State,
                           caller: Viewer) -> StreamingResponse | dict[str, Any]:
    """Talk to the character; with ``stream: true`` sentences arrive as SSE chunks."""
    text, context = _conversation(body)
    if len(text) > state.settings.chat_max_chars * 4:
        raise HTTPException(413, "user message too long")
    n = getattr(body, "n", None)
    if n not in (None, 1):
        raise HTTPException(400, "n: only one choice per request is supported")
    context.temperature = _option(body, "temperature", float, 0.0, 2.0)
    max_tokens = body.max_tokens or _option(body, "max_completion_tokens", int, 1, 4096)
    context.max_tokens = max_tokens
    stops = _stops(body)
    brain = _brain(state)
    count = _token_counter(brain)
    viewer = body.user or None  # never the caller's key label: it would be read aloud
    cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    prompt_tokens = sum(count(_text(m.content)) for m in body.messages)
    state_out = {"finish": "stop", "tokens": 0, "source": ""}

    async def logged(reply: str) -> None:
        """A ``completion`` event in the show log: who asked what, what answered, the reply."""
        data = {"event": "completion", "viewer": viewer, "answered": scrub_private(text)[:500],
                "source": state_out["source"] or "dropped", "text": reply,
                "finish": state_out["finish"]}
        try:
            await asyncio.to_thread(state.store.add_show_event,
                                    ShowEvent(state.settings.default_show, "completion", data))
        except Exception:  # noqa: BLE001 - the log must not fail the answer
            log.exception("could not log a completion")

    async def pieces() -> AsyncIterator[str]:
        """Reply text piece by piece, cut at a stop string or at ``max_tokens``."""
        said = ""
        async for sentence in brain.reply_stream(text, viewer, opener=False, context=context):
            piece = sentence.text.strip()
            if not piece:
                continue
            if not state_out["source"] or state_out["source"] == "opener":
                state_out["source"] = sentence.source  # what answered (an opener only acknowledges)
            piece = piece if not said else " " + piece
            candidate = said + piece
            hit = min((candidate.find(s) for s in stops if s in candidate), default=-1)
            if hit >= 0:
                piece = candidate[:hit][len(said):]
                if piece:
                    yield piece
                return
            if max_tokens and count(candidate.strip()) > max_tokens:
                words = piece.split(" ")
                while words and count((said + " ".join(words)).strip()) > max_tokens:
                    words.pop()
                state_out["finish"] = "length"
                if words and " ".join(words).strip():
                    yield " ".join(words)
                return
            said = candidate
            yield piece

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        payload = {"id": cid, "object": "chat.completion.chunk", "created": created,
                   "model": body.model, "choices": [{"index": 0, "delta": delta,
                                                     "finish_reason": finish}]}
        return f"data: {json.dumps(payload)}\n\n"

    def usage(reply: str) -> dict[str, int]:
        completion = count(reply) if reply else 0
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                "total_tokens": prompt_tokens + completion}

    if body.stream:
        options = getattr(body, "stream_options", None) or {}
        include_usage = bool(options.get("include_usage")) if isinstance(options, dict) else False

        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            reply = ""
            async for piece in pieces():
                reply += piece
                yield chunk({"content": piece})
            yield chunk({}, str(state_out["finish"]))
            await logged(reply)
            if include_usage:
                payload = {"id": cid, "object": "chat.completion.chunk", "created": created,
                           "model": body.model, "choices": [], "usage": usage(reply)}
                yield f"data: {json.dumps(payload)}\n\n"
            yield "data: [DONE]\n\n"
        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})
    reply = "".join([p async for p in pieces()])
    await logged(reply)
    return {"id": cid, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                         "finish_reason": state_out["finish"]}],
            "usage": usage(reply)}
