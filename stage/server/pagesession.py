"""Browser sign-in for the control room and the press desk: signed session cookies and
CSRF tokens.

A person signs in once with their API key (``POST /v1/session``); the server answers
with an HttpOnly, SameSite=Strict cookie that holds no key, only a signed claim: the
role, the key's loggable name (``host:3f9a…``), an expiry and a random nonce. The
signature is an HMAC whose secret is derived from the configured API keys, so every
replica of a scale-out deployment accepts the same cookie without shared state, and
changing the keys signs everyone out. A key removed from the configuration ends its
sessions at once (the claim names a key that no longer exists).

Requests that change something (any method but GET/HEAD/OPTIONS) and carry only the
session cookie must also send ``X-CSRF-Token``: a value bound to the session's nonce,
handed to the page by ``GET /v1/session``; another site cannot read it, so it cannot
forge an action with the visitor's cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from .keys import key_name
from .settings import ServerSettings

SESSION_COOKIE = "vhuman_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionRejected(Exception):
    """The session cookie is unusable: ``reason`` is ``expired``, ``invalid`` or
    ``csrf`` (an action without the page's CSRF token)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class PageSession:
    """A signed-in browser: its ``role``, key ``name``, ``expires`` (Unix time) and the
    ``csrf`` token its actions must carry."""

    role: str
    name: str
    expires: float
    nonce: str
    csrf: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret(settings: ServerSettings) -> bytes:
    """The signing secret: the configured keys and roles, hashed (never stored)."""
    material = json.dumps(sorted(settings.api_keys.items())).encode("utf-8")
    return hashlib.sha256(b"vhuman-page-session\0" + material).digest()


def _sign(settings: ServerSettings, payload: bytes) -> str:
    return _b64(hmac.new(_secret(settings), payload, hashlib.sha256).digest())


def _csrf(settings: ServerSettings, nonce: str) -> str:
    return _sign(settings, b"csrf\0" + nonce.encode("ascii"))


def issue(settings: ServerSettings, role: str, name: str,
          now: float | None = None) -> tuple[str, PageSession]:
    """A new session for the key named ``name``, lasting ``settings.session_ttl_s``:
    (cookie value, session)."""
    ttl = settings.session_ttl_s
    expires = round((time.time() if now is None else now) + ttl, 3)
    nonce = secrets.token_urlsafe(12)
    payload = json.dumps({"r": role, "n": name, "e": expires, "x": nonce},
                         separators=(",", ":")).encode("utf-8")
    cookie = f"{_b64(payload)}.{_sign(settings, payload)}"
    return cookie, PageSession(role, name, expires, nonce, _csrf(settings, nonce))


def _known_names(settings: ServerSettings) -> set[str]:
    return {key_name(secret, role) for secret, role in settings.api_keys.items()}


def verify(settings: ServerSettings, cookie: str, now: float | None = None) -> PageSession:
    """The session a cookie holds; :class:`SessionRejected` when it is forged, names a
    key that is no longer configured, or has expired."""
    try:
        head, sig = cookie.split(".", 1)
        payload = _unb64(head)
    except (ValueError, TypeError):
        raise SessionRejected("invalid", "session is not valid; sign in again") from None
    if not hmac.compare_digest(_sign(settings, payload), sig):
        raise SessionRejected("invalid", "session is not valid; sign in again")
    try:
        claim = json.loads(payload)
        role, name, expires, nonce = (str(claim["r"]), str(claim["n"]), float(claim["e"]),
                                      str(claim["x"]))
    except (ValueError, KeyError, TypeError):
        raise SessionRejected("invalid", "session is not valid; sign in again") from None
    if name not in _known_names(settings):
        raise SessionRejected("invalid", "the key of this session was removed; sign in again")
    if (time.time() if now is None else now) >= expires:
        raise SessionRejected("expired", "session expired; sign in again")
    return PageSession(role, name, expires, nonce, _csrf(settings, nonce))


def from_connection(settings: ServerSettings, conn: HTTPConnection) -> PageSession | None:
    """The session a request carries (None: no session cookie). Actions must carry the
    session's CSRF token: :class:`SessionRejected` (``csrf``) when they do not."""
    cookie = conn.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    session = verify(settings, cookie)
    if conn.scope["type"] == "http" and conn.scope.get("method", "GET") not in SAFE_METHODS:
        sent = conn.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode("utf-8", "surrogatepass"),
                                   session.csrf.encode("ascii")):
            raise SessionRejected("csrf", "missing or wrong CSRF token; reload the page")
    return session
