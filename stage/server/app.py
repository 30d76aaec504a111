"""The FastAPI application: ``create_app(settings)`` and ``serve(settings)``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import ProcessCollector

from vhuman.models.types import InputError, VhumanError
from vhuman.stage.metrics import Metrics

from ..show.loader import load_rundown
from ..store.base import Store
from .bridges import start_irc_bridge
from .errors import problems
from .hardening import header_timeout_protocol, install_scrubber
from .hosting import LocalHosting, ShowHosting
from .limits import BodyLimitMiddleware, SocketCapMiddleware
from .live import mount_live
from .routes import (
    chat,
    control,
    control_chat,
    control_desk,
    control_session,
    guests,
    health,
    metrics,
    openai,
    press_desk,
    qa,
    shows,
    viewer,
)
from .settings import ServerSettings
from .state import AppState, Backends, ShowSession

log = logging.getLogger(__name__)


def _describe(m: Metrics) -> None:
    m.describe("vhuman_chat_messages_total", "counter", "chat messages by final status")
    m.describe("vhuman_chat_first_audio_seconds", "histogram",
               "chat message received -> first audio of the answer")
    m.describe("vhuman_qa_latency_seconds", "histogram", "POST /v1/qa answer time")
    m.describe("vhuman_http_request_seconds", "histogram", "HTTP request latency by route")
    m.describe("vhuman_chat_queue_depth", "gauge", "chat messages waiting per show")
    m.describe("vhuman_stage_latency_seconds", "gauge", "latest latency per pipeline stage")
    m.describe("vhuman_performer_fps", "gauge", "rendered frames per second")
    m.describe("vhuman_performer_dropped_frames", "gauge", "frames dropped by the pipeline")
    m.describe("vhuman_show_ready", "gauge", "1 once the show's performer is started and warm")
    m.describe("vhuman_warmup_seconds", "gauge", "performer start + voice load at start-up")


def create_app(settings: ServerSettings | None = None, *, backends: Backends | None = None,
               store: Store | None = None, hosting: ShowHosting | None = None) -> FastAPI:
    """Build the app. ``hosting`` says where shows run (:class:`LocalHosting`, the default:
    here, with the live performer, the dialogue brain and ``settings.database_url``; the
    cluster's for an API replica). Tests inject ``backends`` (fake performer, brain, Q&A)
    and a store."""
    settings = settings or ServerSettings()
    hosting = hosting or LocalHosting()
    if settings.redis_url and hosting.runs_shows_here:
        raise VhumanError("redis_url is set: an API replica needs the cluster's hosting "
                          "(vhuman serve --redis chooses it)")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        chosen = backends if backends is not None else \
            await asyncio.to_thread(hosting.backends, settings)
        own_store = store is None
        state = hosting.state(settings, chosen, store)
        _describe(state.metrics)
        with contextlib.suppress(Exception):  # CPU and memory of this process (Linux /proc)
            ProcessCollector(registry=state.metrics.registry)
        app.state.vhuman = state
        state.close_listeners.append(live.drop_show)
        state.guest_ears = guest_ears  # guests' microphones to recognition (when enabled)
        state.extra_registries.append(live.metrics.registry)
        rundown = load_rundown(settings.rundown) if settings.rundown else None
        # The default show warms up (voice, first frame) in the background: the server
        # answers at once, /readyz says 503 until the show is ready.
        session = await state.create(settings.default_show, rundown, wait=False)
        tasks: list[asyncio.Task[Any]] = [asyncio.create_task(_autostart(state, session), name="autostart")] \
            if rundown is not None and settings.autostart and hosting.runs_shows_here else []
        if settings.irc_channel and hosting.runs_shows_here:  # else the show's worker does
            tasks.append(start_irc_bridge(state, session))
        if hosting.runs_shows_here:  # the listen settings' devices: microphones on this machine
            from .routes.listen import open_studio_microphones

            tasks.append(asyncio.create_task(open_studio_microphones(state, session),
                                             name="studio-microphones"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await live.close()
            await state.close_all()
            if own_store:
                state.store.close()

    app = FastAPI(title="vhuman", version="0.1.0", lifespan=lifespan,
                  description="Live virtual human: chat, reporter Q&A, shows, host control.")
    for router in hosting.routers():  # before the common routers: they win on a path
        app.include_router(router)
    # the viewer router first: its /viewer redirects win over the live router's page
    for router in (viewer.router, chat.router, press_desk.router, qa.router, shows.router,
                   control.router, control_desk.router, control_chat.router,
                   control_session.router, health.router, metrics.router, openai.router,
                   guests.router):
        app.include_router(router)
    from .routes.listen import guest_ears
    from .routes.listen import router as listen_router  # microphones: speech in
    from .routes.press_voice import router as press_voice_router  # the press desk's

    app.include_router(listen_router)
    app.include_router(press_voice_router)
    live = mount_live(app, settings)
    app.state.vhuman_live = live
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SocketCapMiddleware)
    if settings.trusted_proxies:  # outside the limits: each sees the real client address
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    @app.middleware("http")
    async def timing(request: Request, call_next):  # noqa: ANN001, ANN202
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        response = await call_next(request)
        route = request.scope.get("route")
        state = getattr(request.app.state, "vhuman", None)
        if state is not None:
            state.metrics.observe("vhuman_http_request_seconds", loop.time() - t0,
                                  {"route": getattr(route, "path", "other"),
                                   "code": str(response.status_code)})
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default body echoes the input (and fails on NaN or lone surrogates)
        return JSONResponse({"detail": problems(exc.errors())}, status_code=422)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(VhumanError)
    async def engine_error(request: Request, exc: VhumanError) -> JSONResponse:
        log.warning("engine error on %s: %s", request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=503)

    return app


async def _autostart(state: AppState, session: ShowSession) -> None:
    """Start the rundown once the show is warm (``autostart``)."""
    try:
        await session.wait_ready()
    except VhumanError as exc:
        log.error("autostart of show %s skipped: %s", session.id, exc)
        return
    state.start_show(session)


def server_config(settings: ServerSettings, app: FastAPI | None = None,
                  hosting: ShowHosting | None = None) -> Any:
    """The uvicorn config ``vhuman serve`` runs: header timeout for half-open
    connections, a cap on concurrent connections, keys scrubbed from every log line."""
    import uvicorn

    app = app or create_app(settings, hosting=hosting)

    def limits() -> Any:  # the app's address limits, once it started
        state = getattr(app.state, "vhuman", None)
        return None if state is None else state.limits

    config = uvicorn.Config(app, host=settings.host,
                            port=settings.port, log_level="info",
                            http=header_timeout_protocol(settings, limits),
                            limit_concurrency=settings.max_connections,
                            # X-Forwarded-* are believed only from trusted_proxies, by
                            # the app's own middleware (uvicorn's default trusts 127.0.0.1)
                            proxy_headers=False,
                            timeout_keep_alive=5, server_header=False,
                            ws_max_size=settings.ws_max_message_bytes * 4,
                            # small JSON events: compressing each costs more CPU than
                            # the bytes are worth (a fifth of a busy server's time)
                            ws_per_message_deflate=False)
    install_scrubber(settings.api_keys)  # after uvicorn configured its loggers
    if settings.gil_switch_interval_s:
        # The event loop shares the GIL with the live performer's threads: a short switch
        # interval bounds how long an ack or a probe waits behind them (measured: chat
        # ack p99 217 -> 61 ms with 500 sockets on the real performer, 2 cores).
        sys.setswitchinterval(settings.gil_switch_interval_s)
    return config


def serve(settings: ServerSettings | None = None, hosting: ShowHosting | None = None) -> None:
    """``vhuman serve``: run the app with uvicorn until interrupted."""
    import uvicorn

    settings = settings or ServerSettings()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn already shut down
        uvicorn.Server(server_config(settings, hosting=hosting)).run()
