"""Prometheus metrics: chat/Q&A latency, queue depths, fps, dropped frames, stage latency."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse

from ..auth import extract_key, identify
from ..deps import State

router = APIRouter(tags=["health"])


def collect_shows(state: State) -> None:
    """Scrape-time gauges from every show and its performer."""
    m = state.metrics
    for show_id, session in state.sessions.items():
        labels = {"show": show_id}
        m.set("vhuman_chat_queue_depth", len(session.chat), labels)
        m.set("vhuman_viewers", len(session.viewers), labels)
        status = session.performer.status()
        for key in ("fps", "dropped_frames", "queue_depth"):
            if isinstance(status.get(key), int | float):
                m.set(f"vhuman_performer_{key}", float(status[key]), labels)
        for stage, seconds in (status.get("latency") or {}).items():
            if isinstance(seconds, int | float):
                m.set("vhuman_stage_latency_seconds", float(seconds),
                      {"show": show_id, "stage": str(stage)})


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request, state: State) -> PlainTextResponse:
    if not state.settings.metrics_public:
        key = extract_key(request.headers.get("authorization"),
                          request.headers.get("x-api-key"), None)
        who = identify(state.settings, key)
        if who is None or not who.may("host"):
            raise HTTPException(401, "metrics need a host key")
    collect_shows(state)
    return PlainTextResponse(state.metrics.render(),
                             media_type="text/plain; version=0.0.4; charset=utf-8")
