"""API-key roles: host (everything), reporter (Q&A), viewer (chat).

A key comes in ``Authorization: Bearer <key>``, ``X-API-Key: <key>`` or, for browser
WebSockets that cannot set headers, ``?key=<key>``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from .settings import ServerSettings

ROLE_RANK = {"viewer": 0, "reporter": 1, "host": 2}
# What each role may do: a host may do everything, a reporter Q&A (and chat), a viewer chat.
ALLOWED = {"viewer": {"viewer"}, "reporter": {"viewer", "reporter"},
           "host": {"viewer", "reporter", "host"}}


@dataclass(frozen=True)
class Principal:
    """Who is calling: their ``role`` and a loggable ``name`` (never the secret)."""

    role: str
    name: str

    def may(self, needed: str) -> bool:
        return needed in ALLOWED.get(self.role, set())


def key_name(key: str, role: str) -> str:
    return f"{role}:{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def extract_key(authorization: str | None, x_api_key: str | None,
                query_key: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return x_api_key or query_key or None


def identify(settings: ServerSettings, key: str | None) -> Principal | None:
    """The principal for ``key`` (constant-time compare); anonymous viewers when allowed;
    None when the key is wrong or missing and anonymous access is off."""
    if key:
        for secret, role in settings.api_keys.items():
            if hmac.compare_digest(secret.encode(), key.encode()):
                return Principal(role, key_name(secret, role))
        return None
    if settings.allow_anonymous_viewers:
        return Principal("viewer", "anonymous")
    return None
