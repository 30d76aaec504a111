"""Guests: the host's invites and controls, the program layout, and the guest's join.

Host (API key with the host role):

- ``POST /v1/shows/{id}/guests`` ``{name, role, ttl_s}`` → the guest and the one-time
  ``token`` with the invite ``link`` (``/shows/{id}/guest#<token>``: the token rides in
  the fragment, which browsers never send to a server or put in a Referer);
- ``GET /v1/shows/{id}/guests`` → every guest with state, link health and media;
- ``POST /v1/shows/{id}/guests/control`` ``{guest, action}`` with action ``admit``,
  ``mute``, ``unmute`` or ``remove``;
- ``PUT /v1/shows/{id}/program`` ``{layout?, burn_captions?}``;
- ``POST /v1/shows/{id}/captions`` ``{speaker, role, text, language, seconds, id?,
  final?}``: what a person said (a recogniser's turn or a captioner's line) — captioned,
  and heard by a running interview; with an ``id`` the words come in revisions
  (``final: false`` for the words so far; an empty final withdraws them).

Guest (the invite token is the credential, no API key):

- ``GET /shows/{id}/guest`` the guest page; ``POST /v1/shows/{id}/guests/join``
  ``{token, sdp, type, video, audio}`` → the WebRTC answer; ``POST
  /v1/shows/{id}/guests/me`` ``{token}`` → their own state (the page polls it).

Refused tokens answer 403 with the reason (withdrawn, expired, not valid).
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response
from pydantic import Field, model_validator

from vhuman.models.types import InputError
from vhuman.stage.guests.room import InviteRefused

from ..deps import Host, Session, State
from ..schemas import _In
from ..state import ShowSession
from .viewer import CSP

log = logging.getLogger(__name__)

router = APIRouter(tags=["guests"])


class InviteIn(_In):
    name: str = Field(min_length=1, max_length=64)
    role: Literal["guest", "reporter"] = "guest"
    ttl_s: float = Field(3600.0, ge=10, le=7 * 86400, description="how long the invite lasts")


class ControlIn(_In):
    guest: str = Field(min_length=1, max_length=64)
    action: Literal["admit", "mute", "unmute", "remove"]


class ProgramIn(_In):
    layout: Literal["host_pip", "side_by_side", "guest_pip"] | None = None
    burn_captions: bool | None = None


class JoinIn(_In):
    token: str = Field(min_length=8, max_length=128)
    sdp: str = Field(min_length=1, max_length=100_000)
    type: Literal["offer"]
    video: bool = True
    audio: bool = True


class TurnIn(_In):
    speaker: str = Field(min_length=1, max_length=64)
    role: Literal["host", "guest", "reporter", "viewer"] = "guest"
    text: str = Field(max_length=2000, description="empty only to withdraw an id's caption")
    language: str = Field("en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    seconds: float = Field(0.0, ge=0, le=120, description="how long ago it began to be said")
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
                           description="an utterance sent in revisions: partials then final")
    final: bool = Field(True, description="false: the words so far (a partial transcript)")

    @model_validator(mode="after")
    def _words_or_withdrawal(self) -> TurnIn:
        if not self.text.strip() and not (self.id and self.final):
            raise ValueError("text is empty (an empty final with an id withdraws its caption)")
        return self


class TokenIn(_In):
    token: str = Field(min_length=8, max_length=128)


async def run(session: ShowSession, state: State, method: str, **args: Any) -> dict[str, Any]:
    """Run a guest operation where the show renders (:meth:`AppState.guest_call`: here, or
    on a cluster API replica the worker holding it) and map its refusals to HTTP."""
    from vhuman.stage.guests.service import NoProgram, NoSuchGuest

    try:
        return await state.guest_call(session, method, args)
    except InviteRefused as exc:
        raise HTTPException(403, str(exc)) from None
    except NoSuchGuest as exc:
        raise HTTPException(404, str(exc)) from None
    except NoProgram as exc:
        raise HTTPException(400, str(exc)) from None
    except InputError as exc:
        raise HTTPException(400 if method == "join" else 409, str(exc)) from None


@router.post("/v1/shows/{show_id}/guests", status_code=201)
async def invite(body: InviteIn, session: Session, state: State, _: Host) -> dict[str, Any]:
    return await run(session, state, "invite", name=body.name, role=body.role,
                     ttl_s=body.ttl_s, show_id=session.id)


@router.get("/v1/shows/{show_id}/guests")
async def list_guests(session: Session, state: State, _: Host) -> dict[str, Any]:
    return await run(session, state, "list")


@router.post("/v1/shows/{show_id}/guests/control")
async def control(body: ControlIn, session: Session, state: State, _: Host) -> dict[str, Any]:
    """``{"guest": id, "action": "admit" | "mute" | "unmute" | "remove"}``."""
    return await run(session, state, "control", guest=body.guest, action=body.action)


@router.put("/v1/shows/{show_id}/program")
async def program(body: ProgramIn, session: Session, state: State, _: Host) -> dict[str, Any]:
    return await run(session, state, "program", layout=body.layout,
                     burn_captions=body.burn_captions)


@router.post("/v1/shows/{show_id}/captions", status_code=202)
async def heard(body: TurnIn, session: Session, state: State, _: Host) -> dict[str, Any]:
    """What a person said (a recogniser's turn, or a human captioner's line): captioned
    live and in recordings, and heard by a running interview segment."""
    return await run(session, state, "caption", speaker=body.speaker, role=body.role,
                     text=body.text, language=body.language, seconds=body.seconds,
                     id=body.id, final=body.final)


@router.post("/v1/shows/{show_id}/guests/join")
async def join(body: JoinIn, session: Session, state: State) -> dict[str, Any]:
    return await run(session, state, "join", token=body.token, sdp=body.sdp,
                     video=body.video, audio=body.audio)


@router.post("/v1/shows/{show_id}/guests/me")
async def me(body: TokenIn, session: Session, state: State) -> dict[str, Any]:
    return await run(session, state, "me", token=body.token)


def _static(name: str) -> str:
    return resources.files("vhuman.stage.server").joinpath(f"static/{name}").read_text("utf-8")


@router.get("/shows/{show_id}/guest", response_class=HTMLResponse, include_in_schema=False)
async def guest_page(session: Session) -> Response:
    return HTMLResponse(_static("guest.html"), headers={
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store"})


@router.get("/guest-assets/guest-page.js", include_in_schema=False)
async def guest_script() -> Response:
    return Response(_static("guest-page.js"), media_type="application/javascript; charset=utf-8",
                    headers={"X-Content-Type-Options": "nosniff"})
