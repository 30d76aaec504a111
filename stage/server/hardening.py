"""Process-level protections for ``vhuman serve``: keys scrubbed from every log line,
deadlines for headers and bodies, and a cap on connections per client address.

- :class:`SecretScrubber` rewrites log records (message and arguments, so uvicorn's access
  formatter still works) replacing configured keys (as sent or percent-encoded), the values of
  ``key=``-style pairs (query strings and cookies, whatever the name's percent-encoding)
  and bearer tokens with ``***``. :func:`install_scrubber` puts it on the root, uvicorn and
  access loggers and their handlers, so records from any module are covered.
- :class:`HeaderTimeoutProtocol` is uvicorn's h11 protocol with a deadline for the request
  line and headers (a client that opens a connection and sends nothing more is
  disconnected after ``header_timeout_s``), one for the body (``body_timeout_s``: a body
  trickled a byte at a time cannot hold a slot), and a cap on open connections per
  address (``max_connections_per_address``), so one client cannot take every slot. On an
  API replica the cap holds across replicas: a new connection is read only once the
  app's shared address limits (Redis) admitted it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote_plus

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_SECRET_NAMES = frozenset({"key", "api_key", "apikey", "token", "ticket", "access_token",
                           "vhuman_key", "x-api-key", "authorization"})
_QUERY_PAIR = re.compile(r"((?:^|[?&;\s])([^=&;\s\"'#?]{1,64})=)([^&;\s\"'#]+)")
_BEARER = re.compile(r"(bearer\s+)[^\s\"',;]+", re.I)
_API_KEY_HEADER = re.compile(r"(x-api-key['\"]?\s*[:=,]\s*['\"]?)[^\s\"',;)]+", re.I)
MASK = "***"

log = logging.getLogger(__name__)


class SecretScrubber(logging.Filter):
    """Masks API keys in log records (see the module docstring)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        forms = {form for s in secrets if s for form in (s, quote(s, safe=""))}
        self.secrets = sorted(forms, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _QUERY_PAIR.sub(_mask_pair, text)
        text = _BEARER.sub(rf"\g<1>{MASK}", text)
        return _API_KEY_HEADER.sub(rf"\g<1>{MASK}", text)

    def _value(self, value: Any) -> Any:
        return self.scrub(value) if isinstance(value, str) else value

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._value(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._value(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
        return True


def _mask_pair(match: re.Match[str]) -> str:
    """``name=value`` with the value masked when the name, percent-decoded, is one that
    carries a secret (``?%6bey=`` included)."""
    if unquote_plus(match.group(2)).strip().lower() in _SECRET_NAMES:
        return match.group(1) + MASK
    return match.group(0)


SCRUBBED_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "vhuman")


def install_scrubber(secrets: Iterable[str]) -> SecretScrubber:
    """Put one scrubber on the usual loggers and every handler they have now."""
    scrubber = SecretScrubber(secrets)
    for name in SCRUBBED_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, SecretScrubber)]:
            logger.removeFilter(old)
        logger.addFilter(scrubber)
        for handler in logger.handlers:
            for old in [f for f in handler.filters if isinstance(f, SecretScrubber)]:
                handler.removeFilter(old)
            handler.addFilter(scrubber)
    return scrubber


def _raw_response(status: bytes, detail: str) -> bytes:
    """A complete JSON error response, for a connection the app never saw."""
    body = json.dumps({"detail": detail}).encode()
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\n"
            b"connection: close\r\ncontent-length: " + str(len(body)).encode()
            + b"\r\n\r\n" + body)


_TIMEOUT_408 = _raw_response(b"408 Request Timeout", "request body not received in time")
_BUSY_503 = _raw_response(b"503 Service Unavailable",
                          "too many connections from this address")


