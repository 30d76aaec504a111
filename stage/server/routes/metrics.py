"""Prometheus metrics: chat/Q&A latency, queue depths, fps, dropped frames, stage latency.

One registry per app (``state.metrics.registry``): the server's own series, plus each live
performer's (``vhuman_live_*``, ``vhuman_output_*`` per output, labelled ``show``) and the
WebRTC/parameter viewers' (``vhuman_webrtc_*``, ``vhuman_output_*{output="webrtc-N"}``),
joined at scrape time by :class:`vhuman.stage.metrics.LabelledCollector`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..auth import AccessDenied, authorize
from ..deps import State, http_error

router = APIRouter(tags=["health"])


def collect_shows(state: State) -> None:
    """Scrape-time gauges from every show and its performer."""
    m = state.metrics
    for show_id, session in state.sessions.items():
        labels = {"show": show_id}
        m.set("vhuman_chat_queue_depth", len(session.chat), labels)
        m.set("vhuman_viewers", len(session.viewers), labels)
        m.set("vhuman_show_ready", 1.0 if session.ready.is_set() else 0.0, labels)
        status = session.performer.status()
        for key in ("fps", "render_fps", "dropped_frames", "queue_depth", "late_ticks",
                    "audio_buffered_s"):
            if isinstance(status.get(key), int | float):
                m.set(f"vhuman_performer_{key}", float(status[key]), labels)
        for stage, seconds in (status.get("latency") or {}).items():
            if isinstance(seconds, int | float):
                m.set("vhuman_stage_latency_seconds", float(seconds),
                      {"show": show_id, "stage": str(stage)})
        for output, stats in (status.get("outputs") or {}).items():
            for key, value in (stats or {}).items() if isinstance(stats, dict) else ():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    m.set(f"vhuman_performer_output_{key}", float(value),
                          {"show": show_id, "output": str(output)})


def exposition(state: State) -> bytes:
    """Everything: the server's metrics, each live performer's, the viewers'."""
    collect_shows(state)
    return generate_latest(state.metrics.registry)


@router.get("/metrics")
async def metrics(request: Request, state: State) -> Response:
    if not state.settings.metrics_public:
        try:
            authorize(state.settings, request, "host")
        except AccessDenied as exc:
            raise http_error(exc) from None
    return Response(exposition(state), media_type=CONTENT_TYPE_LATEST)
