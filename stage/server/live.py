"""The live video side of the app: WebRTC viewers and the parameter stream per show.

The live routers (:func:`stage.outputs.webrtc.webrtc_router`,
:func:`stage.outputs.params.params_router`) find a performer by name. Here that name is a
show id, so one server streams several shows, each isolated:

- ``/shows/{show_id}/webrtc/offer``, ``/shows/{show_id}/webrtc/bye``,
  ``/shows/{show_id}/web/{file}`` — the WebRTC router mounted under each show. The viewer
  page at ``/shows/{show_id}/view`` loads ``web/viewer.js`` and ``web/viewer-page.js`` by
  relative URLs, so its offer lands on its own show (the router's own ``/viewer`` page is
  not mounted: ``routes/viewer.py`` serves the same file with its headers). A per-request :data:`current_show` (set by the
  :func:`bind_show` dependency, which also checks the viewer key) tells the lookup which
  show is meant.
- ``/params?performer=<show id>`` (the default show when none is given) and
  ``/shows/{show_id}/params`` — the animation-parameter stream.

The page chats over the one viewer chat socket (``/v1/shows/{show_id}/chat/ws``,
``routes/chat.py``). Only performers that can stream (``add_output``, i.e. the
:class:`~stage.live.LivePerformer`) get video; others answer the offer with a clear 400.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, HTTPException, WebSocketException, status
from starlette.requests import HTTPConnection

from vhuman.models.types import InputError

from ..performer import Performer
from .auth import AccessDenied, authorize

if TYPE_CHECKING:
    from vhuman.stage.metrics import Metrics as LiveMetrics

    from .settings import ServerSettings
    from .state import AppState, ShowSession

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Caller:
    """The show a live request addresses and the client address (for chat limits)."""

    show_id: str
    client: str


current_show: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "vhuman_current_show", default=None)


def _state(app: FastAPI) -> AppState:
    state = getattr(app.state, "vhuman", None)
    if state is None:
        raise InputError("the server is still starting")
    return state  # type: ignore[no-any-return]


def can_stream(performer: Performer) -> bool:
    """True for performers that feed outputs tick by tick (the live performer)."""
    return performer.streams_ticks


def _refuse(conn: HTTPConnection, code: int, ws_code: int, detail: str) -> Exception:
    if conn.scope["type"] == "websocket":
        return WebSocketException(ws_code, detail)
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    return HTTPException(code, detail, headers=headers)


def _viewer_state(conn: HTTPConnection) -> AppState:
    """The app state, once the caller proved to be a viewer (or anonymous is allowed)."""
    state = getattr(conn.app.state, "vhuman", None)
    if state is None:
        raise _refuse(conn, 503, status.WS_1013_TRY_AGAIN_LATER, "the server is starting")
    try:
        authorize(state.settings, conn, "viewer")
    except AccessDenied as exc:
        raise _refuse(conn, exc.status, status.WS_1008_POLICY_VIOLATION, exc.detail) from None
    return state  # type: ignore[no-any-return]


async def require_viewer(conn: HTTPConnection) -> None:
    """Router dependency for the live routes outside a show (``/params``)."""
    _viewer_state(conn)


async def bind_show(show_id: str, conn: HTTPConnection) -> Caller:
    """Router dependency for the per-show live routes: the show must exist and the caller
    must be a viewer (or anonymous viewers allowed). Async on purpose: it runs in the
    request's own context, so :data:`current_show` is visible to the route."""
    state = _viewer_state(conn)
    if show_id not in state.sessions:
        raise _refuse(conn, 404, status.WS_1008_POLICY_VIOLATION, "no such show")
    caller = Caller(show_id, conn.client.host if conn.client else "unknown")
    current_show.set(caller)
    return caller


class ShowPerformers:
    """Performer lookup by show id over an app's sessions, for the live routers."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def _show_id(self, name: str | None) -> str:
        if name and name != "default":
            return name
        caller = current_show.get()
        if caller is not None:
            return caller.show_id
        return _state(self.app).settings.default_show

    def session(self, name: str | None) -> ShowSession:
        show_id = self._show_id(name)
        session = _state(self.app).sessions.get(show_id)
        if session is None:
            raise InputError("no such show")
        return session

    def _on_air(self, name: str) -> ShowSession:
        session = self.session(name)
        if session.error is not None:
            # the reason (paths, renderer errors) is for hosts: /readyz, GET /v1/shows/{id}
            raise InputError("this show has no video: its performer could not start")
        if not session.ready.is_set():
            raise InputError("this show is warming up; try again in a moment")
        return session

    def for_video(self, name: str) -> Any:
        """The performer of show ``name`` for WebRTC; ``InputError`` (a 400 for the
        page) when the show is missing, not ready, or its performer cannot stream."""
        session = self._on_air(name)
        if not can_stream(session.performer):
            raise InputError("this show has no video stream (its performer does not "
                             "stream)")
        return session.performer

    def for_params(self, name: str) -> Any | None:
        """What the parameter stream attaches to (the performer, or in scale-out the
        show's relay from its worker), or None (the socket says why)."""
        try:
            source = self._on_air(name).params_source()
        except InputError as exc:
            log.info("params stream refused: %s", exc)
            return None
        if source is None:
            log.info("params stream refused: the show's performer does not stream")
        return source


@dataclass
class LiveRoutes:
    """What :func:`mount_live` added, for shutdown and metrics."""

    performers: ShowPerformers
    metrics: LiveMetrics
    webrtc: Any  # WebRtcViewers

    async def close(self) -> None:
        """Hang up every browser (on shutdown)."""
        await self.webrtc.close()

    async def drop_show(self, session: ShowSession) -> None:
        """Hang up the browsers watching ``session`` (the show is closing)."""
        for peer_id, entry in list(self.webrtc.peers.items()):
            if entry[1] is session.performer:
                await self.webrtc.drop(peer_id)


def mount_live(app: FastAPI, settings: ServerSettings | None = None) -> LiveRoutes:
    """Mount the WebRTC router under ``/shows/{show_id}`` and the parameter stream at
    ``/params`` and ``/shows/{show_id}/params``, all behind the viewer key check."""
    from vhuman.stage.metrics import Metrics as LiveMetrics
    from vhuman.stage.outputs.params import params_router
    from vhuman.stage.outputs.webrtc import webrtc_router

    performers = ShowPerformers(app)
    metrics = LiveMetrics()
    limits = {} if settings is None else {
        "max_peers": settings.webrtc_max_peers,
        "max_per_address": settings.webrtc_max_per_address,
        "connect_timeout_s": settings.webrtc_connect_timeout_s}
    webrtc = webrtc_router(performers.for_video, metrics=metrics, page=False, **limits)
    bind = Depends(bind_show)
    app.include_router(webrtc, prefix="/shows/{show_id}", dependencies=[bind],
                       tags=["viewer"])
    app.include_router(params_router(performers.for_params, metrics=metrics),
                       dependencies=[Depends(require_viewer)], tags=["viewer"])
    app.include_router(params_router(performers.for_params, metrics=metrics),
                       prefix="/shows/{show_id}", dependencies=[bind], tags=["viewer"])
    return LiveRoutes(performers, metrics, webrtc.viewers)
