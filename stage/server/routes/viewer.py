"""The viewer page: the stage video (WebRTC, added by the live pipeline) and chat."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from ..deps import Session, State

router = APIRouter(tags=["viewer"])


def viewer_html() -> str:
    return resources.files("stage.server").joinpath("static/viewer.html").read_text("utf-8")


@router.get("/", include_in_schema=False)
async def root(state: State) -> RedirectResponse:
    return RedirectResponse(f"/shows/{state.settings.default_show}/view")


@router.get("/shows/{show_id}/view", response_class=HTMLResponse)
async def view(session: Session) -> HTMLResponse:
    """The page is static: the show id reaches it through the URL, never templated in."""
    return HTMLResponse(viewer_html(), headers={
        "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                                   "connect-src 'self' ws: wss:; media-src 'self' blob:; "
                                   "style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        "X-Content-Type-Options": "nosniff"})
