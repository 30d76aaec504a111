"""Pure ASGI middlewares for what one client may hold: :class:`BodyLimitMiddleware`
refuses request bodies over a size limit with 413 (declared or streamed chunked, counted
while reading), :class:`SocketCapMiddleware` refuses WebSockets past the per-address cap
(every socket route: chat, parameter stream, whatever is mounted later)."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body: dict[str, Any] = {"detail": f"request body larger than {self.max_bytes} bytes"}
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


class SocketCapMiddleware:
    """At most ``ws_max_per_address`` open sockets per client address, counted by the
    app state's :class:`~stage.server.addresses.AddressLimits` (in Redis on a cluster
    replica, so the cap holds across replicas). A socket over the cap is closed before
    it is accepted (policy violation, 1008) and costs nothing more."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = getattr(getattr(scope.get("app"), "state", None), "vhuman", None)
        if scope["type"] != "websocket" or state is None:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        token = await state.limits.open_socket(client)
        if token is None:
            log.info("socket refused: its address holds %d already", state.limits.max_sockets)
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008,
                        "reason": "too many sockets from this address"})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            await state.limits.close_socket(client, token)
