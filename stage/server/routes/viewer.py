"""The viewer page: live WebRTC video + audio, chat, show status and the promo card.

One page per show at ``/shows/{show_id}/view``; ``/`` and ``/viewer`` redirect to the
default show's page (``/viewer?performer=<id>`` to that show's). It is the one viewer
page of the engine (``stage/web/viewer.html``, also what a bare WebRTC output serves); its
scripts are relative, served by the show's WebRTC router: ``web/viewer.js`` (the live
client, so its offer reaches this show) and ``web/viewer-page.js`` (chat, captions, show
status, promo card).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vhuman.stage.outputs.webrtc import viewer_html

from ..auth import KEY_COOKIE, known_key, query_key
from ..deps import Session, State

router = APIRouter(tags=["viewer"])

CSP = ("default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; "
       "media-src 'self' blob: mediastream:; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
"""No inline scripts: everything viewers send is text, and only our files run."""

def _page(show_id: str) -> str:
    return f"/shows/{quote(show_id, safe='')}/view"


@router.get("/", include_in_schema=False)
async def root(state: State) -> RedirectResponse:
    return RedirectResponse(_page(state.settings.default_show))


@router.get("/viewer", include_in_schema=False)
async def viewer_alias(state: State, performer: str | None = None) -> RedirectResponse:
    """The one viewer page is per show; ``?performer=`` names the show."""
    return RedirectResponse(_page(performer or state.settings.default_show))


@router.get("/shows/{show_id}/viewer", include_in_schema=False)
async def show_viewer_alias(session: Session) -> RedirectResponse:
    return RedirectResponse(_page(session.id))


@router.get("/shows/{show_id}/view", response_class=HTMLResponse)
async def view(session: Session, state: State, request: Request) -> Response:
    """The viewer page. It is static: the show id reaches it through the URL, never
    templated in. With ``?key=`` (anonymous viewers off) the key is checked, kept in an
    HttpOnly cookie and the browser is sent to the page without it: the key leaves the
    address bar and history, and the page's video and chat requests carry the cookie."""
    key = query_key(request)
    if key is not None:
        if known_key(state.settings, key) is None:  # only a configured key is kept
            raise HTTPException(401, "unknown API key")
        response: Response = RedirectResponse(_page(session.id), status_code=303,
                                              headers={"Cache-Control": "no-store",
                                                       "Referrer-Policy": "no-referrer"})
        response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https",
                            path="/")
        return response
    return HTMLResponse(viewer_html(), headers={
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})

