"""Server state: isolated show sessions (one character each) and shared services.

Each :class:`ShowSession` owns its performer, chat queue, brain, runner and viewer
sockets, so several shows on one server never see each other's chat or state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vhuman.dialogue.moderation import ChatModerator, default_moderator, scrub_private
from vhuman.models.types import InputError, VhumanError
from vhuman.stage.metrics import LabelledCollector, Metrics

from ..captions.live import LiveCaptions
from ..captions.translate import configured_translator
from ..chat.bridge import ChatBridge
from ..chat.message import ChatDecision, ChatMessage
from ..chat.queue import ChatQueue
from ..chat.responder import ChatAnswer, ChatResponder
from ..performer import Performer
from ..show.controls import ShowControls
from ..show.rundown import Rundown
from ..show.runner import ShowRunner
from ..store.base import ChatRecord, Store
from ..transcript import Transcript
from .addresses import AddressLimits
from .chatlog import ChatLog
from .settings import ServerSettings
from .sockets import ChatEcho, Event, ViewerSocket, encode

if TYPE_CHECKING:
    from vhuman.dialogue.answers import Answerer
    from vhuman.dialogue.reply import ReplyStream

log = logging.getLogger(__name__)

PerformerFactory = Callable[[str, Rundown | None], Performer]
BrainFactory = Callable[[str, Rundown | None], "ReplyStream"]


@dataclass
class Backends:
    """What the server drives; tests inject fakes, ``serve`` the real engine."""

    performer_factory: PerformerFactory
    brain_factory: BrainFactory | None = None
    qa: Answerer | None = None
    moderator_factory: Callable[[], ChatModerator | None] = default_moderator
    # Loads a brain's models before its show reports ready (runs in a worker thread).
    brain_warm_up: Callable[[ReplyStream], None] | None = None


@dataclass
class ShowSession:
    """One character on stage with its chat, brain, optional rundown runner."""

    id: str
    performer: Performer
    chat: ChatQueue
    responder: ChatResponder | None
    rundown: Rundown | None = None
    runner: ShowRunner | None = None
    runner_task: asyncio.Task[str] | None = None
    viewers: set[ViewerSocket] = field(default_factory=set)
    free_chat_task: asyncio.Task[None] | None = None
    warm_task: asyncio.Task[None] | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    warmup: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    echo: ChatEcho = field(init=False)
    held_here: ClassVar[bool] = True
    """The show runs in this process (its chat queue, rundown and runner are here); a
    scale-out show seen from an API replica is held by a worker."""

    def __post_init__(self) -> None:
        self.echo = ChatEcho(self.broadcast, lambda: len(self.viewers))

    async def wait_ready(self, timeout: float = 180.0) -> None:
        """Wait until the performer is started and warm; ``VhumanError`` when its warm-up
        failed or did not finish within ``timeout`` seconds."""
        if not self.ready.is_set() and self.error is None and self.warm_task is not None:
            await asyncio.wait({self.warm_task}, timeout=timeout)  # done: ready or failed
        if self.error is not None:
            raise VhumanError(f"show {self.id!r} could not start its performer: {self.error}")
        if not self.ready.is_set():
            raise VhumanError(f"show {self.id!r} is still warming up; try again shortly")

    def broadcast(self, event: Event | str) -> None:
        """Send ``event`` to every viewer socket of this show (encoded once)."""
        if not self.viewers:
            return
        text = event if isinstance(event, str) else encode(event)
        for viewer in list(self.viewers):
            viewer.offer(text)

    def send_to(self, viewer: str, event: Event) -> None:
        """Send ``event`` to the sockets chatting as ``viewer`` (not to everyone); a
        relay (a cluster worker's channel to the API replicas) passes it on, and each
        replica hands it to its own sockets of that viewer."""
        text = encode(event)
        for socket in list(self.viewers):
            if socket.viewer == viewer or getattr(socket, "relays_all", False):
                socket.offer(text)

    @property
    def show_running(self) -> bool:
        return self.runner is not None and self.runner.state in ("running", "paused")

    def controls(self) -> ShowControls | None:
        """The host's controls of the show's rundown (None: no rundown playing)."""
        return self.runner

    def params_source(self) -> Any | None:
        """What ``/params`` clients attach to (``add_output``/``remove_output``): the
        performer when it streams ticks, else None."""
        return self.performer if self.performer.streams_ticks else None

    def status(self, *, full: bool = True) -> dict[str, Any]:
        """The show's state. ``full`` (hosts) adds the performer's details: outputs,
        errors, file paths; others see what the viewer page shows."""
        performer = self.performer.status()
        if full:
            return {"id": self.id, "title": self.rundown.title if self.rundown else None,
                    "ready": self.ready.is_set(), "error": self.error,
                    "show": self.runner.status() if self.runner else None,
                    "performer": performer, "chat_queue": len(self.chat),
                    "viewers": len(self.viewers)}
        show = self.runner.status() if self.runner else None
        return {"id": self.id, "title": self.rundown.title if self.rundown else None,
                "ready": self.ready.is_set(),
                "error": "unavailable" if self.error is not None else None,
                "show": {k: show[k] for k in ("title", "state", "segment", "clock")}
                if show else None,
                "performer": public_performer(performer),
                "chat_queue": len(self.chat), "viewers": len(self.viewers)}


PUBLIC_PERFORMER = ("speaking", "emotion", "overlay")
"""What anyone may see of a performer (the page's status line and promo card)."""
PUBLIC_CARD = ("name", "title", "price", "currency", "selling_points", "text")
"""What anyone may see of a promo card: what the viewer page draws (never its picture's
file path)."""


def public_performer(performer: dict[str, Any]) -> dict[str, Any]:
    """The public part of a performer status: :data:`PUBLIC_PERFORMER`, the overlay card
    cut to :data:`PUBLIC_CARD`."""
    out = {k: performer.get(k) for k in PUBLIC_PERFORMER}
    card = out.get("overlay")
    if isinstance(card, dict):
        out["overlay"] = {k: card[k] for k in PUBLIC_CARD if k in card}
    elif card is not None:
        out["overlay"] = None
    return out


async def _warm_voice(performer: Performer) -> None:
    """The performer's ``warm_up()``: one short sentence, so the model loads and its
    caches fill before the first viewer line."""
    await performer.warm_up()


class AppState:
    """Shared services and the sessions by id."""

    def __init__(self, settings: ServerSettings, backends: Backends, store: Store,
                 metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.backends = backends
        self.store = store
        self.metrics = metrics or Metrics(prefix="")
        self.extra_registries: list[Any] = []
        """Registries joined into ``/metrics`` as they are (e.g. the browser viewers')."""
        self.metrics.registry.register(LabelledCollector(
            lambda: [(reg, {"show": show_id}) for show_id, reg in self._performer_registries()]
            + [(reg, {}) for reg in self.extra_registries]))
        self.transcript = Transcript(store, on_first_audio=self._observe_first_audio)
        self.media = settings.media_policy()
        self.chat_log = ChatLog(store)
        self.sessions: dict[str, ShowSession] = {}
        self.bridges: dict[str, ChatBridge] = {}
        self.sentence_listeners: list[Callable[[ChatMessage, str], None]] = []
        # Per client address, whatever viewer names it claims: chat rates, completions,
        # open sockets (in Redis on a cluster replica).
        self.limits: AddressLimits = AddressLimits(settings)
        # called with each session as it closes (e.g. to hang up its WebRTC viewers)
        self.close_listeners: list[Callable[[ShowSession], Any]] = []
        self.guest_ears: Callable[[AppState, ShowSession], Any] | None = None
        """Makes what hears a show's guests' voices (set by the app: the listening routes)."""

    # -- per-address limits ----------------------------------------------------------
    async def address_allows(self, client: str, kind: str = "chat") -> bool:
        """Take one ``kind`` event from ``client``'s allowance (all chat paths share one)."""
        return await self.limits.allow(kind, client)

    def count_sockets(self) -> None:
        self.metrics.set("vhuman_ws_connections",
                         sum(len(s.viewers) for s in self.sessions.values()))

    def _performer_registries(self) -> list[tuple[str, Any]]:
        """Each show's performer registry, for ``/metrics``."""
        out = []
        for show_id, session in list(self.sessions.items()):
            registry = session.performer.metrics_registry()
            if registry is not None:
                out.append((show_id, registry))
        return out

    # -- sessions --------------------------------------------------------------------
    def get(self, show_id: str) -> ShowSession:
        try:
            return self.sessions[show_id]
        except KeyError:
            raise InputError("no such show") from None

    async def create(self, show_id: str, rundown: Rundown | None = None, *,
                     wait: bool = True) -> ShowSession:
        """Add a show. Its performer starts and warms up (voice loaded, first frame
        rendered) in the background; ``wait`` returns only once that is done (or failed:
        ``VhumanError``). Chat queued meanwhile is answered when the show is ready."""
        if show_id in self.sessions:
            raise InputError(f"show {show_id!r} already exists")
        performer = self.backends.performer_factory(show_id, rundown)
        try:
            brain = self.backends.brain_factory(show_id, rundown) \
                if self.backends.brain_factory else None
        except BaseException:
            with contextlib.suppress(Exception):
                await performer.close()
            raise
        chat = ChatQueue(self.settings.chat_policy(), self.backends.moderator_factory())
        responder = ChatResponder(brain, performer, priority=self.settings.chat_priority,
                                  on_sentence=lambda m, t: self._on_sentence(show_id, m, t)) \
            if brain is not None else None
        session = ShowSession(show_id, performer, chat, responder, rundown)
        chat.listeners.append(lambda m, s: self._on_chat_status(show_id, m, s))
        self.sessions[show_id] = session
        session.free_chat_task = asyncio.create_task(self._free_chat(session),
                                                     name=f"free-chat:{show_id}")
        session.warm_task = asyncio.create_task(self._warm_up(session),
                                                name=f"warm-up:{show_id}")
        if wait:
            try:
                await session.wait_ready()
            except BaseException:
                # a show that did not come up is not left registered: the same id can
                # be created again once its cause is fixed
                if self.sessions.get(show_id) is session:
                    await self.close(show_id)
                raise
        return session

    async def _warm_up(self, session: ShowSession) -> None:
        """Start the performer, then load its voice, so the first viewer is not the one
        who waits for the models (a cold Piper voice delays the first reply by seconds).

        A performer may offer ``warm_up()`` itself; otherwise its ``tts.warm_up()`` runs
        in a worker thread. ``start()`` of the live performer returns after its renderer
        drew the first frame."""
        performer = session.performer
        labels = {"show": session.id}
        self.metrics.set("vhuman_show_ready", 0, labels)
        t0 = time.perf_counter()
        try:
            await performer.start()
            if performer.streams_ticks:  # live captions on the viewers' socket
                loop = asyncio.get_running_loop()
                translator = await asyncio.to_thread(configured_translator)
                performer.add_output(LiveCaptions(
                    lambda event: loop.call_soon_threadsafe(session.broadcast, event),
                    translator=translator, loop=loop))
            t1 = time.perf_counter()
            if self.settings.warm_up:
                await _warm_voice(performer)
            t2 = time.perf_counter()
        except Exception as exc:  # noqa: BLE001 - reported by /readyz, not a crash
            session.error = str(exc).splitlines()[0][:300] or type(exc).__name__
            log.error("show %s: performer failed to start: %s", session.id, session.error)
            return
        if self.settings.warm_up and self.backends.brain_warm_up is not None \
                and session.responder is not None:
            try:
                await asyncio.to_thread(self.backends.brain_warm_up, session.responder.brain)
            except Exception as exc:  # noqa: BLE001 - the brain falls back to templates
                log.warning("show %s: brain warm-up failed: %s", session.id, exc)
        t3 = time.perf_counter()
        session.warmup = {"start_s": round(t1 - t0, 3), "voice_s": round(t2 - t1, 3),
                          "brain_s": round(t3 - t2, 3), "total_s": round(t3 - t0, 3)}
        self.metrics.set("vhuman_warmup_seconds", t3 - t0, labels)
        self.metrics.set("vhuman_show_ready", 1, labels)
        session.ready.set()
        log.info("show %s ready: %s", session.id, session.warmup)

    async def close(self, show_id: str) -> None:
        session = self.sessions.pop(show_id, None)
        if session is None:
            return
        if session.runner is not None:
            await session.runner.stop()
        for listener in list(self.close_listeners):
            try:
                result = listener(session)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:  # noqa: BLE001 - closing must go on
                log.exception("close listener failed for show %s", session.id)
        await session.echo.close()
        for task in (session.runner_task, session.free_chat_task, session.warm_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        with contextlib.suppress(Exception):
            await session.performer.close()

    async def guest_call(self, session: ShowSession, method: str,
                         args: dict[str, Any]) -> dict[str, Any]:
        """A guest operation (invite, list, control, join, …) on ``session``'s program, in
        this process; a scale-out replica's state sends it to the show's worker instead.
        Refusals raise ``InviteRefused``, ``NoSuchGuest``, ``NoProgram`` or ``InputError``."""
        from ..guests.service import GuestService, forget, has_desk

        if not has_desk(session.performer):
            async def closed(gone: ShowSession) -> None:
                if gone is session:
                    desk = forget(session.performer)
                    if desk is not None:
                        await desk.close()
            self.close_listeners.append(closed)
            service = GuestService(session.performer, session.runner)
            if self.guest_ears is not None:  # guests' voices to recognition
                service.desk.ears = self.guest_ears(self, session)
        else:
            service = GuestService(session.performer, session.runner)
        return await service.call(method, args)

    async def close_all(self) -> None:
        for show_id in list(self.sessions):
            await self.close(show_id)
        await self.chat_log.close()  # statuses still pending reach the log
        await self.limits.close()

    def start_show(self, session: ShowSession) -> None:
        if session.rundown is None:
            raise InputError(f"show {session.id!r} has no rundown loaded")
        if session.show_running:
            raise InputError(f"show {session.id!r} is already running")
        if not session.ready.is_set():
            raise InputError(f"show {session.id!r} is still warming up")
        session.runner = ShowRunner(session.rundown, session.performer, chat=session.chat,
                                    responder=session.responder, qa=self.backends.qa,
                                    store=self.store, show_id=session.id,
                                    on_answer=lambda a: self.track_answer(session.id, a),
                                    on_line=lambda h, text: self.transcript.spoken(
                                        session.id, "rundown", [h], text))
        session.runner_task = session.runner.start()

    # -- chat ------------------------------------------------------------------------
    async def submit_chat(self, session: ShowSession, message: ChatMessage) -> ChatDecision:
        """Log durably first (an acknowledged message is never lost), then queue. The log
        keeps the text with cards, phone numbers and e-mails scrubbed, never the raw."""
        message.text = scrub_private(message.text)
        record = ChatRecord(session.id, message.viewer, message.text, message.source,
                            message.gift)
        message.store_id = await self.chat_log.add(record)
        decision = await session.chat.submit(message)
        if decision.accepted and self.settings.echo_chat:
            session.echo.add({"viewer": message.viewer, "text": message.text,
                              "gift": message.gift, "ref": message.client_ref})
        return decision

    def track_answer(self, show_id: str, answer: ChatAnswer) -> None:
        """Measure the answer's first audio and put it in the transcript; an answer cut
        before any of it was heard (a host say-now) is marked ``interrupted``."""
        message = answer.message

        async def heard(latency: float | None) -> None:
            if latency is None:
                self.metrics.inc("vhuman_chat_unheard_total", labels={"show": show_id})
                if message.store_id is not None:
                    self.chat_log.set_status(message.store_id, "interrupted")
                return
            self.metrics.observe("vhuman_chat_first_audio_seconds", latency,
                                 {"show": show_id})
            session = self.sessions.get(show_id)
            if session is not None:  # lets the asker's page show "answering you now"
                session.send_to(message.viewer,
                                {"type": "answering", "to": message.viewer,
                                 "ref": message.client_ref,
                                 "latency_s": round(latency, 4)})

        self.transcript.spoken(show_id, "chat", answer.handles, answer.text,
                               answered=message.text, viewer=message.viewer,
                               chat_id=message.store_id, asked_at=message.received,
                               sources=answer.sources, on_heard=heard)

    def _observe_first_audio(self, kind: str, show_id: str, seconds: float) -> None:
        if kind != "chat":  # chat has its own histogram (observed in track_answer)
            self.metrics.observe("vhuman_line_first_audio_seconds", seconds,
                                 {"show": show_id, "kind": kind})

    async def _free_chat(self, session: ShowSession) -> None:
        """Answer chat whenever no rundown is running (the runner answers during shows)."""
        await session.ready.wait()
        while True:
            if session.show_running and session.runner_task is not None:
                await asyncio.wait({session.runner_task}, timeout=0.5)
                continue
            if session.responder is None:
                await asyncio.sleep(0.5)
                continue
            message = await session.chat.get(0.25)
            if message is None:
                continue
            try:
                answer = await session.responder.answer(message)
            except (VhumanError, Exception) as exc:  # noqa: BLE001 - keep answering others
                log.warning("show %s: could not answer %s: %s", session.id, message.viewer, exc)
                session.chat.mark(message, "failed")
                continue
            session.chat.mark(message, "answered")
            self.track_answer(session.id, answer)
            await answer.wait()

    def _on_sentence(self, show_id: str, message: ChatMessage, text: str) -> None:
        for listener in self.sentence_listeners:
            try:
                listener(message, text)
            except Exception:  # noqa: BLE001 - a bridge must not break the answer
                log.exception("sentence listener failed")
        session = self.sessions.get(show_id)
        if session is not None:
            session.broadcast({"type": "reply", "to": message.viewer, "text": text,
                               "ref": message.client_ref})

    def _on_chat_status(self, show_id: str, message: ChatMessage, status: str) -> None:
        self.metrics.inc("vhuman_chat_messages_total", labels={"show": show_id, "status": status.split(":")[0],
                          "reason": status.split(":", 1)[1] if ":" in status else ""})
        if message.store_id is not None and status != "queued":
            self.chat_log.set_status(message.store_id, status)