def _networks(entries: Iterable[str]) -> tuple[Any, ...]:
    out = []
    for entry in entries:
        try:
            out.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue  # a host name: uvicorn's proxy middleware handles literal ones
    return tuple(out)


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with deadlines and a per-address connection cap:

    - the request line and headers must arrive within ``header_timeout_s`` (a
      half-open connection is closed);
    - the whole body within ``body_timeout_s`` of the headers, however it trickles (a
      slow body gets 408 and the connection closes, so its slot is free again);
    - one client address holds at most ``max_per_address`` connections of this server
      (more are answered 503 and closed at once); addresses in ``trusted`` (reverse
      proxies, which carry many clients) are exempt. A connection upgraded to a
      WebSocket leaves this count: sockets have their own cap (``SocketCapMiddleware``).
    """

    header_timeout_s: float = 10.0
    body_timeout_s: float = 15.0
    max_per_address: int = 0  # 0: no cap
    trusted: tuple[Any, ...] = ()
    open_by_address: Counter[str]
    shared_limits: Callable[[], Any] | None = None
    """The app's address limits, when they count connections across processes
    (``shares_connections``: an API replica's limits in Redis)."""
    _pending: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._counted: str | None = None
        self._shared: tuple[Any, str] | None = None  # (limits, token) once admitted
        self._upgraded = False  # a WebSocket now: the deadlines are the HTTP request's
        super().connection_made(transport)
        host = self.client[0] if self.client else None
        if host is not None and self.max_per_address and not self._trusted(host):
            self._counted = host
            self.open_by_address[host] += 1
            if self.open_by_address[host] > self.max_per_address:
                transport.write(_BUSY_503)
                transport.close()
                return
            limits = self.shared_limits() if self.shared_limits is not None else None
            if limits is not None and getattr(limits, "shares_connections", False):
                transport.pause_reading()  # nothing is read before the count admits it
                self._background(self._admit(limits, host))
        self._arm()

    def _background(self, coro: Any) -> None:
        task = self.loop.create_task(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _admit(self, limits: Any, host: str) -> None:
        """Count this connection with the other replicas' (or refuse it)."""
        try:
            token = await limits.open_connection(host)
        except Exception:  # noqa: BLE001 - the count is a protection, not a gate to fail
            log.exception("shared connection count failed; admitting")
            token = "local"
        if token is None:
            if not self.transport.is_closing():
                self.transport.write(_BUSY_503)
                self.transport.close()
            return
        if self.transport.is_closing() or self._counted is None:  # gone meanwhile
            await limits.close_connection(host, token)
            return
        self._shared = (limits, token)
        self.transport.resume_reading()

    def _trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def _release(self) -> None:
        if self._counted is not None:
            if self._shared is not None:
                limits, token = self._shared
                self._background(limits.close_connection(self._counted, token))
                self._shared = None
            self.open_by_address[self._counted] -= 1
            if self.open_by_address[self._counted] <= 0:
                del self.open_by_address[self._counted]
            self._counted = None

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _disarm_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # headers never completed: a half-open connection

    def _body_expired(self) -> None:
        self._body_timer = None
        if self.conn.their_state is h11.SEND_BODY and not self._upgraded \
                and not self.transport.is_closing():
            cycle = self.cycle
            if cycle is None or not cycle.response_started:
                self.transport.write(_TIMEOUT_408)
            self.transport.close()  # the app's receive() sees the disconnect

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._arm()
        super().data_received(data)
        if self._upgraded:  # the upgrade request never reads its (empty) end of message
            return
        if self.conn.their_state is not h11.IDLE:
            self._disarm()
        if self.conn.their_state is h11.SEND_BODY:
            if self._body_timer is None:
                self._body_timer = self.loop.call_later(self.body_timeout_s,
                                                        self._body_expired)
        else:
            self._disarm_body()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm()  # keep-alive: the next request's headers have a deadline too

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._upgraded = True
        self._disarm()
        self._disarm_body()
        self._release()
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._disarm_body()
        self._release()
        super().connection_lost(exc)


def header_timeout_protocol(settings: Any,
                            shared_limits: Callable[[], Any] | None = None
                            ) -> type[HeaderTimeoutProtocol]:
    """The protocol class with the deadlines and caps of ``settings``
    (:class:`~stage.server.settings.ServerSettings`); its instances share one count of
    open connections per address, and ask ``shared_limits()`` (the app's address limits,
    None until it started) when those count connections across processes."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {
        "header_timeout_s": float(settings.header_timeout_s),
        "body_timeout_s": float(settings.body_timeout_s),
        "max_per_address": int(settings.max_connections_per_address),
        "trusted": _networks(settings.trusted_proxies),
        "open_by_address": Counter(),
        "shared_limits": staticmethod(shared_limits) if shared_limits else None,
        "_pending": set()})
