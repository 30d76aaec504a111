"""Error bodies that name the field and never echo what the client sent.

Validation errors from pydantic carry the offending input (and FastAPI's default 422 body
returns it): a NaN, a lone surrogate or someone's file contents would be sent back, and a
value that JSON cannot encode turned a 422 into a 500. Here every problem becomes
``{"field": "body.gift", "message": "..."}`` with pydantic's message (which describes the
rule, not the value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_SAFE_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")


def _part(part: Any) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    text = str(part)
    return text if _SAFE_PART.match(text) else "<field>"


def field_name(loc: Iterable[Any]) -> str:
    """``("body", "messages", 0, "role")`` -> ``body.messages[0].role``."""
    out = ""
    for part in loc:
        piece = _part(part)
        out += piece if piece.startswith("[") or not out else "." + piece
    return out or "body"


def problems(errors: Iterable[Mapping[str, Any]], limit: int = 20) -> list[dict[str, str]]:
    """Field-named problems from pydantic/FastAPI error dicts, inputs left out."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for error in errors:
        field = field_name(error.get("loc", ()))
        if field in seen:  # union members fail one by one: one message per field
            continue
        seen.add(field)
        kind = str(error.get("type", ""))
        if kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "json_invalid":
            message = "malformed JSON"
        else:
            message = str(error.get("msg", "invalid value"))
        out.append({"field": field, "message": message[:200]})
        if len(out) >= limit:
            break
    return out


def first_problem(errors: Iterable[Mapping[str, Any]]) -> str:
    """One line for a socket's error event: ``field: message``."""
    found = problems(errors, limit=1)
    return f"{found[0]['field']}: {found[0]['message']}" if found else "invalid message"
