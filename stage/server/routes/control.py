"""Host control: say-now, interrupt, emotion, gesture, dance, overlay."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException

from ..deps import Host, Session
from ..schemas import DanceIn, EmotionIn, GestureIn, InterruptIn, OkOut, OverlayIn, SayIn

router = APIRouter(prefix="/v1/shows/{show_id}/control", tags=["control"])

READY_WAIT_S = 30.0
"""How long a control call waits for a show that is still warming up (then 503)."""


@router.post("/say")
async def say_now(body: SayIn, session: Session, _: Host) -> OkOut:
    """Say this now: during a show it cuts in when its priority beats the segment's."""
    await session.wait_ready(READY_WAIT_S)
    if session.runner is not None and session.show_running:
        handle = await session.runner.host_say(body.text, emotion=body.emotion,
                                               priority=body.priority)
    else:
        if body.priority is None or body.priority > 0:
            await session.performer.interrupt("host say-now")
        handle = await session.performer.say(body.text, emotion=body.emotion,
                                             priority=body.priority or 100, source="host")
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
async def dance(body: DanceIn, session: Session, _: Host) -> OkOut:
    await session.wait_ready(READY_WAIT_S)
    music = None
    if body.music:
        music = Path(body.music)
        if not music.is_file():
            raise HTTPException(422, f"music: file not found: {body.music}")
    handle = await session.performer.dance(music, duration=body.duration, style=body.style)
    return OkOut(detail={"handle": handle.id})


@router.post("/overlay")
async def overlay(body: OverlayIn, session: Session, _: Host) -> OkOut:
    await session.wait_ready(READY_WAIT_S)
    await session.performer.show_overlay(body.card)
    return OkOut()
