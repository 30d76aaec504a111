"""FastAPI dependencies: app state, settings, callers by role, the show addressed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request

from models.types import InputError

from .auth import Principal, extract_key, identify
from .settings import ServerSettings
from .state import AppState, ShowSession


def get_state(request: Request) -> AppState:
    return request.app.state.vhuman  # type: ignore[no-any-return]


State = Annotated[AppState, Depends(get_state)]


def get_settings(state: State) -> ServerSettings:
    return state.settings


Settings = Annotated[ServerSettings, Depends(get_settings)]


def _caller(state: State,
            authorization: Annotated[str | None, Header()] = None,
            x_api_key: Annotated[str | None, Header()] = None,
            key: Annotated[str | None, Query(include_in_schema=False)] = None) -> Principal:
    principal = identify(state.settings, extract_key(authorization, x_api_key, key))
    if principal is None:
        raise HTTPException(401, "missing or unknown API key",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(role: str):  # noqa: ANN201 - returns a dependency callable
    def check(caller: Annotated[Principal, Depends(_caller)]) -> Principal:
        if not caller.may(role) and caller.name == "anonymous":
            raise HTTPException(401, f"this needs an API key with the {role!r} role",
                                headers={"WWW-Authenticate": "Bearer"})
        if not caller.may(role):
            raise HTTPException(403, f"this needs the {role!r} role; your key is "
                                     f"{caller.role!r}")
        return caller
    return check


Host = Annotated[Principal, Depends(require("host"))]
Reporter = Annotated[Principal, Depends(require("reporter"))]
Viewer = Annotated[Principal, Depends(require("viewer"))]


def get_session(show_id: str, state: State) -> ShowSession:
    try:
        return state.get(show_id)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None


Session = Annotated[ShowSession, Depends(get_session)]
