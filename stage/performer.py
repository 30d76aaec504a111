"""The :class:`Performer` protocol: one live character on stage, as the show sees it.

The show runner, the chat responder and the host-control API drive a character only
through this protocol. The live pipeline (TTS → animation → rendering → outputs)
implements it; :mod:`stage.testing_performer` has a fake with exact, fast timing.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from vhuman.models.types import Emotion

if TYPE_CHECKING:  # stage.outputs imports this module
    from prometheus_client import CollectorRegistry

    from vhuman.stage.outputs.base import Output

_handle_ids = itertools.count(1)

CLIP_STYLE = "clip:"
"""Prefix of a dance ``style`` naming one of the avatar's own clips (``clip:Dance``)."""


@dataclass(eq=False)
class SpeechHandle:
    """A queued utterance (or dance) and its progress.

    ``await handle.started`` resolves to the monotonic time of the first audio out (or of
    the first dance frame); ``await handle.done`` resolves to ``True`` when it finished,
    ``False`` when it was interrupted or dropped. Both futures belong to the loop that
    created the handle; performers resolve them with :meth:`mark_started` /
    :meth:`mark_done`, which are idempotent.
    """

    text: str = ""
    kind: str = "say"  # say | dance | sing
    priority: int = 0
    source: str = "host"
    id: int = field(default_factory=lambda: next(_handle_ids))
    queued_at: float = field(default_factory=time.monotonic)
    started: asyncio.Future[float] = field(init=False)
    done: asyncio.Future[bool] = field(init=False)

    def __post_init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.started = loop.create_future()
        self.done = loop.create_future()

    def mark_started(self, when: float | None = None) -> None:
        """Record the first audio (or frame) out; idempotent."""
        if not self.started.done():
            self.started.set_result(time.monotonic() if when is None else when)

    def mark_done(self, completed: bool = True) -> None:
        """Record the end: ``completed=False`` for an interrupted or dropped utterance.

        An utterance that never started gets its ``started`` future cancelled so waiters
        on it wake up too.
        """
        if not self.started.done():
            self.started.cancel()
        if not self.done.done():
            self.done.set_result(completed)

    async def wait(self) -> bool:
        """Wait for the end; ``True`` when it completed, ``False`` when interrupted."""
        return await asyncio.shield(self.done)


@runtime_checkable
class Performer(Protocol):
    """One live character on stage.

    ``say`` and ``dance`` return as soon as the work is queued: utterances play one after
    another, higher ``priority`` first among the queued ones (ties in arrival order).
    Nothing already playing is cut by a new ``say``; callers cut explicitly with
    :meth:`interrupt`, which silences the current utterance and drops the queue (their
    handles resolve ``done`` to ``False``).

    Lifecycle: ``start`` before the first line, ``warm_up`` (optional, any time: loads
    and exercises the voice so the first line is not slow), ``close`` at the end.
    ``streams_ticks`` says whether outputs added with ``add_output`` receive the
    performance tick by tick (audio + picture); a performer that does not stream
    accepts outputs and feeds them nothing.
    """

    streams_ticks: bool

    async def start(self) -> None:
        """Get ready to perform (threads, renderer, voice); returns once it can."""
        ...

    async def warm_up(self) -> None:
        """Load and exercise the voice (one short line, not played)."""
        ...

    async def close(self) -> None:
        """Stop, release everything, close the outputs."""
        ...

    def add_output(self, output: Output) -> Output:
        """Send every tick from now on to ``output`` (started here)."""
        ...

    def remove_output(self, output: Output) -> None:
        """Stop sending ticks to ``output`` (it is not closed)."""
        ...

    async def say(self, text: str, *, emotion: Emotion | None = None,
                  intensity: float | None = None, priority: int = 0, source: str = "host",
                  gestures: Sequence[str] = ()) -> SpeechHandle:
        """Queue a line to speak (with an emotion and gestures to play with it)."""
        ...

    async def interrupt(self, reason: str = "") -> None:
        """Stop speaking or dancing now and drop everything queued."""
        ...

    async def dance(self, music: Path | None, *, duration: float | None = None,
                    style: str | None = None) -> SpeechHandle:
        """Queue a dance to ``music`` (or silence) for ``duration`` seconds (None: song).

        ``style``: a dance style, ``"idle"`` (stand while the music plays), or
        ``"clip:NAME"`` (:data:`CLIP_STYLE`) to dance the avatar's own clip NAME looped
        onto the music's beats."""
        ...

    async def sing(self, score: Path, *, backing: str | Path | None = None,
                   style: str | None = None, emotion: Emotion | None = None,
                   intensity: float | None = None, finale: bool = False,
                   transpose: int | str = "auto", priority: int = 0,
                   backing_start: float = 0.0) -> SpeechHandle:
        """Queue a song: ``score`` (MusicXML, MIDI with lyrics, YAML) sung with the speaking
        voice, ``backing`` an audio file, ``"score"`` or ``"none"`` (None: the score's
        other parts if any), danced in ``style`` (sway | dance | still);
        ``backing_start``: seconds into the backing where the score begins."""
        ...

    async def set_emotion(self, emotion: Emotion, intensity: float = 0.6) -> None:
        """Change the resting emotional state (face, body and the default voice style)."""
        ...

    async def gesture(self, name: str) -> None:
        """Play a named gesture now (wave, nod, point, cheer...)."""
        ...

    async def show_overlay(self, card: dict[str, Any] | None) -> None:
        """Show an on-screen card (a promo product card); ``None`` hides it."""
        ...

    def metrics_registry(self) -> CollectorRegistry | None:
        """The performer's own Prometheus registry (joined into the server's ``/metrics``
        with a ``show`` label), or None when it keeps no metrics in this process."""
        ...

    def status(self) -> dict[str, Any]:
        """A JSON-able snapshot: speaking, queue depth, emotion, fps, dropped frames,
        and ``latency`` (seconds per pipeline stage) when the performer measures it."""
        ...
