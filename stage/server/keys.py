"""What an API key is: the characters it may hold and the name it is logged under."""

from __future__ import annotations

import hashlib

KEY_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F)) - set("\"',;\\")
"""What an API key may be made of: printable ASCII that a header, a query string and a
cookie all carry unchanged."""


def well_formed_key(key: str) -> bool:
    return bool(key) and len(key) <= 512 and all(c in KEY_CHARS for c in key)


def key_name(key: str, role: str) -> str:
    """The label a key is logged and audited under: its role and a short hash, never the key."""
    return f"{role}:{hashlib.sha256(key.encode()).hexdigest()[:10]}"
