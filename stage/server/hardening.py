"""Process-level protections for ``vhuman serve``: keys scrubbed from every log line and
a header timeout for half-open HTTP connections.

- :class:`SecretScrubber` rewrites log records (message and arguments, so uvicorn's access
  formatter still works) replacing configured keys, ``?key=``-style query values and
  bearer tokens with ``***``. :func:`install_scrubber` puts it on the root, uvicorn and
  access loggers and their handlers, so records from any module are covered.
- :class:`HeaderTimeoutProtocol` is uvicorn's h11 protocol with a deadline for the request
  line and headers: a client that opens a connection (or starts a request) and then sends
  nothing more is disconnected after ``header_timeout_s`` instead of holding a slot
  forever. The body and WebSockets are not affected.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_QUERY_SECRET = re.compile(r"([?&;](?:key|api_key|apikey|token|ticket|access_token)=)"
                           r"[^&;\s\"'#]+", re.I)
_BEARER = re.compile(r"(bearer\s+)[^\s\"',;]+", re.I)
_API_KEY_HEADER = re.compile(r"(x-api-key['\"]?\s*[:=,]\s*['\"]?)[^\s\"',;)]+", re.I)
MASK = "***"


class SecretScrubber(logging.Filter):
    """Masks API keys in log records (see the module docstring)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _QUERY_SECRET.sub(rf"\g<1>{MASK}", text)
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


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's line and headers."""

    header_timeout_s: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # headers never completed: a half-open connection

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._arm()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm()  # keep-alive: the next request's headers have a deadline too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def header_timeout_protocol(seconds: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class with ``seconds`` as its header deadline."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,),
                {"header_timeout_s": float(seconds)})
