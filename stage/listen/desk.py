"""The voice desk: heard turns meet the show.

:class:`VoiceDesk` takes a listener's events for one speaker and

- **barges in**: ``speaking`` (≥ ``barge_in_s`` of a person's speech, not the host's
  own echo) while the character talks calls the performer's ``interrupt`` (the host
  operator's voice interrupts even when nothing is playing, clearing the queue);
- **answers** a finished turn: its words go through the same chat moderation first;
  a guest's turn goes to the dialogue brain as a chat message from that speaker (so
  skills, knowledge, judge and memory all apply), a reporter's to the grounded Q&A
  engine (the answer is spoken with its sources), the host operator's is recorded only;
- **answers early**: when the words at a pause (or a partial's stable words closing a
  sentence) pass moderation, the answer is prepared while the end-of-turn silence runs
  (:class:`~stage.listen.early.EarlyAnswer`): committed when the final transcript says the
  same words, so its first sentence is spoken at once; silently dropped otherwise;
- **records** every heard turn as a ``heard`` show event: speaker, role, words,
  language, confidence, start/end on the stream's clock, status, what it was answered
  with and the delay from the end of speech to the answer's first audio.

Turns with a status other than ``ok`` (silence, noise, echo, an unsupported language,
a failed recogniser) are recorded and not answered; an unsupported language gets a
short spoken notice once per speaker, so the person knows why nothing came back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from vhuman.dialogue.moderation import ChatModerator, moderate
from vhuman.dialogue.reply import ReplySentence
from vhuman.models.text.sentences import split_sentences

from ..chat.message import ChatMessage
from ..chat.responder import ChatAnswer, ChatResponder, address_by_name
from ..performer import Performer, SpeechHandle
from ..show.qa_segment import call_qa
from ..store import ShowEvent, Store
from ..transcript import first_audio
from .early import EarlyAnswer, ready_to_answer
from .listener import HeardTurn, ListenEvent

if TYPE_CHECKING:
    from vhuman.dialogue.answers import Answerer

log = logging.getLogger(__name__)

NO_ANSWER = "I don't have a reliable answer to that yet, so I won't guess."
VOICE_FIRST_S = 1.5
"""Longest wait for the first sentence's voice before the brain writes the rest."""
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
                 languages: tuple[str, ...] = ("English",), priority: int = 20,
                 early: bool = True) -> None:
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
        self.early = early  # prepare answers on the words at a pause (see EarlyAnswer)
        self._early: dict[int, EarlyAnswer] = {}  # turn id -> the answer prepared for it

    async def handle(self, event: ListenEvent) -> None:
        """React to one listener event (call in order, from the event loop)."""
        if event.kind == "speaking":
            await self._maybe_barge_in(event)
        elif event.kind == "partial":
            count, _ = self._partials.get(event.turn.id, (0, ""))
            self._partials[event.turn.id] = (count + 1, event.stable)
            await self._partial(event)
            if event.stable and ready_to_answer(event.stable, event.language, closed=True):
                await self._prepare(event.turn, event.stable)
        elif event.kind == "pause":
            if ready_to_answer(event.text, event.language):
                await self._prepare(event.turn, event.text)
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

    # -- answering early --------------------------------------------------------------
    async def _prepare(self, turn: HeardTurn, text: str) -> None:
        """Start the answer to ``text`` (not said until the final transcript agrees)."""
        if not self.early or turn.role == "host" or (
                self.responder is None and (turn.role != "reporter" or self.qa is None)):
            return
        if self._turn_order is not None and self._turn_order.locked():
            return  # an answer is being given: the brain is busy with it
        before = self._early.get(turn.id)
        if before is not None:
            if before.matches(text):
                return
            del self._early[turn.id]
            await before.drop()
        verdict = None
        if self.moderator is not None:
            verdict = await moderate(self.moderator, text, turn.speaker)
            if not verdict.allowed:
                return  # the final is moderated again and refused there
        cleaned = (verdict.cleaned if verdict is not None else "") or text
        prepare = getattr(self.performer, "prepare", None)  # voice synthesized ahead
        if turn.role == "reporter" and self.qa is not None:
            def qa_voice(answer: Any) -> Any:
                return None if prepare is None else \
                    prepare(_qa_lines(answer)[1][0], priority=self.priority)

            early = EarlyAnswer(text, cleaned, verdict=verdict, viewer=turn.speaker,
                                qa=call_qa(self.qa, cleaned), on_ready=qa_voice)
        else:
            responder = self.responder
            assert responder is not None

            def brain_voice(first: ReplySentence) -> Any:
                return self._prepare_voice(turn, first)

            early = EarlyAnswer(text, cleaned, verdict=verdict, viewer=turn.speaker,
                                brain=responder.brain, on_ready=brain_voice)
        self._early[turn.id] = early
        log.debug("answer to %s prepared early on %r", turn.speaker, text)

    def _prepare_voice(self, turn: HeardTurn, first: ReplySentence) -> Any:
        """Have the performer synthesize the voice of an answer's first sentence (as the
        responder will say it) now; its handle, or None when the performer cannot."""
        prepare = getattr(self.performer, "prepare", None)
        if prepare is None or self.responder is None or not first.text.strip():
            return None
        return prepare(address_by_name(turn.speaker, first.text.strip()),
                       emotion=first.emotion, intensity=first.intensity,
                       priority=self.responder.priority)

    async def _voice_first(self, reply: AsyncIterator[ReplySentence], turn: HeardTurn,
                           record: dict[str, Any],
                           early: EarlyAnswer | None) -> AsyncIterator[ReplySentence]:
        """``reply``, its first sentence's voice synthesized before the brain goes on.

        The rest of a reply is usually the language model, whose prompt alone keeps both
        cores busy; drawn while the opener is being voiced, the two compete for the cores.
        So the next sentence is asked for once the first one's voice is ready (at
        most :data:`VOICE_FIRST_S`), while the first one plays. Also notes when the first
        sentence was ready (``first_sentence_s`` after the end of speech)."""
        first = True
        async for item in reply:
            if not first:
                yield item
                continue
            first = False
            if turn.speech_end_wall is not None:
                record["first_sentence_s"] = round(time.monotonic() - turn.speech_end_wall, 4)
            voice = early.voice if early is not None and early.voice is not None else \
                self._prepare_voice(turn, item)
            yield item
            done = getattr(voice, "done", None)
            if done is not None:
                with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(done), VOICE_FIRST_S)

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
                                  "stable_before_end": stable, "early": None}
        handles: list[SpeechHandle] = []
        early = self._early.pop(turn.id, None)
        if early is not None:
            if turn.status == "ok" and turn.role != "host" and early.matches(turn.text):
                record["early"] = "committed"
                if early.ready_at is not None and turn.speech_end_wall is not None:
                    record["early_ready_s"] = round(early.ready_at - turn.speech_end_wall, 4)
            else:
                record["early"] = "dropped"
                await early.drop()
                early = None
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
                if early is not None:  # moderated when it was prepared
                    text = early.text
                elif self.moderator is not None:
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
                    handles = await (self._ask_qa(turn, text, record, early)
                                     if turn.role == "reporter"
                                     else self._ask_brain(turn, text, record, early))
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

    async def _ask_brain(self, turn: HeardTurn, text: str, record: dict[str, Any],
                         early: EarlyAnswer | None = None) -> list[SpeechHandle]:
        if self.responder is None:
            return []
        message = ChatMessage(viewer=turn.speaker, text=text, source="voice")
        if turn.speech_end_wall is not None:
            message.received = turn.speech_end_wall  # latency counts from the end of speech
        reply = early.reply() if early is not None else \
            self.responder.brain.reply_stream(text, turn.speaker)
        answer = await self.responder.answer(message,
                                             self._voice_first(reply, turn, record, early))
        if self.on_answer is not None:
            self.on_answer(answer)
        record.update(answer=answer.text, answered_by="brain",
                      sources=sorted(set(answer.sources)))
        return answer.handles

    async def _ask_qa(self, turn: HeardTurn, text: str, record: dict[str, Any],
                      early: EarlyAnswer | None = None) -> list[SpeechHandle]:
        if self.qa is None:
            return await self._ask_brain(turn, text, record)
        answer = await (early.qa_answer() if early is not None else call_qa(self.qa, text))
        spoken, lines = _qa_lines(answer)
        sources = [{"doc": p.doc, "start": p.start, "end": p.end} for p in answer.sources]
        handles = [await self.performer.say(s, priority=self.priority, source=f"qa:{turn.speaker}")
                   for s in lines]
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


def _qa_lines(answer: Any) -> tuple[str, list[str]]:
    """What a Q&A answer says (the refusal line when it has nothing) and its sentences."""
    spoken = answer.text.strip()
    if not answer.answered or not spoken:
        spoken = NO_ANSWER
    return spoken, split_sentences(spoken) or [spoken]

