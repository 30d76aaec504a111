"""Viewer chat: HTTP post and the one viewer chat socket, per show (the default show has
short aliases). The viewer page uses the same socket as any client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from vhuman.dialogue.moderation import RateLimiter
from vhuman.models.types import InputError

from ...chat.message import ChatMessage, clean_viewer_name
from ..auth import AccessDenied, Principal, authorize
from ..deps import State, Viewer, get_session
from ..errors import first_problem
from ..schemas import ChatIn, ChatOut
from ..sockets import ViewerSocket
from ..state import AppState, ShowSession

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

# Dropped messages get a 4xx that says why; accepted ones 202.
_STATUS = {"rate_limited": 429, "duplicate": 409, "moderated": 422, "empty": 422,
           "too_long": 413, "full": 503, "unavailable": 503}
_MAX_ERRORS = 20     # malformed messages before a socket is closed
_MAX_FLOODED = 500   # messages over the connection's limit before it is closed


def client_address(conn: Request | WebSocket) -> str:
    return conn.client.host if conn.client else "unknown"


def verified_gift(caller: Principal, gift: float) -> float:
    """A gift value lifts a message's priority only from a verified source: a host (or
    a platform bridge, which sets it itself); a viewer's own JSON cannot claim one."""
    return gift if caller.may("host") else 0.0


async def _post(state: AppState, session: ShowSession, body: ChatIn,
                client: str, caller: Principal) -> JSONResponse:
    if not await state.address_allows(client):
        raise HTTPException(429, "too many chat messages from this address; slow down")
    try:
        viewer = clean_viewer_name(body.viewer)
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None
    message = ChatMessage(viewer=viewer, text=body.text, source="http",
                          gift=verified_gift(caller, body.gift), client_ref=body.ref)
    decision = await state.submit_chat(session, message)
    out = ChatOut(accepted=decision.accepted, id=message.store_id, reason=decision.reason,
                  detail=decision.detail, priority=message.priority if decision.accepted
                  else None)
    code = 202 if decision.accepted else _STATUS.get(decision.reason, 400)
    return JSONResponse(out.model_dump(), status_code=code)


@router.post("/v1/shows/{show_id}/chat", response_model=ChatOut, status_code=202)
async def post_chat(show_id: str, body: ChatIn, state: State, caller: Viewer,
                    request: Request) -> JSONResponse:
    """Send one chat message (moderated, rate-limited, durably logged before the 202)."""
    return await _post(state, get_session(show_id, state), body, client_address(request),
                       caller)


@router.post("/v1/chat", response_model=ChatOut, status_code=202)
async def post_chat_default(body: ChatIn, state: State, caller: Viewer,
                            request: Request) -> JSONResponse:
    """Chat with the default show."""
    return await _post(state, get_session(state.settings.default_show, state), body,
                       client_address(request), caller)


def _parse_frame(raw: str, limit: int) -> dict[str, Any]:
    if len(raw) > limit or len(raw.encode("utf-8", errors="replace")) > limit:
        raise InputError(f"message larger than {limit} bytes")
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON at column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object like {\"text\": \"hi\"}")
    return data


def _no_constant(name: str) -> Any:
    raise InputError(f"malformed JSON: {name} is not a number")


