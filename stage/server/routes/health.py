"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import State

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(state: State) -> dict[str, Any]:
    """The process answers; counts of shows and viewers."""
    return {"status": "ok", "shows": len(state.sessions),
            "viewers": sum(len(s.viewers) for s in state.sessions.values())}


@router.get("/readyz")
async def readyz(state: State) -> JSONResponse:
    """Ready (200) when the store answers and every show's performer is started and warm
    (voice loaded, first frame rendered); 503 until then, or when a show failed."""
    try:
        await asyncio.to_thread(state.store.qa_log, 1)
        store_ok = True
    except Exception:  # noqa: BLE001 - report, never raise, from a probe
        store_ok = False
    shows = {sid: {"ready": s.ready.is_set(), "error": s.error, "warmup": s.warmup}
             for sid, s in state.sessions.items()}
    ready = store_ok and all(v["ready"] for v in shows.values())
    body = {"ready": ready, "store": store_ok, "shows": shows,
            "qa": state.backends.qa is not None,
            "brain": state.backends.brain_factory is not None}
    return JSONResponse(body, status_code=200 if ready else 503)
