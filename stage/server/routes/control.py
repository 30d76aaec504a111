"""Host control: say-now, interrupt, emotion, gesture, dance, sing, overlay, camera."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import Field

from vhuman.models.types import Emotion, InputError

from ..deps import Host, Session, State
from ..rundesk import take_shot
from ..schemas import (
    DanceIn,
    EmotionIn,
    GestureIn,
    InterruptIn,
    OkOut,
    OverlayIn,
    SayIn,
    SingIn,
    _In,
)
from .control_desk import http_error

router = APIRouter(prefix="/v1/shows/{show_id}/control", tags=["control"])

READY_WAIT_S = 30.0
"""How long a control call waits for a show that is still warming up (then 503)."""


@router.post("/say")
async def say_now(body: SayIn, session: Session, state: State, _: Host) -> OkOut:
    """Say this now: during a show it cuts in when its priority beats the segment's."""
    await session.wait_ready(READY_WAIT_S)
    controls = session.controls()
    if controls is not None and session.show_running:
        handle = await controls.host_say(body.text, emotion=body.emotion,
                                         priority=body.priority)
    else:
        if body.priority is None or body.priority > 0:
            await session.performer.interrupt("host say-now")
        handle = await session.performer.say(body.text, emotion=body.emotion,
                                             priority=body.priority or 100, source="host")
    state.transcript.spoken(session.id, "host", [handle], body.text)  # show or not
    return OkOut(detail={"handle": handle.id})


@router.post("/interrupt")
async def interrupt(body: InterruptIn, session: Session, _: Host) -> OkOut:
    await session.wait_ready(READY_WAIT_S)
    await session.performer.interrupt(body.reason)
    return OkOut()


@router.post("/emotion")
async def set_emotion(body: EmotionIn, session: Session, _: Host) -> OkOut:
    await session.wait_ready(READY_WAIT_S)
    await session.performer.set_emotion(body.emotion, body.intensity)
    return OkOut()


@router.post("/gesture")
async def gesture(body: GestureIn, session: Session, _: Host) -> OkOut:
    await session.wait_ready(READY_WAIT_S)
    await session.performer.gesture(body.name)
    return OkOut()


@router.post("/dance")
async def dance(body: DanceIn, session: Session, state: State, _: Host) -> OkOut:
    """Dance now; ``music`` is an audio file inside the media root."""
    music = None
    if body.music:
        try:
            music = await state.media.run(state.media.media_file, body.music, "music",
                                          "music file", field="music")
        except InputError as exc:
            raise HTTPException(422, str(exc)) from None
    await session.wait_ready(READY_WAIT_S)
    handle = await session.performer.dance(music, duration=body.duration, style=body.style)
    return OkOut(detail={"handle": handle.id})


@router.post("/sing")
async def sing(body: SingIn, session: Session, state: State, _: Host) -> OkOut:
    """Sing now: ``score`` (MusicXML, MIDI with lyrics, YAML) and an optional ``backing``
    audio file, both inside the media root (or ``backing`` 'score' / 'none')."""
    try:
        score = await state.media.run(state.media.media_file, body.score, "score",
                                      "score file", field="score")
        backing: str | None = body.backing
        if backing is not None and backing not in ("score", "none"):
            backing = str(await state.media.run(state.media.media_file, backing, "backing",
                                                "backing file", field="backing"))
        emotion = Emotion.parse(body.emotion) if body.emotion else None
        await session.wait_ready(READY_WAIT_S)
        handle = await session.performer.sing(score, backing=backing, style=body.style,
                                              emotion=emotion, finale=body.finale,
                                              backing_start=body.backing_start)
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None
    return OkOut(detail={"handle": handle.id})


@router.post("/overlay")
async def overlay(body: OverlayIn, session: Session, state: State, _: Host) -> OkOut:
    """Show a promo card; its ``image`` is an http(s) URL or a picture in the media root."""
    if body.card and body.card.get("image"):
        try:
            body.card["image"] = state.media.image(str(body.card["image"]), "card.image")
        except InputError as exc:
            raise HTTPException(422, str(exc)) from None
    await session.wait_ready(READY_WAIT_S)
    await session.performer.show_overlay(body.card)
    return OkOut()


class CameraIn(_In):
    shot: Literal["wide", "medium", "close_up", "guest"]
    transition: Literal["cut", "ease"] = "cut"
    seconds: float = Field(0.6, ge=0, le=5, description="how long an ease lasts")


@router.post("/camera")
async def camera(body: CameraIn, session: Session, _: Host) -> OkOut:
    """Switch the program's camera shot: wide, medium, close-up (the host), or guest (a
    guest on air full frame, the host picture-in-picture); by a cut or an ease. In
    scale-out the shot is taken on the show's worker; refusals (no camera, no guest on
    air for the guest shot) are 409 with the reason in both modes."""
    await session.wait_ready(READY_WAIT_S)
    try:
        if not session.held_here:
            status = await session.performer.set_shot(  # type: ignore[attr-defined]
                body.shot, body.transition, body.seconds)
        else:
            status = take_shot(session.performer, body.shot, body.transition, body.seconds)
    except InputError as exc:
        raise http_error(exc) from None
    return OkOut(detail=status)