class _Connection:
    """The chat protocol of one socket: name binding, limits, malformed input."""

    def __init__(self, state: AppState, session: ShowSession, ws: WebSocket,
                 outbox: ViewerSocket, caller: Principal) -> None:
        self.state, self.session, self.ws, self.outbox = state, session, ws, outbox
        self.caller = caller
        self.client = client_address(ws)
        self.bound: str | None = None  # one viewer name per connection: no name rotation
        self.name = ws.query_params.get("viewer")
        self.limits = RateLimiter(state.settings.ws_rate_burst, state.settings.ws_rate_per_s)
        self.errors = self.flooded = 0

    def _error(self, detail: str, ref: Any = None) -> None:
        self.outbox.ack({"type": "error", "detail": detail,
                         "ref": ref if isinstance(ref, str) and len(ref) <= 64 else None})

    async def handle(self, raw: str) -> str | None:
        """Handle one text frame; returns a close reason when the socket must go."""
        if not self.limits.allow("conn") or not await self.state.address_allows(self.client):
            self.flooded += 1
            if self.flooded > _MAX_FLOODED:
                return "flooding"
            self._error("too many messages on this connection; slow down")
            return None
        ref: Any = None
        try:
            data = _parse_frame(raw, self.state.settings.ws_max_message_bytes)
            ref = data.get("ref")
            viewer = clean_viewer_name(data.get("viewer") or self.bound or self.name or "")
            if self.bound is not None and viewer != self.bound:
                raise InputError(f"viewer: this connection chats as {self.bound!r}")
            body = ChatIn.model_validate({"viewer": viewer, "text": data.get("text", ""),
                                          "gift": data.get("gift", 0) or 0, "ref": ref})
        except ValidationError as exc:
            return self._malformed(first_problem(exc.errors()), ref)
        except InputError as exc:
            return self._malformed(str(exc).splitlines()[0][:300], ref)
        self.bound = self.outbox.viewer = body.viewer
        message = ChatMessage(viewer=body.viewer, text=body.text, source="ws",
                              gift=verified_gift(self.caller, body.gift),
                              client_ref=body.ref)
        decision = await self.state.submit_chat(self.session, message)
        self.outbox.ack({"type": "ack", "ref": body.ref, "accepted": decision.accepted,
                         "reason": decision.reason, "detail": decision.detail,
                         "id": message.store_id})
        return None

    def _malformed(self, detail: str, ref: Any) -> str | None:
        self.errors += 1
        self._error(detail, ref)
        return "too many malformed messages" if self.errors > _MAX_ERRORS else None


async def _chat_socket(ws: WebSocket, state: AppState, show_id: str) -> None:
    try:
        caller = authorize(state.settings, ws, "viewer")
    except AccessDenied as exc:
        await ws.close(code=status.WS_1008_POLICY_VIOLATION, reason=exc.detail)
        return
    session = state.sessions.get(show_id)
    if session is None:
        await ws.close(code=4404, reason="no such show")
        return
    await ws.accept()
    outbox = ViewerSocket(ws.send_text)
    session.viewers.add(outbox)
    pump = asyncio.create_task(outbox.pump(), name=f"chat-out:{show_id}")
    state.count_sockets()
    conn = _Connection(state, session, ws, outbox, caller)
    reason: str | None = None
    code = status.WS_1008_POLICY_VIOLATION
    try:
        while reason is None:
            frame = await ws.receive()
            if frame["type"] == "websocket.disconnect":
                break
            if frame.get("text") is None:  # a binary frame: this socket speaks JSON text
                reason, code = "binary frames are not accepted", status.WS_1003_UNSUPPORTED_DATA
                break
            reason = await conn.handle(frame["text"])
    except (WebSocketDisconnect, RuntimeError):
        reason = None
    finally:
        session.viewers.discard(outbox)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
        state.count_sockets()
    if reason is not None:
        with contextlib.suppress(Exception):
            # acks and errors already queued go out before the close
            await _drain(outbox, ws)
            await ws.close(code=code, reason=reason)


async def _drain(outbox: ViewerSocket, ws: WebSocket) -> None:
    while outbox.pending:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(_send_one(outbox, ws), 1.0)


async def _send_one(outbox: ViewerSocket, ws: WebSocket) -> None:
    text = outbox.take()
    if text is not None:
        await ws.send_text(text)


@router.websocket("/v1/shows/{show_id}/chat/ws")
async def chat_socket(ws: WebSocket, show_id: str) -> None:
    """The viewer chat socket: send ``{"text", "viewer"?, "gift"?, "ref"?}`` (the first
    name binds the connection); receive ``ack`` / ``error`` for your messages, and the
    show's ``chat`` / ``chat_batch`` / ``reply`` / ``answering`` events."""
    await _chat_socket(ws, ws.app.state.vhuman, show_id)


@router.websocket("/v1/chat/ws")
async def chat_socket_default(ws: WebSocket) -> None:
    state: AppState = ws.app.state.vhuman
    await _chat_socket(ws, state, state.settings.default_show)
