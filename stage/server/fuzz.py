"""Hostile request bodies for every JSON endpoint: the generator the test suite drives
with hypothesis and ``bench server`` runs 10,000 times against a live server.

Each payload is a valid-looking body for one endpoint with one part broken: a field
replaced by a hostile value (NaN, Infinity, huge numbers, lone surrogates, control
characters, deep nesting, wrong types), an unknown field, a truncated or non-UTF-8
encoding, or plain garbage. A server passes when none gets a status >= 500 and no error
echoes the input.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

SHOW = "main"

TEMPLATES: dict[str, dict[str, Any]] = {
    "/v1/chat": {"viewer": "Ann", "text": "hello there", "gift": 0, "ref": "r1"},
    f"/v1/shows/{SHOW}/chat": {"viewer": "Bo", "text": "hi from the show", "gift": 1.5},
    "/v1/qa": {"question": "When is the final?", "speak": "none", "show_id": SHOW},
    "/v1/shows": {"id": "fz", "rundown_yaml": "show: {title: F}\nsegments:\n"
                                              "  - type: say\n    lines: [hi]\n",
                  "start": False},
    f"/v1/shows/{SHOW}/control/say": {"text": "now", "emotion": "happy", "priority": 5},
    f"/v1/shows/{SHOW}/control/interrupt": {"reason": "host"},
    f"/v1/shows/{SHOW}/control/emotion": {"emotion": "sad", "intensity": 0.4},
    f"/v1/shows/{SHOW}/control/gesture": {"name": "wave"},
    f"/v1/shows/{SHOW}/control/dance": {"music": None, "duration": 2, "style": "pop"},
    f"/v1/shows/{SHOW}/control/overlay": {"card": {"name": "Cap", "price": 9,
                                                   "image": "https://x.example/a.png"}},
    "/v1/chat/completions": {"model": "vhuman", "messages": [
        {"role": "system", "content": "be nice"}, {"role": "user", "content": "hi"}],
        "stream": False, "user": "u1", "max_tokens": 16},
    f"/shows/{SHOW}/webrtc/offer": {"sdp": "v=0\r\n", "type": "offer"},
    f"/shows/{SHOW}/webrtc/bye": {"peer": "abc"},
    f"/v1/shows/{SHOW}/guests": {"name": "Ana", "role": "guest", "ttl_s": 600},
    f"/v1/shows/{SHOW}/guests/control": {"guest": "a1b2c3", "action": "admit"},
    f"/v1/shows/{SHOW}/guests/join": {"token": "t" * 16, "sdp": "v=0\r\n", "type": "offer",
                                      "video": True, "audio": True},
    f"/v1/shows/{SHOW}/guests/me": {"token": "t" * 16},
    f"/v1/shows/{SHOW}/captions": {"speaker": "Ana", "role": "guest", "text": "hi",
                                   "language": "en", "seconds": 1.0},
    f"/v1/shows/{SHOW}/start": {}, f"/v1/shows/{SHOW}/pause": {},
    f"/v1/shows/{SHOW}/skip": {},
}
"""One plausible body per JSON endpoint (POST); the fuzzer breaks one part of it."""

HOSTILE: list[Any] = [
    float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 10 ** 40, -1, 0, True, None,
    "", " ", "\ud800", "hi \ud800", "\udfff\ud800", "\udc80x", "\x00", "\x1b[31mred",
    "a" * 70_000, "🙂" * 600, "<script>alert(1)</script>", "../../etc/passwd",
    "/etc/shadow", "rtmp://127.0.0.1:1935/live/x", "%s%n%x", "' OR 1=1 --", [], {},
    [[[[[[[[[[[]]]]]]]]]]], {"a": {"b": {"c": float("nan")}}}, ["\ud800"], {"\ud800": 1},
    "\u202eevil", "NaN", "Infinity", 3.5, "1e999",
]
"""Values that break naive servers (each one got a 500 somewhere once)."""


@dataclass(frozen=True)
class Payload:
    path: str
    body: bytes
    kind: str  # what was broken (for reports)


def _encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True, ensure_ascii=True).encode("ascii")


def make_payload(rng: random.Random) -> Payload:
    """One hostile request for a random endpoint."""
    path = rng.choice(sorted(TEMPLATES))
    body: dict[str, Any] = json.loads(json.dumps(TEMPLATES[path]))
    roll = rng.random()
    if roll < 0.55 and body:
        key = rng.choice(sorted(body))
        body[key] = rng.choice(HOSTILE)
        if key == "messages" and rng.random() < 0.5:
            body[key] = [{"role": rng.choice(["user", "system", "x"]),
                          "content": rng.choice(HOSTILE)}]
        return Payload(path, _encode(body), f"field:{key}")
    if roll < 0.65:
        body[rng.choice(["admin", "\ud800", "x" * 80, "__proto__"])] = rng.choice(HOSTILE)
        return Payload(path, _encode(body), "unknown-field")
    raw = _encode(body)
    if roll < 0.75:
        cut = rng.randrange(0, max(1, len(raw)))
        return Payload(path, raw[:cut], "truncated")
    if roll < 0.85:
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            data.insert(rng.randrange(0, len(data) + 1), rng.choice([0xFF, 0xC3, 0x80, 0xED]))
        return Payload(path, bytes(data), "non-utf8")
    if roll < 0.92:
        depth = rng.choice([50, 500, 5000])
        return Payload(path, b"[" * depth + b'"x"' + b"]" * depth, "deep")
    return Payload(path, bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200))),
                   "garbage")


def echoes_input(response_body: bytes, payload: Payload) -> bool:
    """True when an error body quotes a hostile string value of the request."""
    for needle in (b"\\ud800", b"\\udfff", b"\\udc80", b"<script>", b"/etc/shadow",
                   b"/etc/passwd", b"%s%n%x"):
        if needle in response_body and needle in payload.body:
            return True
    return False
