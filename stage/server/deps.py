"""FastAPI dependencies: app state, settings, callers by role, the show addressed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.requests import HTTPConnection

from vhuman.models.types import InputError

from .auth import AccessDenied, Principal, authorize, optional_caller
from .settings import ServerSettings
from .state import AppState, ShowSession


def get_state(request: Request) -> AppState:
    return request.app.state.vhuman  # type: ignore[no-any-return]


State = Annotated[AppState, Depends(get_state)]


def get_settings(state: State) -> ServerSettings:
    return state.settings


Settings = Annotated[ServerSettings, Depends(get_settings)]


def http_error(exc: AccessDenied) -> HTTPException:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return HTTPException(exc.status, exc.detail, headers=headers)


def require(role: str):  # noqa: ANN201 - returns a dependency callable
    """Dependency: the caller, who must hold ``role`` (401/403 otherwise)."""
    def check(request: Request) -> Principal:
        try:
            return authorize(get_state(request).settings, request, role)
        except AccessDenied as exc:
            raise http_error(exc) from None
    return check


def get_caller(conn: HTTPConnection) -> Principal | None:
    """The caller if known (anonymous viewer when allowed), without requiring a role."""
    return optional_caller(conn.app.state.vhuman.settings, conn)


Host = Annotated[Principal, Depends(require("host"))]
Reporter = Annotated[Principal, Depends(require("reporter"))]
Viewer = Annotated[Principal, Depends(require("viewer"))]
Caller = Annotated[Principal | None, Depends(get_caller)]


def get_session(show_id: str, state: State) -> ShowSession:
    try:
        return state.get(show_id)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None


Session = Annotated[ShowSession, Depends(get_session)]


def rate_limited(kind: str):  # noqa: ANN201 - returns a dependency callable
    """Dependency: 429 when the client address has used its ``kind`` allowance
    (:mod:`stage.server.addresses`)."""
    async def check(request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        if not await get_state(request).address_allows(client, kind):
            raise HTTPException(429, f"too many {kind} requests from this address; slow down",
                                headers={"Retry-After": "2"})
    return check
