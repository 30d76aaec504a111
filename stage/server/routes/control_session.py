"""Sign-in for the browser desks and the pages themselves: ``/control`` (host key) and
``/press`` (reporter key), their static assets under ``/ui/``, and ``/v1/session``.

A person types their key once into the page; ``POST /v1/session`` checks it and sets a
signed HttpOnly session cookie (:mod:`stage.server.pagesession`), so the key never
travels in a URL and never stays in the page. ``GET /v1/session`` tells the page who is
signed in and hands it the CSRF token its actions send; an expired session answers 401
with ``reason: expired`` so the page can say so.
"""

from __future__ import annotations

import hashlib
from importlib import resources

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from vhuman.dialogue.moderation import RateLimiter

from ..auth import identify
from ..deps import State
from ..pagesession import SESSION_COOKIE, SessionRejected, issue, verify
from ..schemas import _In

router = APIRouter(tags=["pages"])

PAGE_CSP = ("default-src 'self'; script-src 'self'; connect-src 'self'; "
            "media-src 'self' blob: mediastream:; style-src 'self'; img-src 'self' data: blob:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
"""Only our own files run and load; nothing from a CDN, no inline script or style."""

_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
_FOLDERS = ("desk", "control", "press")
_SIGN_IN_LIMIT = RateLimiter(30.0, 1.0)
"""Per client address (a newsroom behind one NAT signs in together): 30 attempts at
once, then one a second."""


class SessionIn(_In):
    key: str = Field(min_length=1, max_length=512)


class SessionOut(BaseModel):
    role: str
    name: str
    expires: float
    csrf: str


def _static_bytes(path: str) -> bytes:
    return resources.files("vhuman.stage.server").joinpath(f"static/{path}").read_bytes()


def _assets() -> dict[str, str]:
    """Every file under the page folders, by its path below ``static/``."""
    found = {}
    base = resources.files("vhuman.stage.server").joinpath("static")
    for folder in _FOLDERS:
        for entry in base.joinpath(folder).iterdir():
            suffix = "." + entry.name.rsplit(".", 1)[-1]
            if entry.is_file() and suffix in _TYPES:
                found[f"{folder}/{entry.name}"] = _TYPES[suffix]
    return found


ASSETS = _assets()


def _page(name: str) -> HTMLResponse:
    return HTMLResponse(_static_bytes(f"{name}/index.html").decode("utf-8"), headers={
        "Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
        "X-Frame-Options": "DENY"})


@router.get("/control", response_class=HTMLResponse, include_in_schema=False)
async def control_page() -> HTMLResponse:
    """The control room (host key): shows, program, run-of-show, take-over, chat desk,
    health and the show log."""
    return _page("control")


@router.get("/press", response_class=HTMLResponse, include_in_schema=False)
async def press_page() -> HTMLResponse:
    """The press desk (reporter key): grounded answers with their sources."""
    return _page("press")


@router.get("/ui/{folder}/{name}", include_in_schema=False)
async def ui_asset(folder: str, name: str, request: Request) -> Response:
    path = f"{folder}/{name}"
    if path not in ASSETS:
        raise HTTPException(404, f"no such file: {path}")
    body = _static_bytes(path)
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    headers = {"X-Content-Type-Options": "nosniff", "ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ASSETS[path], headers=headers)


@router.post("/v1/session")
async def sign_in(body: SessionIn, state: State, request: Request) -> JSONResponse:
    """Sign in with an API key: a session cookie (HttpOnly, SameSite=Strict) and the
    CSRF token the page sends with every action. A wrong key is a 401."""
    client = request.client.host if request.client else "unknown"
    if not _SIGN_IN_LIMIT.allow(client):
        raise HTTPException(429, "too many sign-in attempts; wait a few seconds")
    settings = state.settings
    caller = identify(settings, body.key)
    if caller is None or caller.anonymous:
        raise HTTPException(401, {"reason": "wrong_key",
                                  "message": "that key is not valid on this server"})
    cookie, session = issue(settings, caller.role, caller.name)
    out = SessionOut(role=session.role, name=session.name, expires=session.expires,
                     csrf=session.csrf)
    response = JSONResponse(out.model_dump(), headers={"Cache-Control": "no-store"})
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/",
                        max_age=int(settings.session_ttl_s))
    return response


@router.get("/v1/session")
async def who_am_i(state: State, request: Request) -> SessionOut:
    """The signed-in session (role, key name, expiry, CSRF token); 401 with ``reason``
    ``signed_out``, ``expired`` or ``invalid`` otherwise."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise HTTPException(401, {"reason": "signed_out", "message": "not signed in"})
    try:
        session = verify(state.settings, cookie)
    except SessionRejected as exc:
        raise HTTPException(401, {"reason": exc.reason, "message": exc.detail}) from None
    return SessionOut(role=session.role, name=session.name, expires=session.expires,
                      csrf=session.csrf)


@router.delete("/v1/session")
async def sign_out() -> JSONResponse:
    """Sign out: the session cookie is removed from the browser."""
    response = JSONResponse({"ok": True}, headers={"Cache-Control": "no-store"})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
