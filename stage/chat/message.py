"""Chat messages as the engine sees them, and the decision taken on each."""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from dataclasses import dataclass, field

from vhuman.models.types import InputError

_ids = itertools.count(1)
_NAME_OK = re.compile(r"^[\w .\-']{1,32}$", re.UNICODE)


def clean_viewer_name(name: str) -> str:
    """Validate a viewer name (1–32 letters, digits, space, ``._-'``); raises InputError."""
    name = unicodedata.normalize("NFKC", str(name)).strip()
    if not _NAME_OK.match(name):
        raise InputError("viewer: name must be 1-32 letters, digits, spaces or ._-'")
    return name


@dataclass
class ChatMessage:
    """One viewer message. ``gift`` is the value of a gift / super-chat (0 = none).

    ``received`` is a monotonic timestamp (age and latency), ``priority`` is set by the
    queue on admission, ``store_id`` by the durable log.
    """

    viewer: str
    text: str
    source: str = "ws"
    gift: float = 0.0
    received: float = field(default_factory=time.monotonic)
    id: int = field(default_factory=lambda: next(_ids))
    first_time: bool = False
    is_question: bool = False
    priority: float = 0.0
    store_id: int | None = None
    client_ref: str | None = None  # opaque id a client may attach (echoed in replies)

    @property
    def age(self) -> float:
        return time.monotonic() - self.received


@dataclass(frozen=True)
class ChatDecision:
    """What the queue did with a message: ``accepted`` or dropped with a ``reason``.

    Reasons: ``moderated`` (with ``detail``), ``duplicate``, ``rate_limited``, ``full``.
    """

    accepted: bool
    reason: str = ""
    detail: str = ""
    message: ChatMessage | None = None
