"""The run-of-show of a show held in this process: the timeline (done / on air / next,
time left, drift against the planned clock), reordering what has not aired, and inserting
a segment while the show runs.

The control room's routes call these for a show held here; in scale-out the show's
worker calls the same functions when a replica sends the matching typed command
(:mod:`stage.cluster.command_table`), so both modes answer alike, refusals included
(:class:`DeskRefused` carries the HTTP status a route answers with).

The runner walks ``rundown.segments`` by position, so the segments after the one on
air may be reordered or added to in place: the runner meets them in their new order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from vhuman.models.types import InputError

from ..show.rundown import Rundown, RundownError, RundownSegment, SegmentBase
from .routes.shows import _parse_request_rundown, _rundown_error

if TYPE_CHECKING:
    from .state import AppState, ShowSession


class DeskRefused(InputError):
    """A control-room action refused with its reason; ``status`` is the HTTP status the
    route answers with (404 not found, 409 conflicts with the show's state, 422 invalid),
    ``detail`` what it says (text, or the problems of an invalid segment)."""

    def __init__(self, status: int, detail: str | dict[str, Any]) -> None:
        super().__init__(detail if isinstance(detail, str) else json.dumps(detail))
        self.status, self.detail = status, detail


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


def _rundown(session: ShowSession) -> Rundown:
    if session.rundown is None:
        raise DeskRefused(409, f"show {session.id!r} has no rundown loaded")
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
    if session.rundown is None:
        return TimelineOut(show_id=session.id, state="no rundown", clock_s=0.0, planned_s=0.0,
                           drift_s=None, segments=[])
    rundown = session.rundown
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


def _renumber(rundown: Rundown) -> None:
    for i, seg in enumerate(rundown.segments):
        seg._index = i


def reorder(session: ShowSession, order: list[str]) -> TimelineOut:
    """Put the segments that have not aired in ``order`` (all of them, by id)."""
    rundown = _rundown(session)
    first = _aired_upto(session)
    by_id = {seg.id: seg for seg in rundown.segments[first:]}
    if sorted(order) != sorted(by_id):
        raise DeskRefused(409, "order must list every segment not yet aired, once: "
                               + ", ".join(by_id) if by_id else "nothing left to reorder")
    rundown.segments[first:] = [by_id[i] for i in order]
    _renumber(rundown)
    return timeline(session)


def new_segment_id(session: ShowSession, segment: dict[str, Any]) -> dict[str, Any]:
    """``segment`` with its id: the given one (refused when taken) or the next free
    ``live-<n>``."""
    rundown = _rundown(session)
    taken = {seg.id for seg in rundown.segments}
    segment = dict(segment)
    if not segment.get("id"):
        n = len(rundown.segments) + 1
        while f"live-{n}" in taken:
            n += 1
        segment["id"] = f"live-{n}"
    if segment["id"] in taken:
        raise DeskRefused(409, f"a segment with id {segment['id']!r} exists already")
    return segment


async def parse_segment(state: AppState, segment: dict[str, Any]) -> RundownSegment:
    """One segment checked like a rundown's (files held to the media root); an invalid
    one is refused with the line-numbered problems a rundown gets."""
    text = json.dumps({"show": {"title": "inserted segment"}, "segments": [segment]},
                      indent=1)
    try:
        parsed = await state.media.run(_parse_request_rundown, text, "segment",
                                       state.media.media_root, state.media, field="segment")
    except (RundownError, InputError) as exc:
        raise DeskRefused(422, _rundown_error(exc, "segment").detail) from None
    return parsed.segments[0]


async def insert(state: AppState, session: ShowSession, segment: dict[str, Any],
                 after: str | None) -> TimelineOut:
    """Add ``segment`` after ``after`` (default: next after the one on air); the show
    plays it when it gets there."""
    rundown = _rundown(session)
    segment = new_segment_id(session, segment)
    parsed = await parse_segment(state, segment)
    first = _aired_upto(session)
    position = first
    if after is not None:
        ids = [seg.id for seg in rundown.segments]
        if after not in ids:
            raise DeskRefused(404, f"no segment {after!r} in this show")
        position = ids.index(after) + 1
        if position < first:
            raise DeskRefused(409, f"segment {after!r} has aired already")
    rundown.segments.insert(position, parsed)
    _renumber(rundown)
    return timeline(session)


def take_shot(performer: Any, shot: str, transition: Literal["cut", "ease"] = "cut",
              seconds: float = 0.6) -> dict[str, Any]:
    """Switch the program's camera shot (wide, medium, close-up, or guest: a guest on air
    full frame); returns the camera's status. Refused (409) with the reason when the
    performer has no camera or the shot cannot be taken (no guest on air for ``guest``)."""
    set_shot = getattr(performer, "set_shot", None)
    if set_shot is None or getattr(performer, "shots", None) is None:
        raise DeskRefused(409, "this show's performer has no camera shots (the live "
                               "performer has them)")
    try:
        set_shot(shot, transition, seconds)
    except DeskRefused:
        raise
    except InputError as exc:
        raise DeskRefused(409, str(exc)) from None
    status: dict[str, Any] = performer.shots.status()
    return status
