"""The control room's run-of-show: what the media root holds (rundowns, songs, music),
the timeline of a show (done / on air / next, time left, drift), reordering what has
not aired, and inserting a segment while the show runs. Host key.

The work is :mod:`stage.server.rundesk`'s, on the show held here or, in scale-out, on
the show's worker (a typed command through the replica's ``RemoteRunner``): both modes
answer alike.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from vhuman.animation.gestures import gesture_names
from vhuman.animation.sing import DANCE_STYLES
from vhuman.models.sing.formats import MUSIC21_SUFFIXES
from vhuman.models.types import Emotion, InputError

from .. import rundesk
from ..deps import Host, Session, State
from ..rundesk import TimelineOut
from ..schemas import _In
from ..state import ShowSession

router = APIRouter(tags=["control room"])

SUFFIXES = {"rundowns": (".yaml", ".yml"), "scores": MUSIC21_SUFFIXES,  # what `sing` reads
            "music": (".wav", ".mp3", ".ogg", ".flac", ".m4a"),
            "images": (".png", ".jpg", ".jpeg", ".webp")}
MAX_FILES = 300
MAX_DEPTH = 4
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".vhuman-index"}
SEGMENT_TYPES = ("say", "sing", "dance", "promo", "chat", "qa", "pause")


class LibraryOut(BaseModel):
    """What a host can pick from: files in the media root and the named repertoire."""

    rundowns: list[str]
    scores: list[str]
    music: list[str]
    images: list[str]
    emotions: list[str]
    gestures: list[str]
    dance_styles: list[str]
    segment_types: list[str]


class ReorderIn(_In):
    order: list[str] = Field(min_length=1, max_length=1000,
                             description="ids of the segments not yet aired, in the new order")


class InsertIn(_In):
    segment: dict[str, Any] = Field(description="one segment, as in a rundown file")
    after: str | None = Field(None, max_length=64, description="id of the segment it follows "
                              "(default: next after the one on air)")


def _scan(root: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {kind: [] for kind in SUFFIXES}
    count = 0
    base_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).parts) - base_depth
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if depth >= MAX_DEPTH:
            dirs[:] = []
        for name in sorted(files):
            suffix = os.path.splitext(name)[1].lower()
            for kind, suffixes in SUFFIXES.items():
                if suffix in suffixes:
                    found[kind].append(str((Path(folder) / name).relative_to(root)))
                    count += 1
            if count >= MAX_FILES:
                return found
    return found


@router.get("/v1/control/library")
async def library(state: State, _: Host) -> LibraryOut:
    """Rundowns, scores, music and pictures in the media root (paths relative to it, as
    the API takes them), with the emotions, gestures and dance styles the engine knows."""
    found = await asyncio.to_thread(_scan, state.media.media_root)
    return LibraryOut(**found, emotions=[e.value for e in Emotion], gestures=gesture_names(),
                      dance_styles=list(DANCE_STYLES), segment_types=list(SEGMENT_TYPES))


def http_error(exc: InputError, default: int = 409) -> HTTPException:
    """A refusal of the desk (here, or relayed from the show's worker) as the route's
    answer: its own status and detail when it has them."""
    status = getattr(exc, "status", None) or default
    detail = getattr(exc, "detail", None) or str(exc)
    return HTTPException(status, detail)


def _held_elsewhere(session: ShowSession) -> Any | None:
    """A scale-out show's run-of-show on its worker (None: the show is held here)."""
    return None if session.held_here else getattr(session, "run_of_show", None)


@router.get("/v1/shows/{show_id}/control/timeline")
async def get_timeline(session: Session, _: Host) -> TimelineOut:
    """The run-of-show: each segment done / on air / next, time left, drift."""
    try:
        if (remote := _held_elsewhere(session)) is not None:
            timeline: TimelineOut = await remote.timeline()
            return timeline
        return rundesk.timeline(session)
    except InputError as exc:
        raise http_error(exc) from None


@router.post("/v1/shows/{show_id}/control/reorder")
async def reorder(body: ReorderIn, session: Session, _: Host) -> TimelineOut:
    """Put the segments that have not aired in the given order (all of them, by id)."""
    try:
        if (remote := _held_elsewhere(session)) is not None:
            timeline: TimelineOut = await remote.reorder(body.order)
            return timeline
        return rundesk.reorder(session, body.order)
    except InputError as exc:
        raise http_error(exc) from None


@router.post("/v1/shows/{show_id}/control/insert")
async def insert(body: InsertIn, session: Session, state: State, _: Host) -> TimelineOut:
    """Add a segment (checked like a rundown's, files held to the media root) after
    ``after`` or as the next one; the show plays it when it gets there."""
    try:
        if (remote := _held_elsewhere(session)) is not None:
            timeline: TimelineOut = await remote.insert(body.segment, body.after)
            return timeline
        return await rundesk.insert(state, session, body.segment, body.after)
    except InputError as exc:
        raise http_error(exc) from None
