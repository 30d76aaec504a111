"""Front doors for the CLI: ``vhuman show rundown.yaml --out …`` and ``--check``."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vhuman.dialogue.moderation import default_moderator
from vhuman.models.types import InputError

from ..chat.queue import ChatQueue
from ..chat.responder import ChatResponder
from ..performer import Performer
from ..store.factory import open_store
from .clock import ShowClock
from .loader import load_rundown
from .rundown import Rundown
from .runner import ShowRunner

if TYPE_CHECKING:
    from vhuman.dialogue.answers import Answerer
    from vhuman.dialogue.reply import ReplyStream

log = logging.getLogger(__name__)

PerformerFactory = Callable[[Rundown, list[str]], Performer]
Attachment = Callable[[ShowRunner], Awaitable[Callable[[], Awaitable[None]]]]
"""Something that joins a show once its performer started (e.g. a studio microphone):
given the runner, it starts and returns its own closer, awaited when the show ends."""


def live_performer_factory() -> PerformerFactory:
    """The factory of live performers for shows: :func:`build_live_performer`."""
    return build_live_performer


def build_live_performer(rundown: Rundown | None, outputs: list[str], *,
                         config: Any | None = None) -> Performer:
    """A :class:`stage.live.LivePerformer` for the rundown's voice and avatar, rendering
    the character, with a recorder per file and a pusher per ``rtmp://`` URL.

    ``config`` (a :class:`stage.live.LiveConfig`) sets size, fps, background (``green``
    for OBS's Chroma Key; ``transparent`` for VP9-with-alpha ``.webm`` files) and the voice
    used when the rundown names none. Every output reports into the performer's metrics."""
    from vhuman.stage.live import LiveConfig, LivePerformer, ProcessRenderer
    from vhuman.stage.outputs.recorder import RecorderOutput
    from vhuman.stage.outputs.rtmp import RtmpOutput

    config = config if config is not None else LiveConfig()
    voice = (rundown.voice.backend if rundown else None) or config.voice
    avatar_file = (rundown.avatar if rundown else None) or config.avatar
    config = dataclasses.replace(config, voice=str(voice),
                                 avatar=str(avatar_file) if avatar_file else None)
    config.validate()
    if config.transparent:
        opaque = [u for u in outputs if not u.lower().endswith(".webm")]
        if opaque:
            raise InputError(
                f"a transparent background needs .webm file outputs (VP9 with alpha); "
                f"{', '.join(opaque)} cannot carry alpha: use a green background and OBS's "
                "Chroma Key filter for live streams")
    avatar = rundown.avatar if rundown else None
    looks: dict[str, Any] = {"transparent": config.transparent}
    if config.background is not None:
        looks["background"] = config.background
    # The character renders in a child process: GL read-back holds the GIL, and in this
    # process it would make the audio clock's ticks jitter.
    performer = LivePerformer(config, renderer_factory=lambda: ProcessRenderer.avatar(
        str(avatar) if avatar else None, config.width, config.height, **looks))
    w, h, fps, rate = config.width, config.height, config.fps, performer.sample_rate
    metrics = performer.metrics
    for url in outputs:
        if url.startswith(("rtmp://", "rtmps://")):
            performer.add_output(RtmpOutput(url, width=w, height=h, fps=fps, sample_rate=rate,
                                            metrics=metrics))
        else:
            performer.add_output(RecorderOutput(url, width=w, height=h, fps=fps,
                                                sample_rate=rate, alpha=config.transparent,
                                                metrics=metrics))
    return performer


async def run_show_async(path: str | Path, outputs: Sequence[str] = (), *,
                         performer: Performer | None = None,
                         performer_factory: PerformerFactory | None = None,
                         brain: ReplyStream | None = None, qa: Answerer | None = None,
                         chat: ChatQueue | None = None, database_url: str | None = None,
                         clock_speed: float = 1.0,
                         attach: Sequence[Attachment] = ()) -> ShowRunner:
    """Load, validate and play a rundown to its end; returns the finished runner.
    ``attach``: joined to the show after its performer starts, closed when it ends."""
    rundown = load_rundown(path)
    outs = list(outputs) or list(rundown.outputs)
    if performer is None:
        performer = (performer_factory or live_performer_factory())(rundown, outs)
    if brain is None:  # the rundown's character answers its chat
        from vhuman.dialogue import Brain

        brain = Brain() if rundown.persona is None else Brain(persona=rundown.persona)
    store = open_store(database_url) if database_url else None
    chat = chat if chat is not None else ChatQueue(moderator=default_moderator())
    runner = ShowRunner(rundown, performer, chat=chat, qa=qa, store=store,
                        responder=ChatResponder(brain, performer),
                        clock=ShowClock(clock_speed))
    await performer.start()
    closers: list[Callable[[], Awaitable[None]]] = []
    try:
        for join in attach:
            closers.append(await join(runner))
        await runner.run()
    finally:
        for close in closers:
            try:
                await close()
            except Exception:  # noqa: BLE001 - the show still closes
                log.exception("closing an attachment of the show failed")
        await performer.close()
        if store is not None:
            store.close()
    return runner


def run_show(path: str | Path, outputs: Sequence[str] = (), **options: Any) -> int:
    """The CLI's ``vhuman show``: play the rundown; exit status 0 when it finished or
    was stopped by the host, 1 otherwise."""
    runner = asyncio.run(run_show_async(path, outputs, **options))
    return 0 if runner.state in ("finished", "stopped") else 1
