"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import Caller, State

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(state: State) -> dict[str, Any]:
    """The process answers; counts of shows and viewers."""
    return {"status": "ok", "shows": len(state.sessions),
            "viewers": sum(len(s.viewers) for s in state.sessions.values())}


STORE_PROBE_S = 2.0
"""A store that does not answer within this is as good as down for a probe."""


@router.get("/readyz")
async def readyz(state: State, caller: Caller) -> JSONResponse:
    """Ready (200) when the server itself can serve: the store answers and the show it
    was started with is warm (voice loaded, first frame rendered). Each show is reported;
    a show added later that fails does not take the server out of rotation. Error
    details are for hosts only."""
    try:
        await asyncio.wait_for(asyncio.to_thread(state.store.qa_log, 1), STORE_PROBE_S)
        store_ok = True
    except Exception:  # noqa: BLE001 - report, never raise, from a probe
        store_ok = False
    full = caller is not None and caller.may("host")
    shows = {sid: {"ready": s.ready.is_set(),
                   "error": s.error if full or s.error is None else "unavailable",
                   "warmup": s.warmup}
             for sid, s in state.sessions.items()}
    default = shows.get(state.settings.default_show)
    ready = store_ok and (default is None or default["ready"])
    body = {"ready": ready, "store": store_ok, "shows": shows,
            "qa": state.backends.qa is not None,
            "brain": state.backends.brain_factory is not None}
    return JSONResponse(body, status_code=200 if ready else 503)
