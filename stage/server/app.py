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

from vhuman.models.types import InputError, VhumanError
from vhuman.stage.live.metrics import Metrics

from ..aio import spawn
from ..chat.irc import IRCBridge, IRCConfig
from ..chat.message import ChatMessage
from ..show.loader import load_rundown
from ..store.base import Store
from ..store.factory import open_store
from .errors import problems
from .hardening import header_timeout_protocol, install_scrubber
from .limits import BodyLimitMiddleware
from .live import mount_live
from .routes import chat, control, guests, health, metrics, openai, qa, shows, viewer
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


def start_irc_bridge(state: AppState, session: ShowSession) -> asyncio.Task[None]:
    """Relay a Twitch/IRC channel into ``session``'s chat; answers go back to the channel
    (one line per sentence) when ``irc_reply`` is on."""
    s = state.settings
    config = IRCConfig(s.irc_host, s.irc_port, s.irc_channel or "", nick=s.irc_nick,
                       password=s.irc_password, tls=s.irc_tls)

    async def sink(message: ChatMessage) -> None:
        await state.submit_chat(session, message)

    bridge = IRCBridge(config, sink)
    state.bridges[session.id] = bridge
    if s.irc_reply:
        def reply(message: ChatMessage, text: str) -> None:
            if message.source == config.source and bridge.joined.is_set():
                spawn(bridge.send(text), name=f"irc-reply:{session.id}")
        state.sentence_listeners.append(reply)
    return asyncio.create_task(bridge.run(), name=f"irc:{session.id}")


def create_app(settings: ServerSettings | None = None, *, backends: Backends | None = None,
               store: Store | None = None) -> FastAPI:
    """Build the app. Tests inject ``backends`` (fake performer, brain, Q&A) and a store;
    by default the live performer, the dialogue brain and ``settings.database_url``."""
    settings = settings or ServerSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if backends is None and settings.redis_url:  # an API replica: no models here
            from ..cluster.run import api_backends
            chosen = await asyncio.to_thread(api_backends, settings)
        elif backends is None:
            from .backends import default_backends
            chosen = await asyncio.to_thread(default_backends, settings)
        else:
            chosen = backends
        own_store = store is None
        state: AppState
        if settings.redis_url:  # cluster API replica: the shows live on workers
            from ..cluster.api import ClusterAppState
            from ..cluster.run import cluster_store
            state = ClusterAppState(settings, chosen, store or cluster_store(settings))
        else:
            state = AppState(settings, chosen, store or open_store(settings.database_url))
        _describe(state.metrics)
        app.state.vhuman = state
        state.close_listeners.append(live.drop_show)
        state.extra_registries.append(live.metrics.registry)
        rundown = load_rundown(settings.rundown) if settings.rundown else None
        # The default show warms up (voice, first frame) in the background: the server
        # answers at once, /readyz says 503 until the show is ready.
        session = await state.create(settings.default_show, rundown, wait=False)
        tasks = [asyncio.create_task(_autostart(state, session), name="autostart")] \
            if rundown is not None and settings.autostart and not settings.redis_url else []
        if settings.irc_channel:
            tasks.append(start_irc_bridge(state, session))
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
    if settings.redis_url:  # before the shows router: its POST /v1/shows stores the YAML
        from ..cluster.routes import router as cluster_router
        app.include_router(cluster_router)
    # the viewer router first: its /viewer redirects win over the live router's page
    for router in (viewer.router, chat.router, qa.router, shows.router, control.router,
                   health.router, metrics.router, openai.router, guests.router):
        app.include_router(router)
    live = mount_live(app, settings)
    app.state.vhuman_live = live
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)

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


def server_config(settings: ServerSettings, app: FastAPI | None = None) -> Any:
    """The uvicorn config ``vhuman serve`` runs: header timeout for half-open
    connections, a cap on concurrent connections, keys scrubbed from every log line."""
    import uvicorn

    config = uvicorn.Config(app or create_app(settings), host=settings.host,
                            port=settings.port, log_level="info",
                            http=header_timeout_protocol(settings.header_timeout_s),
                            limit_concurrency=settings.max_connections,
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


def serve(settings: ServerSettings | None = None) -> None:
    """``vhuman serve``: run the app with uvicorn until interrupted."""
    import uvicorn

    settings = settings or ServerSettings()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn already shut down
        uvicorn.Server(server_config(settings)).run()
