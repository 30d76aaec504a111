"""API-key roles: host (everything), reporter (Q&A), viewer (chat) — checked in one place.

A key comes in ``Authorization: Bearer <key>``, ``X-API-Key: <key>``, ``?key=<key>`` (for
clients that cannot set headers) or the viewer page's HttpOnly cookie — only there: the
query parameter's name must be spelled ``key`` literally (``?%6bey=`` is not a key, so
nothing that authenticates can hide from the log scrubber under an encoded name). The control
room and press desk carry a signed session cookie instead (:mod:`.pagesession`), with a CSRF
token on actions. Every route, socket
and probe asks :func:`authorize`, so the rules (constant-time compare, anonymous viewers,
role ranks, WebSocket Origin allow-list) live here only.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit

from starlette.requests import HTTPConnection

from .keys import key_name, well_formed_key
from .pagesession import SessionRejected, from_connection
from .settings import ServerSettings

ROLE_RANK = {"viewer": 0, "reporter": 1, "host": 2}
# What each role may do: a host may do everything, a reporter Q&A (and chat), a viewer chat.
ALLOWED = {"viewer": {"viewer"}, "reporter": {"viewer", "reporter"},
           "host": {"viewer", "reporter", "host"}}
KEY_COOKIE = "vhuman_key"
"""Cookie set by the viewer page when opened with ``?key=``: the page's scripts and
sockets then carry the key without it ever appearing in a URL."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: their ``role`` and a loggable ``name`` (never the secret)."""

    role: str
    name: str

    def may(self, needed: str) -> bool:
        return needed in ALLOWED.get(self.role, set())

    @property
    def anonymous(self) -> bool:
        return self.name == "anonymous"


class AccessDenied(Exception):
    """The caller may not do this: ``status`` is 401 (who are you?) or 403 (not allowed)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def query_key(conn: HTTPConnection) -> str | None:
    """``?key=`` from the raw query string: the name as sent, never percent-decoded."""
    raw: bytes = conn.scope.get("query_string") or b""
    for part in raw.split(b"&"):
        name, sep, value = part.partition(b"=")
        if sep and name == b"key":
            return unquote_plus(value.decode("latin-1")) or None
    return None


def connection_key(conn: HTTPConnection) -> str | None:
    """The API key a request or WebSocket carries: header, ``?key=``, or the page cookie."""
    authorization = conn.headers.get("authorization")
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return (conn.headers.get("x-api-key") or query_key(conn)
            or conn.cookies.get(KEY_COOKIE) or None)


def known_key(settings: ServerSettings, key: str | None) -> Principal | None:
    """The principal of a configured key (constant-time compare); None for anything else,
    anonymous viewers included."""
    if not key or not well_formed_key(key):
        return None
    given = key.encode("ascii")
    for secret, role in settings.api_keys.items():
        if hmac.compare_digest(secret.encode(), given):
            return Principal(role, key_name(secret, role))
    return None


def identify(settings: ServerSettings, key: str | None) -> Principal | None:
    """The principal for ``key`` (constant-time compare); anonymous viewers when allowed;
    None when the key is wrong or missing and anonymous access is off."""
    if key:
        found = known_key(settings, key)
        if found is not None:
            return found
        # OpenAI-style clients always send some key: an unknown one is an anonymous viewer
        # where anonymous viewers are allowed (never more than that).
        return Principal("viewer", "anonymous") if settings.allow_anonymous_viewers else None
    if settings.allow_anonymous_viewers:
        return Principal("viewer", "anonymous")
    return None


def origin_allowed(settings: ServerSettings, conn: HTTPConnection) -> bool:
    """A browser WebSocket's ``Origin`` must be this server itself or one of
    ``ws_allowed_origins`` (``*`` allows any); clients that send no Origin (not
    browsers) pass — they cannot ride a viewer's cookie."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    allowed = settings.ws_allowed_origins
    if "*" in allowed or origin in allowed:
        return True
    parts = urlsplit(origin)
    return bool(parts.netloc) and parts.netloc == conn.headers.get("host")


def authorize(settings: ServerSettings, conn: HTTPConnection, role: str) -> Principal:
    """The caller of ``conn`` if they may act as ``role``; :class:`AccessDenied` if not."""
    if conn.scope["type"] == "websocket" and not origin_allowed(settings, conn):
        raise AccessDenied(403, "this origin may not open sockets here")
    caller = session_caller(settings, conn) or identify(settings, connection_key(conn))
    if caller is None:
        raise AccessDenied(401, "missing or unknown API key")
    if not caller.may(role):
        if caller.anonymous:
            raise AccessDenied(401, f"this needs an API key with the {role!r} role")
        raise AccessDenied(403, f"this needs the {role!r} role; your key is {caller.role!r}")
    return caller


def session_caller(settings: ServerSettings, conn: HTTPConnection) -> Principal | None:
    """The signed-in page's caller (``pagesession``) when the request carries no key of
    its own; :class:`AccessDenied` for an expired or forged session (401) or an action
    without its CSRF token (403)."""
    if conn.headers.get("authorization") or conn.headers.get("x-api-key"):
        return None
    try:
        session = from_connection(settings, conn)
    except SessionRejected as exc:
        raise AccessDenied(403 if exc.reason == "csrf" else 401, exc.detail) from None
    return None if session is None else Principal(session.role, session.name)


def optional_caller(settings: ServerSettings, conn: HTTPConnection) -> Principal | None:
    """The caller when the key is known (or anonymous allowed); None otherwise."""
    try:
        caller = session_caller(settings, conn)
    except AccessDenied:
        caller = None
    return caller or identify(settings, connection_key(conn))
