"""Viewer chat: HTTP post and WebSocket, per show (the default show has short aliases)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect, status
from fastapi.responses import JSONResponse

from models.types import InputError

from ...chat.limits import RateLimiter
from ...chat.message import ChatMessage, clean_viewer_name
from ..auth import extract_key, identify
from ..deps import State, Viewer, get_session
from ..schemas import ChatIn, ChatOut
from ..state import AppState, ShowSession, ViewerSocket

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

# Dropped messages get a 4xx that says why; accepted ones 202.
_STATUS = {"rate_limited": 429, "duplicate": 409, "moderated": 422, "empty": 422,
           "too_long": 413, "full": 503}


async def _post(state: AppState, session: ShowSession, body: ChatIn,
                client: str) -> JSONResponse:
    if not state.http_chat_limits.allow(client):
        raise HTTPException(429, "too many chat messages from this address; slow down")
    try:
        viewer = clean_viewer_name(body.viewer)
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None
    message = ChatMessage(viewer=viewer, text=body.text, source="http", gift=body.gift,
                          client_ref=body.ref)
    decision = await state.submit_chat(session, message)
    out = ChatOut(accepted=decision.accepted, id=message.store_id, reason=decision.reason,
                  detail=decision.detail, priority=message.priority if decision.accepted
                  else None)
    code = 202 if decision.accepted else _STATUS.get(decision.reason, 400)
    return JSONResponse(out.model_dump(), status_code=code)


@router.post("/v1/shows/{show_id}/chat", response_model=ChatOut, status_code=202)
async def post_chat(show_id: str, body: ChatIn, state: State, _: Viewer,
                    request: Request) -> JSONResponse:
    """Send one chat message (moderated, rate-limited, durably logged before the 202)."""
    return await _post(state, get_session(show_id, state), body, _client(request))


@router.post("/v1/chat", response_model=ChatOut, status_code=202)
async def post_chat_default(body: ChatIn, state: State, _: Viewer,
                            request: Request) -> JSONResponse:
    """Chat with the default show."""
    return await _post(state, get_session(state.settings.default_show, state), body,
                       _client(request))


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _parse_frame(raw: str, limit: int) -> dict[str, Any]:
    if len(raw.encode("utf-8", errors="replace")) > limit:
        raise InputError(f"message larger than {limit} bytes")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON at column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object like {\"text\": \"hi\"}")
    return data


async def _chat_socket(ws: WebSocket, state: AppState, show_id: str) -> None:
    key = extract_key(ws.headers.get("authorization"), ws.headers.get("x-api-key"),
                      ws.query_params.get("key"))
    principal = identify(state.settings, key)
    session = state.sessions.get(show_id)
    if principal is None or not principal.may("viewer"):
        await ws.close(code=status.WS_1008_POLICY_VIOLATION, reason="missing or unknown API key")
        return
    if session is None:
        await ws.close(code=4404, reason=f"no show {show_id!r}")
        return
    name = ws.query_params.get("viewer")
    await ws.accept()
    outbox = ViewerSocket(ws.send_json)
    session.viewers.add(outbox)
    pump = asyncio.create_task(outbox.pump())
    state.metrics.set("vhuman_ws_connections", sum(len(s.viewers) for s in
                                                   state.sessions.values()))
    errors = flooded = 0
    limits = RateLimiter(state.settings.ws_rate_burst, state.settings.ws_rate_per_s)
    bound: str | None = None  # one viewer name per connection: no name rotation
    try:
        while True:
            raw = await ws.receive_text()
            try:
                if not limits.allow("conn"):
                    flooded += 1
                    if flooded > 500:
                        await ws.close(code=status.WS_1008_POLICY_VIOLATION,
                                       reason="flooding")
                        return
                    outbox.offer({"type": "error", "ref": None,
                                  "detail": "too many messages on this connection; slow down"})
                    continue
                data = _parse_frame(raw, state.settings.ws_max_message_bytes)
                viewer = clean_viewer_name(data.get("viewer") or bound or name or "")
                if bound is not None and viewer != bound:
                    raise InputError(f"viewer: this connection chats as {bound!r}")
                bound = viewer
                body = ChatIn(viewer=viewer, text=str(data.get("text", "")),
                              gift=float(data.get("gift", 0) or 0), ref=data.get("ref"))
            except (InputError, ValueError, TypeError) as exc:
                errors += 1
                outbox.offer({"type": "error", "detail": str(exc).splitlines()[0][:300],
                              "ref": None})
                if errors > 20:
                    await ws.close(code=status.WS_1008_POLICY_VIOLATION,
                                   reason="too many malformed messages")
                    return
                continue
            message = ChatMessage(viewer=body.viewer, text=body.text, source="ws",
                                  gift=body.gift, client_ref=body.ref)
            decision = await state.submit_chat(session, message)
            outbox.offer({"type": "ack", "ref": body.ref, "accepted": decision.accepted,
                          "reason": decision.reason, "detail": decision.detail,
                          "id": message.store_id})
    except WebSocketDisconnect:
        pass
    finally:
        session.viewers.discard(outbox)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
        state.metrics.set("vhuman_ws_connections", sum(len(s.viewers) for s in
                                                       state.sessions.values()))


@router.websocket("/v1/shows/{show_id}/chat/ws")
async def chat_socket(ws: WebSocket, show_id: str) -> None:
    """Chat over a WebSocket: send ``{"text", "viewer"?, "gift"?, "ref"?}``; receive
    ``ack`` for your messages, and ``chat`` / ``reply`` events of the whole show."""
    await _chat_socket(ws, ws.app.state.vhuman, show_id)


@router.websocket("/v1/chat/ws")
async def chat_socket_default(ws: WebSocket) -> None:
    state: AppState = ws.app.state.vhuman
    await _chat_socket(ws, state, state.settings.default_show)
