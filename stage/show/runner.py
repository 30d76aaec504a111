"""The show runner: plays a :class:`Rundown` on a :class:`Performer`, live.

It walks the segments in order (cues by show time, repeats, loops), answers viewer chat
in chat windows and — where the preemption rules allow — between lines of other
segments, takes host overrides (pause, resume, skip, stop, say-now), and logs every step.
A failing segment is logged and skipped: the show keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from vhuman.models.types import Emotion, VhumanError

from ..captions.track import Turn
from ..chat.message import ChatMessage
from ..chat.queue import ChatQueue
from ..chat.responder import ChatAnswer, ChatResponder
from ..performer import CLIP_STYLE, Performer, SpeechHandle
from ..store.base import ShowEvent, Store
from .clock import ShowClock
from .interview import Interview, InterviewLog
from .on_air import OnAir, attach, on_air
from .qa_segment import ask_question
from .rundown import (
    ChatSegment,
    DanceSegment,
    InterviewSegment,
    Line,
    PauseSegment,
    PromoSegment,
    QASegment,
    Rundown,
    SaySegment,
    SegmentBase,
    SingSegment,
)

if TYPE_CHECKING:
    from vhuman.dialogue.answers import Answerer

log = logging.getLogger(__name__)

MAX_EVENTS = 2000


class _Skip(Exception):
    """The host skipped the current segment."""


class _Stop(Exception):
    """The host stopped the show."""


class ShowRunner:
    """Runs one rundown on one performer. Control methods are safe to call any time."""

    def __init__(self, rundown: Rundown, performer: Performer, *,
                 chat: ChatQueue | None = None, responder: ChatResponder | None = None,
                 qa: Answerer | None = None, clock: ShowClock | None = None,
                 store: Store | None = None, show_id: str | None = None,
                 on_answer: Callable[[ChatAnswer], Awaitable[None] | None] | None = None,
                 resume: dict[str, Any] | None = None,
                 on_position: Callable[[dict[str, Any]], Any] | None = None,
                 on_line: Callable[[SpeechHandle, str], object] | None = None) -> None:
        self.rundown = rundown
        self.on_line = on_line  # each rundown line as it is queued (for the transcript)
        self.performer = performer
        self.chat = chat
        self.responder = responder
        self.qa = qa
        self.clock = clock or ShowClock()
        self.store = store
        self.show_id = show_id or rundown.id
        self.on_answer = on_answer
        self.state = "ready"  # ready | running | paused | stopping | stopped | finished
        self.segment: SegmentBase | None = None
        self.current_line: str | None = None
        self.iteration = 0
        self.answered = 0
        self.events: deque[dict[str, Any]] = deque(maxlen=MAX_EVENTS)
        """The latest events (a looping show runs for days: older ones are in the store)."""
        self._cut = asyncio.Event()
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._skip = False
        self._stop = False
        self._override: SpeechHandle | None = None
        self._task: asyncio.Task[str] | None = None
        # Resuming elsewhere: ``resume`` is a position given to ``on_position`` before
        # (``iteration``, ``segment``, ``repeat``, ``line``, ``clock``, ``loop_origin``).
        self._resume = dict(resume) if resume else None
        self.on_position = on_position
        self._handover = False
        self._repeat, self._loop_origin = 0, 0.0
        self.turns: asyncio.Queue[Turn] = asyncio.Queue(100)
        """What people on the show said (recognised speech), for interview segments."""
        self.interviews: list[InterviewLog] = []
        if responder is not None:  # the host answers "what's next?" from this rundown
            attach(responder.brain, self.on_air)

    # -- control ---------------------------------------------------------------------
    def heard(self, turn: Turn) -> None:
        """A person's recognised turn (speaker, role, text...): an interview listens to
        these. Call on the runner's event loop; the oldest is dropped when 100 wait."""
        if self.turns.full():
            self.turns.get_nowait()
        self.turns.put_nowait(turn)

    def start(self) -> asyncio.Task[str]:
        """Run the show in a background task (returns it; its result is the end state)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"show:{self.show_id}")
        return self._task

    async def pause(self) -> None:
        """Silence now; on resume the interrupted line is said again from its start."""
        if self.state != "running":
            return
        self.state = "paused"
        self.clock.pause()
        self._resumed.clear()
        self._cut.set()
        await self.performer.interrupt("show paused")
        await self._log("paused")

    async def resume(self) -> None:
        if self.state != "paused":
            return
        self.state = "running"
        self.clock.resume()
        self._resumed.set()
        await self._log("resumed")

    async def skip(self) -> None:
        """End the current segment now and go on with the next."""
        if self.state in ("running", "paused"):
            self._skip = True
            self._cut.set()
            self._resumed.set()
            if self.state == "paused":
                self.state = "running"
                self.clock.resume()
            await self.performer.interrupt("segment skipped")

    async def stop(self) -> None:
        """End the show now."""
        self._stop = True
        self._cut.set()
        self._resumed.set()
        if self.state in ("running", "paused"):
            self.state = "stopping"  # "stopped" once the run loop has wound down
            self.clock.resume()
            await self.performer.interrupt("show stopped")
        if self._task is not None and self.state == "ready":
            self._task.cancel()

    async def hand_over(self) -> None:
        """Stop at the next line boundary (the line being said finishes), to go on
        elsewhere from the position last given to ``on_position``."""
        self._handover = True
        if self.current_line is None:  # waiting for chat, a cue or a dance: stop now
            self._cut.set()
            self._resumed.set()

    async def host_say(self, text: str, *, emotion: Emotion | None = None,
                       priority: int | None = None) -> SpeechHandle:
        """Say-now: with a priority above the current segment's, cut in at once (the cut
        line is said again afterwards); otherwise speak before the show's next line."""
        prio = self.rundown.preemption.host_priority if priority is None else priority
        seg = self.segment
        if seg is not None and prio > self._segment_priority(seg):
            await self.performer.interrupt("host override")
        handle = await self.performer.say(text, emotion=emotion, priority=prio, source="host")
        self._override = handle
        await self._log("host_say", text=text, priority=prio)
        return handle

    def on_air(self) -> OnAir | None:
        """What is on now and next while the show runs (None otherwise)."""
        if self.state not in ("running", "paused"):
            return None
        return on_air(self.rundown.segments, self.segment, self.rundown.loop != 1)

    def status(self) -> dict[str, Any]:
        seg = self.segment
        return {"show_id": self.show_id, "title": self.rundown.title, "state": self.state,
                "segment": None if seg is None else {"index": seg.index, "id": seg.id,
                                                     "type": seg.kind},
                "line": self.current_line, "clock": round(self.clock.now(), 3),
                "planned_seconds": round(self.rundown.estimated_seconds(), 1),
                "iteration": self.iteration, "answered": self.answered,
                "chat_queue": len(self.chat) if self.chat is not None else 0}

    # -- the show --------------------------------------------------------------------
    async def run(self) -> str:
        """Play the rundown to the end (or until stopped); returns the final state."""
        self.state = "running"
        resume = self._resume
        self.clock.start(offset=float(resume.get("clock", 0.0)) if resume else 0.0)
        if resume:
            self.iteration = int(resume.get("iteration", 1)) - 1
            await self._log("show_resumed", title=self.rundown.title, position=resume)
        else:
            await self._log("show_started", title=self.rundown.title)
        try:
            loops = self.rundown.loop
            while not self._stop and (loops == 0 or self.iteration < loops):
                self.iteration += 1
                loop_origin = self.clock.now()
                if self._resume is not None:
                    loop_origin = float(self._resume.get("loop_origin", loop_origin))
                for seg in self.rundown.segments:
                    if self._stop:
                        break
                    if self._resume is not None and seg.index < int(self._resume["segment"]):
                        continue
                    following = self.rundown.segments[seg.index + 1:seg.index + 2]
                    for nxt in following:  # a song is sung (prepared) while this one plays
                        self._prepare_song(nxt)
                    await self._run_segment(seg, loop_origin)
        except _Stop:
            pass
        finally:
            self.segment = None
            self.current_line = None
            self.state = "handed_over" if self._handover else \
                "stopped" if self._stop else "finished"
            with contextlib.suppress(Exception):
                await self._log("show_ended", state=self.state)
        return self.state

    def _cut_to(self, shot: str) -> None:
        """A segment's camera shot, on a performer that has shots (the live one)."""
        set_shot = getattr(self.performer, "set_shot", None)
        if set_shot is None:
            return
        try:
            set_shot(shot)
        except VhumanError as exc:  # e.g. the guest shot with no guest on air
            log.warning("segment camera %s: %s", shot, exc)

    async def _run_segment(self, seg: SegmentBase, loop_origin: float) -> None:
        self.segment = seg
        try:
            if seg.at is not None:
                await self._sleep(loop_origin + seg.at - self.clock.now())
            first_rep = 0
            if self._resume is not None and seg.index == int(self._resume["segment"]):
                first_rep = int(self._resume.get("repeat", 0))
            for rep in range(first_rep, seg.repeat):
                self._repeat, self._loop_origin = rep, loop_origin
                if seg.kind != "say":  # a say segment reports each line
                    await self._position(seg, 0)
                await self._log("segment_started", id=seg.id, type=seg.kind, repeat=rep + 1)
                if seg.camera is not None:
                    self._cut_to(seg.camera)
                await getattr(self, f"_do_{'pause' if seg.kind == 'break' else seg.kind}")(seg)
                await self._log("segment_ended", id=seg.id, type=seg.kind)
        except _Skip:
            await self._log("segment_skipped", id=seg.id)
        except _Stop:
            raise
        except (VhumanError, TimeoutError) as exc:
            log.warning("segment %s failed: %s", seg.id, exc)
            await self._log("segment_error", id=seg.id, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - one bad segment must not end the show
            log.exception("segment %s crashed", seg.id)
            await self._log("segment_error", id=seg.id, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._skip = False
            if not self._stop:
                self._cut.clear()
            with contextlib.suppress(Exception):
                await self.performer.show_overlay(None) if seg.kind == "promo" else None

    # -- segment types ---------------------------------------------------------------
    async def _do_say(self, seg: SaySegment) -> None:
        first = 0
        if self._resume is not None:
            first = int(self._resume.get("line", 0))
        for i, line in enumerate(seg.lines):
            if i < first:
                continue
            await self._position(seg, i)
            await self._speak(line, seg)
            if line.pause_after:
                await self._sleep(line.pause_after)
            if i < len(seg.lines) - 1:
                await self._viewer_break(seg)

    async def _do_dance(self, seg: DanceSegment) -> None:
        if seg.intro:
            await self._speak(seg.intro, seg)

        async def start() -> SpeechHandle:
            style = f"{CLIP_STYLE}{seg.clip}" if seg.clip else seg.style
            return await self.performer.dance(seg.music, duration=seg.duration, style=style)
        await self._perform(start, seg, viewers_may_cut=self._viewers_may_cut(seg))

    def _prepare_song(self, seg: SegmentBase) -> None:
        """Let a performer that can prepare songs start on ``seg`` (a sing segment) now."""
        prepare = getattr(self.performer, "prepare_sing", None)
        if not isinstance(seg, SingSegment) or prepare is None:
            return
        try:
            prepare(seg.score, backing=seg.backing, style=seg.style, emotion=seg.emotion,
                    finale=seg.finale, transpose=seg.transpose,
                    backing_start=seg.backing_start)
        except Exception as exc:  # noqa: BLE001 - preparing is a hint; singing reports errors
            log.debug("could not prepare %s: %s", seg.id, exc)

    async def _do_sing(self, seg: SingSegment) -> None:
        self._prepare_song(seg)  # while the intro is spoken
        if seg.intro:
            await self._speak(seg.intro, seg)

        async def start() -> SpeechHandle:
            return await self.performer.sing(seg.score, backing=seg.backing, style=seg.style,
                                             emotion=seg.emotion, finale=seg.finale,
                                             transpose=seg.transpose,
                                             backing_start=seg.backing_start)
        await self._perform(start, seg, viewers_may_cut=self._viewers_may_cut(seg))

    async def _do_chat(self, seg: ChatSegment) -> None:
        if self.chat is None or self.responder is None:
            raise VhumanError(f"segment {seg.id}: chat needs a chat queue and a dialogue brain")
        if seg.intro:
            await self._speak(seg.intro, seg)
        deadline = self.clock.now() + seg.minutes * 60 if seg.minutes else None
        handled, idle_index = 0, 0
        while seg.messages is None or handled < seg.messages:
            remaining = None if deadline is None else deadline - self.clock.now()
            if remaining is not None and remaining <= 0:
                break
            wait = 20.0 if remaining is None else min(remaining, 20.0)
            message = await self._next_message(wait)
            if message is None:
                if seg.idle_lines and (remaining is None or remaining > 5.0):
                    await self._speak(seg.idle_lines[idle_index % len(seg.idle_lines)], seg)
                    idle_index += 1
                continue
            await self._answer(message, seg)
            handled += 1
        if seg.outro:
            await self._speak(seg.outro, seg)

    async def _do_qa(self, seg: QASegment) -> None:
        if seg.intro:
            await self._speak(seg.intro, seg)
        for question in seg.questions:
            text, asker = question.text, question.asker
            await self._speak(Line(text=f"{asker} asks: {text}" if asker
                                   else f"Question: {text}"), seg)
            for line in await ask_question(text, self.qa, self.responder):
                await self._speak(line, seg)
            await self._viewer_break(seg)

    async def _do_interview(self, seg: InterviewSegment) -> None:
        set_layout = getattr(self.performer, "set_layout", None)  # a live program only
        if seg.layout is not None and set_layout is not None:
            set_layout(seg.layout)
        interview = Interview(seg, self.clock, self.turns,
                              lambda line: self._speak(line, seg), self._log)
        self.interviews.append(await interview.run())

    async def _do_promo(self, seg: PromoSegment) -> None:
        card = {"type": "product", **seg.product.model_dump(),
                "position": seg.overlay.position, "theme": seg.overlay.theme}
        shown_at = self.clock.now()
        await self.performer.show_overlay(card)
        await self._log("overlay", card=card)
        for line in seg.pitch:
            await self._speak(line, seg)
        hold = seg.overlay.seconds - (self.clock.now() - shown_at)
        if hold > 0:
            await self._sleep(hold)

    async def _do_pause(self, seg: PauseSegment) -> None:
        if seg.card:
            await self.performer.show_overlay({"type": "card", "text": seg.card})
        end = self.clock.now() + (seg.duration or 0.0)
        try:
            while (remaining := end - self.clock.now()) > 0.0:
                if seg.music is not None:
                    async def start(left: float = remaining) -> SpeechHandle:
                        return await self.performer.dance(seg.music, duration=left,
                                                          style="idle")
                    await self._perform(start, seg, viewers_may_cut=self._viewers_may_cut(seg))
                elif self._viewers_may_cut(seg) and self.chat is not None:
                    msg = await self._next_message(remaining, self._min_viewer_priority())
                    if msg is not None:
                        await self._answer(msg, seg)
                else:
                    await self._sleep(remaining)
        finally:
            if seg.card:
                await self.performer.show_overlay(None)

    # -- building blocks -------------------------------------------------------------
    def _segment_priority(self, seg: SegmentBase) -> int:
        return max(seg.priority, 1000 if seg.is_finale else 0)

    def _viewers_may_cut(self, seg: SegmentBase) -> bool:
        if seg.is_finale:
            return False  # never a dance finale
        if seg.interruptible is not None:
            return seg.interruptible
        return seg.kind in self.rundown.preemption.viewer_interrupts

    def _min_viewer_priority(self) -> float:
        return self.rundown.preemption.viewer_min_priority

    async def _position(self, seg: SegmentBase, line: int) -> None:
        """Report where the show is (before each line and each other segment), so a
        show moved elsewhere resumes here: the line that was cut is said again."""
        self._resume = None
        if self.on_position is None:
            return
        position = {"iteration": self.iteration, "segment": seg.index,
                    "repeat": self._repeat, "line": line,
                    "clock": round(self.clock.now(), 3),
                    "loop_origin": round(self._loop_origin, 3)}
        result = self.on_position(position)
        if asyncio.iscoroutine(result):
            await result

    async def _checkpoint(self) -> None:
        """Honour stop / skip / pause requests; raises or waits as needed."""
        if self._stop or self._handover:
            raise _Stop
        if self._skip:
            raise _Skip
        if not self._resumed.is_set():
            await self._resumed.wait()
            if self._stop or self._handover:
                raise _Stop
            if self._skip:
                raise _Skip
        self._cut.clear()

    async def _speak(self, line: Line, seg: SegmentBase) -> None:
        async def start() -> SpeechHandle:
            handle = await self.performer.say(line.text, emotion=line.emotion,
                                              intensity=line.intensity, priority=seg.priority,
                                              source=f"show:{seg.id}", gestures=line.gestures)
            if self.on_line is not None:
                self.on_line(handle, line.text)
            return handle
        self.current_line = line.text
        await self._perform(start, seg)
        self.current_line = None

    async def _perform(self, start: Callable[[], Awaitable[SpeechHandle]], seg: SegmentBase, *,
                       viewers_may_cut: bool = False) -> bool:
        """Start a line or dance and wait for it, honouring control requests; a line cut
        by a pause or a host override is played again. With ``viewers_may_cut``, an urgent
        viewer message cuts it for good and is answered."""
        while True:
            await self._checkpoint()
            self._override = None
            handle = await start()
            waiters: set[asyncio.Future[Any]] = {asyncio.ensure_future(handle.wait()),
                                                 asyncio.ensure_future(self._cut.wait())}
            viewer: asyncio.Future[Any] | None = None
            if viewers_may_cut and self.chat is not None and self.responder is not None:
                viewer = asyncio.ensure_future(
                    self.chat.get(None, min_priority=self._min_viewer_priority()))
                waiters.add(viewer)
            try:
                done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
            if viewer is not None and viewer.done() and not viewer.cancelled() \
                    and viewer.result() is not None:
                await self.performer.interrupt("viewer message")
                await self._answer(viewer.result(), seg)
                return False
            if handle.done.done() and handle.done.result():
                return True
            if self._cut.is_set():
                continue  # checkpoint decides: wait (pause), raise (skip/stop)
            if self._override is not None:
                await self._override.wait()
                continue
            return False

    async def _sleep(self, show_seconds: float) -> None:
        """Wait in show time; pauses stretch it, skip/stop end it."""
        end = self.clock.now() + show_seconds
        while (left := end - self.clock.now()) > 0:
            await self._checkpoint()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._cut.wait(), self.clock.wall(left))
        await self._checkpoint()

    async def _next_message(self, show_seconds: float,
                            min_priority: float | None = None) -> ChatMessage | None:
        assert self.chat is not None
        await self._checkpoint()
        getter = asyncio.ensure_future(self.chat.get(self.clock.wall(show_seconds),
                                                     min_priority=min_priority))
        cut = asyncio.ensure_future(self._cut.wait())
        try:
            await asyncio.wait({getter, cut}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            cut.cancel()
        if getter.done():
            message = getter.result()
            if message is not None and self._cut.is_set():
                await self.chat.submit_back(message)
                await self._checkpoint()
            return message
        getter.cancel()
        await self._checkpoint()
        return None

    async def _viewer_break(self, seg: SegmentBase) -> None:
        """Between lines: answer one urgent viewer message if the rules allow it."""
        if not self._viewers_may_cut(seg) or self.chat is None or self.responder is None:
            return
        message = await self.chat.get(0, min_priority=self._min_viewer_priority())
        if message is not None:
            await self._answer(message, seg)

    async def _answer(self, message: ChatMessage, seg: SegmentBase) -> None:
        assert self.responder is not None
        started = time.monotonic()
        try:
            answer = await self.responder.answer(message)
        except VhumanError as exc:
            await self._log("chat_error", viewer=message.viewer, error=str(exc))
            return
        self.answered += 1
        if self.chat is not None:
            self.chat.mark(message, "answered")
        await self._log("chat_answered", viewer=message.viewer, segment=seg.id,
                        text=answer.text, brain_s=round(time.monotonic() - started, 3))
        if self.on_answer is not None:
            result = self.on_answer(answer)
            if asyncio.iscoroutine(result):
                await result
        for handle in answer.handles:
            waiters = {asyncio.ensure_future(handle.wait()),
                       asyncio.ensure_future(self._cut.wait())}
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            await self._checkpoint()

    async def _log(self, event: str, **data: Any) -> None:
        entry = {"event": event, "clock": round(self.clock.now(), 3), **data}
        self.events.append(entry)
        log.info("show %s: %s %s", self.show_id, event, data or "")
        if self.store is not None:
            try:
                await asyncio.to_thread(self.store.add_show_event,
                                        ShowEvent(self.show_id, event, entry))
            except Exception:  # noqa: BLE001 - logging must not stop the show
                log.exception("could not store show event %s", event)
