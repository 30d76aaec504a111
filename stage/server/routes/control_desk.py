"""The control room's run-of-show: what the media root holds (rundowns, songs, music),
the timeline of a show (done / on air / next, time left, drift), reordering what has
not aired, and inserting a segment while the show runs. Host key.

The runner walks ``rundown.segments`` by position, so the segments after the one on
air may be reordered or added to in place: the runner meets them in their new order.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from vhuman.animation.gestures import gesture_names
from vhuman.animation.sing import DANCE_STYLES
from vhuman.models.types import Emotion, InputError

from ...show.rundown import Rundown, RundownError, SegmentBase
from ..deps import Host, Session, State
from ..schemas import _In
from ..state import ShowSession
from .shows import _parse_request_rundown, _rundown_error

router = APIRouter(tags=["control room"])

SUFFIXES = {"rundowns": (".yaml", ".yml"), "scores": (".musicxml", ".xml", ".mid", ".midi"),
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


class SegmentOut(BaseModel):
    index: int
    id: str
    type: str
    summary: str
    status: Literal["done", "skipped", "on_air", "next", "pending"]
    planned_start_s: float
    planned_s: float
    started_s: float | None = None
    ended_s: float | None = None
    time_left_s: float | None = None
    drift_s: float | None = None


class TimelineOut(BaseModel):
    show_id: str
    state: str
    clock_s: float
    planned_s: float
    drift_s: float | None
    segments: list[SegmentOut]


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


def _remote(session: ShowSession) -> bool:
    """A scale-out show: held by a worker, its rundown and runner are there."""
    return not session.held_here


def _local(session: ShowSession) -> Rundown:
    """The rundown of a show held in this process (scale-out shows live on workers)."""
    if _remote(session):
        raise HTTPException(501, "the run-of-show editor needs single-server mode (in "
                                 "scale-out the rundown runs on the show's worker)")
    if session.rundown is None:
        raise HTTPException(409, f"show {session.id!r} has no rundown loaded")
    return session.rundown


def _summary(seg: SegmentBase) -> str:
    lines = seg.spoken_lines()
    if lines:
        return lines[0].text[:80]
    for attr in ("score", "music", "product", "style"):
        value = getattr(seg, attr, None)
        if value:
            name = getattr(value, "name", value)
            return f"{seg.kind}: {Path(str(name)).name if attr != 'product' else name}"[:80]
    return seg.notes[:80] if seg.notes else seg.kind


def _aired_upto(session: ShowSession) -> int:
    """Index of the first segment that may still change (after the one on air)."""
    runner = session.runner
    if runner is None or runner.state in ("ready", "stopped", "finished"):
        return 0
    if runner.segment is not None:
        return runner.segment.index + 1
    # between two segments: after the last one that started
    ids = [seg.id for seg in session.rundown.segments] if session.rundown else []
    for event in reversed(list(runner.events)):
        if event.get("event") == "segment_started" and event.get("id") in ids:
            return ids.index(event["id"]) + 1
    return 0


def timeline(session: ShowSession) -> TimelineOut:
    """The run-of-show now: each segment's status, planned and actual start, time left
    for the one on air, and drift against the planned clock."""
    if not _remote(session) and session.rundown is None:
        return TimelineOut(show_id=session.id, state="no rundown", clock_s=0.0, planned_s=0.0,
                           drift_s=None, segments=[])
    rundown = _local(session)
    runner = session.runner
    state = runner.state if runner is not None else "ready"
    clock = runner.clock.now() if runner is not None and state != "ready" else 0.0
    started: dict[str, float] = {}
    ended: dict[str, tuple[str, float]] = {}
    for event in list(runner.events) if runner is not None else []:
        kind, seg_id = event.get("event"), str(event.get("id"))
        if kind == "segment_started":
            started[seg_id] = float(event["clock"])
            ended.pop(seg_id, None)
        elif kind in ("segment_ended", "segment_skipped", "segment_error"):
            ended[seg_id] = (kind, float(event["clock"]))
    current = runner.segment if runner is not None else None
    out: list[SegmentOut] = []
    planned, drift, seen_next = 0.0, None, False
    for seg in rundown.segments:
        start = float(seg.at) if seg.at is not None else planned
        length = seg.estimated_seconds()
        planned = start + length
        item = SegmentOut(index=seg.index, id=seg.id, type=seg.kind, summary=_summary(seg),
                          status="pending", planned_start_s=round(start, 2),
                          planned_s=round(length, 2), started_s=started.get(seg.id),
                          ended_s=ended[seg.id][1] if seg.id in ended else None)
        if current is not None and seg is current:
            item.status = "on_air"
            if item.started_s is not None:
                item.time_left_s = round(max(0.0, length - (clock - item.started_s)), 2)
                drift = item.drift_s = round(item.started_s - start, 2)
        elif seg.id in ended and (current is None or seg.index < current.index
                                  or state in ("stopped", "finished")):
            item.status = "skipped" if ended[seg.id][0] == "segment_skipped" else "done"
            if item.started_s is not None:
                item.drift_s = round(item.started_s - start, 2)
                drift = round(ended[seg.id][1] - planned, 2)
        elif not seen_next and state in ("running", "paused", "ready"):
            item.status, seen_next = "next", True
        out.append(item)
    return TimelineOut(show_id=session.id, state=state, clock_s=round(clock, 2),
                       planned_s=round(planned, 2), drift_s=drift, segments=out)


@router.get("/v1/shows/{show_id}/control/timeline")
async def get_timeline(session: Session, _: Host) -> TimelineOut:
    return timeline(session)


def _renumber(rundown: Rundown) -> None:
    for i, seg in enumerate(rundown.segments):
        seg._index = i


@router.post("/v1/shows/{show_id}/control/reorder")
async def reorder(body: ReorderIn, session: Session, _: Host) -> TimelineOut:
    """Put the segments that have not aired in the given order (all of them, by id)."""
    rundown = _local(session)
    first = _aired_upto(session)
    pending = rundown.segments[first:]
    by_id = {seg.id: seg for seg in pending}
    if sorted(body.order) != sorted(by_id):
        raise HTTPException(409, "order must list every segment not yet aired, once: "
                                 + ", ".join(by_id) if by_id else "nothing left to reorder")
    rundown.segments[first:] = [by_id[i] for i in body.order]
    _renumber(rundown)
    return timeline(session)


@router.post("/v1/shows/{show_id}/control/insert")
async def insert(body: InsertIn, session: Session, state: State, _: Host) -> TimelineOut:
    """Add a segment (checked like a rundown's, files held to the media root) after
    ``after`` or as the next one; the show plays it when it gets there."""
    rundown = _local(session)
    taken = {seg.id for seg in rundown.segments}
    segment = dict(body.segment)
    if not segment.get("id"):
        n = len(rundown.segments) + 1
        while f"live-{n}" in taken:
            n += 1
        segment["id"] = f"live-{n}"
    if segment["id"] in taken:
        raise HTTPException(409, f"a segment with id {segment['id']!r} exists already")
    text = json.dumps({"show": {"title": "inserted segment"}, "segments": [segment]},
                      indent=1)
    try:
        parsed = await state.media.run(_parse_request_rundown, text, "segment",
                                       state.media.media_root, state.media, field="segment")
    except (RundownError, InputError) as exc:
        raise _rundown_error(exc, "segment") from None
    first = _aired_upto(session)
    position = first
    if body.after is not None:
        ids = [seg.id for seg in rundown.segments]
        if body.after not in ids:
            raise HTTPException(404, f"no segment {body.after!r} in this show")
        position = ids.index(body.after) + 1
        if position < first:
            raise HTTPException(409, f"segment {body.after!r} has aired already")
    rundown.segments.insert(position, parsed.segments[0])
    _renumber(rundown)
    return timeline(session)
