"""A live listening session: one microphone stream into one show.

Audio arrives on the event loop (WebRTC frames) or any thread (a device) through
:meth:`ListenSession.push`, which never blocks: chunks wait in a bounded queue (the
oldest are dropped and counted if recognition falls far behind). A worker thread runs the
:class:`Listener`; its events come back to the loop in order and go to the
:class:`VoiceDesk`. With ``echo`` on, a :class:`ProgramTap` output on the performer feeds
the program audio to the listener's :class:`EchoSuppressor`, so the host's own voice
coming back through the speaker's room is not taken for a person.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from typing import Any

import numpy as np

from vhuman.models.asr.base import SAMPLE_RATE

from ..outputs.base import Tick
from ..performer import Performer
from .config import ListenConfig
from .desk import VoiceDesk
from .echo import EchoSuppressor
from .listener import Analysed, BargeInWatch, ListenEvent

log = logging.getLogger(__name__)


class ProgramTap:
    """A performer output that hands each tick's audio (16 kHz) to an echo suppressor."""

    def __init__(self, echo: EchoSuppressor) -> None:
        self.name = "listen-reference"
        self.echo = echo
        self._resampler: Any = None
        self._rate = 0
        self.written = 0

    def stats(self) -> dict[str, Any]:
        return {"written": self.written, "dropped": 0, "echo_delay_samples": self.echo.delay}

    def start(self) -> None:
        return None

    def offer(self, tick: Tick) -> None:
        audio = np.asarray(tick.audio, dtype=np.float32).reshape(-1)
        if tick.sample_rate != SAMPLE_RATE:
            audio = self._resample(audio, tick.sample_rate)
        self.echo.reference(audio)
        self.written += 1

    def _resample(self, audio: np.ndarray, rate: int) -> np.ndarray:
        import av

        if self._resampler is None or rate != self._rate:
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            self._rate = rate
        frame = av.AudioFrame.from_ndarray(audio[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def interrupt(self) -> None:
        return None

    def close(self) -> None:
        return None


class ListenSession:
    """Microphone → listener thread → desk, for one speaker of one show."""

    def __init__(self, config: ListenConfig, desk: VoiceDesk, *, speaker: str = "guest",
                 role: str = "guest", performer: Performer | None = None,
                 echo: bool = True, max_backlog_s: float = 30.0,
                 prompt: str | None = None) -> None:
        self.config = config
        self.desk = desk
        self.speaker, self.role = speaker, role
        self.echo = EchoSuppressor(max_delay_s=1.0) if echo else None
        self.listener = config.build_listener(speaker=speaker, role=role, echo=self.echo,
                                              background=True)
        self.listener.prompt = prompt  # the recogniser's context for every turn
        self.performer = performer
        self._tap = ProgramTap(self.echo) if (self.echo is not None and performer is not None
                                              and getattr(performer, "streams_ticks", False)) else None
        # ~20 ms chunks: the backlog bound in seconds becomes a count
        self._chunks: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(
            maxsize=max(10, int(max_backlog_s * 50)))
        self._frames: queue.Queue[list[Analysed] | None] = queue.Queue()
        self.watch = BargeInWatch(config.turns, self.listener.frame / SAMPLE_RATE,
                                  speaker=speaker, role=role, echo=self.echo)
        self._events: asyncio.Queue[ListenEvent | None] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._analyser: threading.Thread | None = None
        self._pump: asyncio.Task[None] | None = None
        self.dropped_chunks = 0
        self.turns = 0
        self.state = "new"  # new | listening | closed | failed
        self.error: str | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._tap is not None and self.performer is not None:
            self.performer.add_output(self._tap)  # type: ignore[arg-type]
        self._thread = threading.Thread(target=self._run, name=f"listen-{self.speaker}",
                                        daemon=True)
        self._analyser = threading.Thread(target=self._analyse, daemon=True,
                                          name=f"listen-vad-{self.speaker}")
        self._thread.start()
        self._analyser.start()
        self._pump = self._loop.create_task(self._deliver())
        self.state = "listening"

    def push(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
        """Queue microphone audio (mono float32); never blocks."""
        if self.state != "listening":
            return
        item = (np.asarray(samples, dtype=np.float32).reshape(-1), int(sample_rate))
        while True:
            try:
                self._chunks.put_nowait(item)
                return
            except queue.Full:
                try:
                    self._chunks.get_nowait()
                    self.dropped_chunks += 1
                except queue.Empty:
                    pass

    async def close(self) -> None:
        """Stop: the turn in progress is finished with what was heard, then answered."""
        if self.state in ("closed", "new"):
            self.state = "closed"
            return
        self.state = "closed"
        self._chunks.put(None)
        if self._thread is not None and self._analyser is not None:
            await asyncio.to_thread(self._analyser.join, 60.0)
            await asyncio.to_thread(self._thread.join, 60.0)
        if self._tap is not None and self.performer is not None:
            self.performer.remove_output(self._tap)  # type: ignore[arg-type]
        await self._events.put(None)
        if self._pump is not None:
            await self._pump

    def status(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "role": self.role, "state": self.state,
                "error": self.error, "heard_s": round(self.listener.clock, 2),
                "turns": self.turns, "dropped_chunks": self.dropped_chunks,
                "echo_delay_ms": None if self.echo is None else
                round(1000 * self.echo.delay / SAMPLE_RATE, 1)}

    def _emit(self, events: list[ListenEvent]) -> None:
        if self._loop is None:
            return
        for event in events:
            self._loop.call_soon_threadsafe(self._events.put_nowait, event)

    def _analyse(self) -> None:
        """Echo suppression + VAD + the barge-in watch, as the audio arrives."""
        try:
            while True:
                item = self._chunks.get()
                if item is None:
                    break
                frames = self.listener.analyse(*item)
                self._emit(self.watch.push(frames))
                self._frames.put(frames)
        except Exception as exc:  # noqa: BLE001 - a broken stream must not take the show
            log.exception("analysing %s's audio failed", self.speaker)
            self.state, self.error = "failed", str(exc)
        finally:
            self._frames.put(None)

    def _run(self) -> None:
        """Turn-taking and recognition (slow: may lag behind the analysis)."""
        try:
            while True:
                frames = self._frames.get()
                if frames is None:
                    break
                self._emit([e for e in self.listener.process(frames) if e.kind != "speaking"])
            self._emit(self.listener.finish())
        except Exception as exc:  # noqa: BLE001 - a broken stream must not take the show
            log.exception("listening to %s failed", self.speaker)
            self.state, self.error = "failed", str(exc)

    async def _deliver(self) -> None:
        while True:
            event = await self._events.get()
            if event is None:
                break
            if event.kind == "final":
                self.turns += 1
            try:
                await self.desk.handle(event)
            except Exception:  # noqa: BLE001 - keep listening
                log.exception("voice desk failed on a %s event", event.kind)
