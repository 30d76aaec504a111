"""Hostile requests for every route and socket: the generator the test suite drives
with hypothesis and ``bench server`` runs 10,000 times against a live server (single and
scale-out).

A body payload (:func:`make_payload`) is a valid-looking body for one JSON endpoint with
one part broken: a field replaced by a hostile value (NaN, Infinity, huge numbers, lone
surrogates, control characters, deep nesting, wrong types), an unknown field, a
truncated or non-UTF-8 encoding, or plain garbage. :func:`make_request` adds the rest of
a request: hostile query strings, headers and paths on every route, and hostile frames
on every socket. The cases the probes found (completions ``"stop": 1``, a non-ASCII
``?key=``, nested brackets and a self-referencing alias in a rundown) are in the corpus.
A server passes when none gets a status >= 500 (a socket: closed 1011) and no error
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
        "stream": False, "user": "u1", "max_tokens": 16, "stop": ["\n\n"],
        "temperature": 0.7, "n": 1, "stream_options": {"include_usage": True}},
    f"/v1/shows/{SHOW}/control/sing": {"score": "song.musicxml", "emotion": "happy",
                                       "style": "sway"},
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
    "\u202eevil", "NaN", "Infinity", 3.5, "1e999", 1, 1e6,
    "[" * 500 + "]" * 500, "show: &a {title: *a}\nsegments: []\n",
    "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
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


GET_ROUTES = ["/healthz", "/readyz", "/metrics", "/v1/shows", f"/v1/shows/{SHOW}",
              f"/v1/shows/{SHOW}/log", "/v1/models", "/v1/qa/log", f"/shows/{SHOW}/view",
              "/viewer", "/", f"/shows/{SHOW}/viewer", f"/shows/{SHOW}/web/viewer-page.js",
              f"/shows/{SHOW}/web/viewer.js", "/v1/workers"]
"""Routes read with GET (query strings, headers and paths are fuzzed on them too)."""

SOCKETS = ["/v1/chat/ws", f"/v1/shows/{SHOW}/chat/ws", "/params", f"/shows/{SHOW}/params"]
"""Socket routes; their frames are fuzzed."""

HOSTILE_QUERY = [
    "key=%D0%BA%D0%BB%D1%8E%D1%87", "key=%ED%A0%80", "key=%FF%FE", "%6bey=abc",
    "key=a%0D%0ASet-Cookie:x=1", "limit=abc", "limit=1e999", "limit=-5",
    "limit=99999999999999999999999", "performer=%00", "performer=" + "x" * 5000,
    "viewer=%ED%A0%80", "a=1&a=2&a=3", "%%%", "&&&=", "key", "=", "x=%C3",
]
HOSTILE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"authorization", b"Bearer \xd0\xba\xd0\xbb"), (b"authorization", b"Bearer"),
    (b"authorization", b"Basic \xff\xfe"), (b"x-api-key", b"\xff\xfe\xfd"),
    (b"x-api-key", b"k" * 8000), (b"cookie", b"vhuman_key=\xff\xfe; a=\x01"),
    (b"cookie", b"=;=;;vhuman_key"), (b"content-type", b"application/json; charset=\xff"),
    (b"content-type", b"multipart/form-data; boundary="), (b"x-forwarded-for", b"\xff, ::1"),
    (b"x-forwarded-for", b"1.2.3.4, " * 200), (b"origin", b"null"),
    (b"accept-encoding", b"\xff" * 20), (b"range", b"bytes=99999999999-"),
]
HOSTILE_SEGMENTS = ["%00", "%FF", "%ED%A0%80", "..", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                    "x" * 3000, "%D0%BA%D0%BB", "%0D%0Ax:y", "a%2Fb", "%25", "~", "%F0%9F%99%82"]


@dataclass(frozen=True)
class Request:
    """One fuzzed HTTP request or socket session (``method`` ``"WS"``: ``frames`` are
    sent on the socket at ``path``)."""

    method: str
    path: str  # path and query, already percent-encoded as sent
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    kind: str
    frames: tuple[str | bytes, ...] = ()


def _frames(rng: random.Random) -> tuple[str | bytes, ...]:
    out: list[str | bytes] = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.5:
            body = {"text": "hi", "viewer": "Fz", "gift": 0, "ref": "r"}
            body[rng.choice(sorted(body))] = rng.choice(HOSTILE)
            out.append(_encode(body).decode("ascii"))
        elif roll < 0.7:
            out.append(rng.choice(["{", "[]", "null", "1e999", "NaN", '"x"', "{}" * 2000,
                                   "[" * 5000]))
        elif roll < 0.85:
            out.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64))))
        else:
            out.append('{"text": "' + "\\ud800" * rng.randint(1, 50) + '"}')
    return tuple(out)


def make_request(rng: random.Random) -> Request:
    """One hostile request for any route or socket: a broken body (as
    :func:`make_payload`), query, header or path, or hostile socket frames."""
    roll = rng.random()
    if roll < 0.45:
        p = make_payload(rng)
        return Request("POST", p.path, ((b"content-type", b"application/json"),), p.body,
                       f"body:{p.kind}")
    if roll < 0.6:
        route = rng.choice(GET_ROUTES + sorted(TEMPLATES))
        method = "GET" if route in GET_ROUTES else "POST"
        return Request(method, f"{route}?{rng.choice(HOSTILE_QUERY)}", (), b"{}"
                       if method == "POST" else b"", "query")
    if roll < 0.75:
        route = rng.choice(GET_ROUTES + sorted(TEMPLATES))
        method = "GET" if route in GET_ROUTES else "POST"
        headers = tuple(rng.sample(HOSTILE_HEADERS, rng.randint(1, 3)))
        body = _encode(TEMPLATES[route]) if method == "POST" else b""
        return Request(method, route, headers, body, "headers")
    if roll < 0.88:
        route = rng.choice(GET_ROUTES + sorted(TEMPLATES) + SOCKETS)
        segment = rng.choice(HOSTILE_SEGMENTS)
        path = route.replace(f"/{SHOW}", f"/{segment}") if f"/{SHOW}" in route \
            else route.rstrip("/") + "/" + segment
        method = rng.choice(["GET", "POST", "DELETE", "PUT"])
        return Request(method, path, ((b"content-type", b"application/json"),),
                       b"{}" if method in ("POST", "PUT") else b"", "path")
    route = rng.choice(SOCKETS)
    query = rng.choice(["", "?viewer=Fz", "?" + rng.choice(HOSTILE_QUERY)])
    return Request("WS", route + query, (), b"", "socket", _frames(rng))


def echoes_request(response_body: bytes, request: Request) -> bool:
    """True when an error body quotes a hostile part of ``request`` (body, query, path or
    frames)."""
    sent = request.body + request.path.encode("latin-1", "replace") + b"".join(
        f.encode("utf-8", "replace") if isinstance(f, str) else f for f in request.frames)
    for needle in (b"\\ud800", b"\\udfff", b"\\udc80", b"<script>", b"/etc/shadow",
                   b"/etc/passwd", b"%s%n%x", b"%ED%A0%80", b"%D0%BA", b"xxxxxxxxxxxxxxxxxxxx"):
        if needle in response_body and needle in sent:
            return True
    return False
