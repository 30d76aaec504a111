"""The voice desk: heard turns meet the show.

:class:`VoiceDesk` takes a listener's events for one speaker and

- **barges in**: ``speaking`` (≥ ``barge_in_s`` of a person's speech, not the host's
  own echo) while the character talks calls the performer's ``interrupt`` (the host
  operator's voice interrupts even when nothing is playing, clearing the queue);
- **answers** a finished turn: its words go through the same chat moderation first;
  a guest's turn goes to the dialogue brain as a chat message from that speaker (so
  skills, knowledge, judge and memory all apply), a reporter's to the grounded Q&A
  engine (the answer is spoken with its sources), the host operator's is recorded only;
- **records** every heard turn as a ``heard`` show event: speaker, role, words,
  language, confidence, start/end on the stream's clock, status, what it was answered
  with and the delay from the end of speech to the answer's first audio.

Turns with a status other than ``ok`` (silence, noise, echo, an unsupported language,
a failed recogniser) are recorded and not answered; an unsupported language gets a
short spoken notice once per speaker, so the person knows why nothing came back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vhuman.dialogue.moderation import ChatModerator, moderate
from vhuman.models.text.sentences import split_sentences

from ..chat.message import ChatMessage
from ..chat.responder import ChatAnswer, ChatResponder
from ..performer import Performer, SpeechHandle
from ..show.qa_segment import call_qa
from ..store import ShowEvent, Store
from ..transcript import first_audio
from .listener import HeardTurn, ListenEvent

if TYPE_CHECKING:
    from vhuman.dialogue.answers import Answerer

log = logging.getLogger(__name__)

NO_ANSWER = "I don't have a reliable answer to that yet, so I won't guess."
UNSUPPORTED = "Sorry, I can only understand {languages} for now."


class VoiceDesk:
    """Turns → barge-in, moderation, brain or Q&A, and the show log (one show)."""

    def __init__(self, performer: Performer, *, responder: ChatResponder | None = None,
                 qa: Answerer | None = None, moderator: ChatModerator | None = None,
                 store: Store | None = None, show_id: str = "default",
                 on_answer: Callable[[ChatAnswer], None] | None = None,
                 on_record: Callable[[dict[str, Any]], None] | None = None,
                 on_heard: Callable[[HeardTurn, str], None] | None = None,
                 on_partial: Callable[[HeardTurn, str], None] | None = None,
                 languages: tuple[str, ...] = ("English",), priority: int = 20) -> None:
        self.performer = performer
        self.responder = responder
        self.qa = qa
        self.moderator = moderator
        self.store = store
        self.show_id = show_id
        self.on_answer = on_answer
        self.on_record = on_record
        self.on_heard = on_heard  # (turn, moderated text): captions, a running interview
        # (turn, moderated words so far) while the person speaks: live captions; called
        # with "" when the finished turn is refused, so its partial caption is taken back
        self.on_partial = on_partial
        self._partial_shown: set[int] = set()
        self._partials: dict[int, tuple[int, str]] = {}  # turn id -> (count, stable words)
        self.languages = languages
        self.priority = priority
        self.barge_ins = 0
        self.records: list[dict[str, Any]] = []
        self._noticed: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._turn_order: asyncio.Lock | None = None  # answers (and records) in turn order

    async def handle(self, event: ListenEvent) -> None:
        """React to one listener event (call in order, from the event loop)."""
        if event.kind == "speaking":
            await self._maybe_barge_in(event)
        elif event.kind == "partial":
            count, _ = self._partials.get(event.turn.id, (0, ""))
            self._partials[event.turn.id] = (count + 1, event.stable)
            await self._partial(event)
        elif event.kind == "final":
            task = asyncio.get_running_loop().create_task(self._answer(event.turn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for answers in progress (and their log records)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    # -- barge-in --------------------------------------------------------------------
    async def _maybe_barge_in(self, event: ListenEvent) -> None:
        if event.echo:
            log.debug("speech from %s was the host's echo; not a barge-in", event.turn.speaker)
            return
        speaking = bool(self.performer.status().get("speaking"))
        if speaking or event.turn.role == "host":
            self.barge_ins += 1
            log.info("barge-in by %s (%s)", event.turn.speaker, event.turn.role)
            await self.performer.interrupt(f"barge-in:{event.turn.speaker}")

    async def _partial(self, event: ListenEvent) -> None:
        turn = event.turn
        if self.on_partial is None or not event.text or turn.role == "host":
            return
        text = event.text
        if self.moderator is not None:
            # the words so far: content rules, not the flood limit (the final is counted)
            verdict = await moderate(self.moderator, text, turn.speaker, counted=False)
            if not verdict.allowed:
                return
            text = verdict.cleaned or text
        try:
            self.on_partial(turn, text)
            self._partial_shown.add(turn.id)
        except Exception:  # noqa: BLE001 - captions must not stop listening
            log.exception("could not caption %s's words so far", turn.speaker)

    # -- answering -------------------------------------------------------------------
    async def _answer(self, turn: HeardTurn) -> None:
        if self._turn_order is None:
            self._turn_order = asyncio.Lock()
        async with self._turn_order:
            await self._answer_turn(turn)

    async def _answer_turn(self, turn: HeardTurn) -> None:
        partials, stable = self._partials.pop(turn.id, (0, ""))
        record: dict[str, Any] = {"event": "heard", **turn.to_dict(), "answer": None,
                                  "answered_by": None, "moderation": None,
                                  "first_audio_s": None, "partials": partials,
                                  "stable_before_end": stable}
        handles: list[SpeechHandle] = []
        try:
            if turn.status == "unsupported_language":
                if turn.speaker not in self._noticed:
                    self._noticed.add(turn.speaker)
                    text = UNSUPPORTED.format(languages=", ".join(self.languages))
                    handles = [await self.performer.say(text, priority=self.priority,
                                                        source=f"voice:{turn.speaker}")]
                    record.update(answer=text, answered_by="notice")
            elif turn.status == "ok" and turn.role != "host":
                text = turn.text
                if self.moderator is not None:
                    verdict = await moderate(self.moderator, text, turn.speaker)
                    if not verdict.allowed:
                        record["moderation"] = verdict.reason or "refused"
                        text = ""
                    else:
                        text = verdict.cleaned or text
                if text and self.on_heard is not None:  # only what passed moderation
                    try:
                        self.on_heard(turn, text)
                    except Exception:  # noqa: BLE001 - captions must not stop the answer
                        log.exception("could not caption %s", turn.speaker)
                    self._partial_shown.discard(turn.id)
                if text:
                    handles = await (self._ask_qa(turn, text, record) if turn.role == "reporter"
                                     else self._ask_brain(turn, text, record))
        except Exception as exc:  # noqa: BLE001 - one failed answer must not stop listening
            log.exception("could not answer %s", turn.speaker)
            record["error"] = str(exc)
        if turn.id in self._partial_shown:  # shown while spoken, then refused or not heard
            self._partial_shown.discard(turn.id)
            if self.on_partial is not None:
                try:
                    self.on_partial(turn, "")
                except Exception:  # noqa: BLE001
                    log.exception("could not withdraw %s's caption", turn.speaker)
        if handles:
            heard = await first_audio(handles)
            origin = turn.speech_end_wall if turn.speech_end_wall is not None else turn.final_wall
            if heard is not None and origin is not None:
                record["first_audio_s"] = round(max(0.0, heard - origin), 4)
        if turn.final_wall is not None and turn.speech_end_wall is not None:
            record["final_s"] = round(turn.final_wall - turn.speech_end_wall, 4)
        await self._record(record)

    async def _ask_brain(self, turn: HeardTurn, text: str,
                         record: dict[str, Any]) -> list[SpeechHandle]:
        if self.responder is None:
            return []
        message = ChatMessage(viewer=turn.speaker, text=text, source="voice")
        if turn.speech_end_wall is not None:
            message.received = turn.speech_end_wall  # latency counts from the end of speech
        answer = await self.responder.answer(message)
        if self.on_answer is not None:
            self.on_answer(answer)
        record.update(answer=answer.text, answered_by="brain",
                      sources=sorted(set(answer.sources)))
        return answer.handles

    async def _ask_qa(self, turn: HeardTurn, text: str,
                      record: dict[str, Any]) -> list[SpeechHandle]:
        if self.qa is None:
            return await self._ask_brain(turn, text, record)
        answer = await call_qa(self.qa, text)
        spoken = answer.text.strip()
        if not answer.answered or not spoken:
            spoken = NO_ANSWER
        sources = [{"doc": p.doc, "start": p.start, "end": p.end} for p in answer.sources]
        handles = [await self.performer.say(s, priority=self.priority, source=f"qa:{turn.speaker}")
                   for s in split_sentences(spoken) or [spoken]]
        record.update(answer=spoken, answered_by="qa", sources=sources,
                      qa_confidence=round(float(answer.confidence), 4))
        return handles

    async def _record(self, record: dict[str, Any]) -> None:
        record["logged_at"] = round(time.time(), 3)
        self.records.append(record)
        if self.on_record is not None:
            self.on_record(record)
        if self.store is None:
            return
        try:
            await asyncio.to_thread(self.store.add_show_event,
                                    ShowEvent(self.show_id, "heard", record))
        except Exception:  # noqa: BLE001 - the log must not stop the show
            log.exception("could not store a heard turn for show %s", self.show_id)
