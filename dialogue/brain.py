"""The character's brain: moderation -> memory -> template | skill | grounded answer | LLM.

:meth:`Brain.reply_stream` yields :class:`ReplySentence` objects as soon as each sentence
is ready, so TTS starts on the first one. Failures of the model (unreachable server,
timeout, crash) become an in-character fallback line: the show never stops on them.

The jobs live in their own modules: the brain's own lines (:mod:`.lines`), one model draw
through the guards (:mod:`.drawing`), the prompt (:mod:`.prompts`), what a message asks
(:mod:`.questions`), what the show knows (:mod:`.show_knowledge`), tags and gestures
(:mod:`.tags`), skills (:mod:`.skills`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vhuman.models.llm import LLMBackend
from vhuman.models.types import Emotion, InputError

from .crosslingual import answer_in_language
from .drawing import DrawLimits, ModelDraw
from .guard import detect_intent
from .kinds import classify_kind
from .language import ENGLISH_NOTICE, detect_language
from .lines import LineBook
from .meaning import Similarity
from .memory import Memory, ViewerRecord, extract_name, recall, viewer_key
from .moderation import ModerationResult, Moderator
from .opener import SOMBER_KINDS, OpenerPicker, message_kind
from .persona import DEFAULT_PERSONA, Persona
from .prompts import build_messages, fill
from .questions import (
    ASK_NAME,
    QUESTION,
    about_host,
    about_show,
    asks_prediction,
    core_question,
    follow_up_from,
    is_factual,
    is_follow_up,
)
from .reply import DanceCue, PerformCue, Reply, ReplyContext, ReplySentence, SingCue
from .show_knowledge import ShowKnowledge
from .skill_lines import LINES, comfort
from .skills import SkillLine, Skills
from .small_talk import SmallTalk
from .small_talk_lines import LINES as TALK_LINES
from .tags import ACTIONS, move_body
from .turn import Turn

if TYPE_CHECKING:
    from .knowledge import KnowledgeBase
    from .qa import QAEngine

log = logging.getLogger(__name__)

__all__ = ["Brain", "Reply", "ReplyContext", "ReplySentence", "is_factual"]


class Brain:
    """Replies in character. Every collaborator is optional.

    ``llm="auto"`` (default) loads :func:`models.llm.default_llm` on first use (the
    packaged SmolLM2, or ``$VHUMAN_LLM_URL``); ``llm=None`` runs without a model
    (templates, knowledge base and fallback lines only).

    ``max_tokens``/``first_token_timeout``/``total_timeout`` bound the model, and
    ``first_sentence_timeout`` small talk: when no model sentence has passed the guards by
    then (all draws together), a short line that fits the message is said instead (None:
    no limit); ``qa`` (a
    :class:`~dialogue.qa.QAEngine`, built from ``kb`` when not given) answers factual
    questions from the knowledge base before the model is asked.

    ``opener`` (default: the persona's ``opener`` setting, on for the default persona):
    before a model reply, speak an in-character acknowledgement at once ("Ooh, great
    question, Sam!"); the model continues after it and may not repeat it.

    ``languages``: the languages the host answers in, as the show's config lists them
    (default: the persona's, and those of the backend's ``languages`` attribute that the
    host has its own lines in: en, es, zh). A message in another language gets, once per
    viewer, a short notice in that language, then an English answer.

    Order of answers: templates (greetings, thanks), memory ("what's my name?"), skills
    (:class:`~dialogue.skills.Skills`: sing from ``songs``, title -> score, dance, jokes,
    quiz, shout-outs, exact maths, declines), small talk in persona
    (:class:`~dialogue.small_talk.SmallTalk`: opinions, "how are you?", where a viewer is
    from, praise and thanks), the knowledge base; a factual question it
    cannot answer gets an honest "I don't know that one"; only small talk goes to the
    model, whose sentences pass :func:`~dialogue.judge.judge_sentence` (up to
    ``candidates`` draws) or give way to a short in-persona line.
    """

    def __init__(
        self,
        persona: Persona = DEFAULT_PERSONA,
        llm: LLMBackend | str | None = "auto",
        memory: Memory | None = None,
        moderator: Moderator | None = None,
        kb: KnowledgeBase | None = None,
        qa: QAEngine | None = None,
        max_tokens: int = 60,
        temperature: float = 0.7,
        first_token_timeout: float = 8.0,
        total_timeout: float = 20.0,
        seed: int = 0,
        early_clause: bool = False,
        opener: bool | None = None,
        languages: Sequence[str] | None = None,
        songs: dict[str, Path] | None = None,
        candidates: int = 2,
        first_sentence_timeout: float | None = 1.6,
    ) -> None:
        self.persona = persona
        self.languages = tuple(languages) if languages else None
        self._auto_llm = llm == "auto"
        if isinstance(llm, str) and not self._auto_llm:
            raise InputError(f"llm must be a backend, None or 'auto', got {llm!r}")
        self.llm: LLMBackend | None = None if isinstance(llm, str) else llm
        self.memory = memory
        self.moderator = moderator
        if moderator is not None:
            moderator.protect(persona.system_prompt())
        if qa is None and kb is not None:
            from .qa import QAEngine

            qa = QAEngine(kb)
        self.qa = qa
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.first_token_timeout = first_token_timeout
        self.total_timeout = total_timeout
        self.early_clause = early_clause
        self.opener = persona.opener if opener is None else opener
        self.lines = LineBook(persona, random.Random(seed))
        self._openers = OpenerPicker(persona, random.Random(seed + 1))
        self.last_moderation: ModerationResult | None = None
        self.last_source = ""
        self.last_refused: list[tuple[str, str]] = []  # (sentence, why) the guards kept off air
        self._noticed: set[tuple[str | None, str]] = set()  # "I'll answer in English" said
        self.knowledge = ShowKnowledge(persona, qa)
        self.candidates = max(1, candidates)
        self.first_sentence_timeout = first_sentence_timeout
        self._similar: Similarity | None = None
        self.skills = Skills(persona, songs, moderator, random.Random(seed + 2))
        self.skills.schedule = self.knowledge.events  # "how many days until the final?"
        self.skills.languages = self.reply_languages  # "can you speak French?"
        self.small_talk = SmallTalk(random.Random(seed + 3))

    @property
    def wants_default_llm(self) -> bool:
        """True while the brain has no model and would load the default one on first use
        (a server may hand it a shared one instead: set :attr:`llm`)."""
        return self.llm is None and self._auto_llm

    def song_path(self, title: str) -> Path | None:
        """The score of a song of the repertoire (``sing:<title>`` tags name them)."""
        return self.skills.songs.get(title)

    def reply_languages(self) -> tuple[str, ...]:
        """Languages the brain answers in (see ``languages`` in the class docstring)."""
        if self.languages:
            return self.languages
        model = tuple(getattr(self.llm, "languages", ()) or ())  # optional on a backend
        # The model's own list counts only where the host has lines in the language (what
        # it says when the draws are refused); a model that writes more languages answers
        # in them when the show's config lists them (the persona's or ``languages``).
        return tuple(dict.fromkeys(("en", *self.persona.languages,
                                    *(code for code in model if code in LINES))))

    # --- public API -------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the model now (blocking), pre-fill the persona's prompt cache and load what
        the knowledge answers need, so the first viewer does not pay for it. Model trouble
        is logged, never raised."""
        if self.llm is None and self._auto_llm:
            self._auto_llm = False
            try:
                from vhuman.models.llm import default_llm

                self.llm = default_llm()
            except Exception as exc:
                log.error("default language model unavailable (%s); replying with fallbacks", exc)
                return
        warm = getattr(self.llm, "warmup", None)  # optional on a backend
        if callable(warm):
            try:
                warm(self.persona.system_prompt())
            except TypeError:
                warm()
            except Exception as exc:
                log.warning("model warm-up failed: %s", exc)
        self._warm_knowledge()

    def _warm_knowledge(self) -> None:
        """Load now what a fresh brain would load for its first viewer: the fact list and
        the schedule, the knowledge base's index and span reader (one read), the glossary of
        the Chinese/Spanish path, the language and kind classifiers. Logged, never raised."""
        try:
            self.knowledge.facts()
            self.knowledge.events()
            classify_kind(detect_language("今晚有什么节目？") or "What time is the final?")
            if self.qa is not None:
                from .crosslingual import glossary

                glossary()
                self.qa.extract("When does the opening ceremony start?")
                similar = self._similarity()
                if similar is not None:
                    similar("hi", "hello")
        except Exception as exc:
            log.warning("knowledge warm-up failed: %s", exc)

    async def reply(self, message: str | bytes | None, viewer: str | None = None,
                    opener: bool | None = None) -> Reply:
        """The whole reply (collects :meth:`reply_stream`)."""
        items = [s async for s in self.reply_stream(message, viewer, opener)]
        text = " ".join(s.text for s in items)
        tags: list[str] = []
        for s in items:
            tags += [t for t in s.tags if t not in tags]
        lead = max(items, key=lambda s: s.intensity) if items else None
        return Reply(
            text=text,
            emotion=lead.emotion if lead else self.persona.default_emotion,
            intensity=lead.intensity if lead else 0.0,
            tags=tags,
            sentences=[s.text for s in items],
            source=self.last_source or (items[0].source if items else "dropped"),
            moderation=self.last_moderation,
            items=items,
        )

    async def reply_stream(
        self, message: str | bytes | None, viewer: str | None = None, opener: bool | None = None,
        context: ReplyContext | None = None,
    ) -> AsyncIterator[ReplySentence]:
        """Yield the reply sentence by sentence, the first one as early as possible.

        ``message`` is what a viewer sent (anything that is not text is refused or
        dropped). ``opener`` overrides :attr:`opener` for this message (e.g. off for press
        Q&A). Action tags the model writes after its last sentence are on that sentence
        when it is yielded (the last sentence waits for the stream's end or the next words).
        """
        self.last_moderation = None
        self.last_source = ""
        self.last_refused = []
        viewer = _clean_viewer(viewer)
        text = message if isinstance(message, str) else ""
        if self.moderator is not None:
            verdict = self.moderator.check_input(message, viewer)
            self.last_moderation = verdict
            if not verdict.allowed:
                if self.memory is not None:
                    self.memory.log_moderation(viewer, verdict.reason or "refused", verdict.cleaned)
                if verdict.action == "deflect":
                    said = detect_language(message) if isinstance(message, str) else None
                    yield self.lines.deflection(viewer, language=said or "en")
                    self.last_source = "deflection"
                else:
                    self.last_source = "dropped"
                return
            text = verdict.cleaned
        elif not isinstance(message, str) or not message.strip():
            self.last_source = "dropped"  # nothing to answer (no moderator to say why)
            return
        text = text[:2000]
        record, returning = self._see(viewer)
        asked = detect_language(text) or "en"
        turn = Turn(text, viewer, asked, asked if asked in self.reply_languages() else "en",
                    message_kind(text), classify_kind(text), context)
        self.lines.language = turn.language
        spoken: list[str] = []
        source = ""
        use_opener = self.opener if opener is None else opener
        async for item in self._compose(turn, record, returning, use_opener):
            if item.source in ("llm", "kb", "fallback"):
                move_body(item.tags, item.text, item.emotion, somber=turn.kind in SOMBER_KINDS,
                          first=not turn.moved)
            turn.moved = turn.moved or any(t in ACTIONS for t in item.tags)
            spoken.append(item.text)
            if item.source != "opener" and not source:
                source = item.source  # what answered: the opener only acknowledges
            yield item
        self.last_source = source or "llm"
        self.last_refused = list(turn.refused)
        if self.memory is not None:
            try:
                self.memory.remember(viewer, text, " ".join(spoken), source=source)
            except Exception as exc:  # memory trouble must not cut the show
                log.warning("memory write failed: %s", exc)

    # --- internals --------------------------------------------------------------------

    def _see(self, viewer: str | None) -> tuple[ViewerRecord | None, bool]:
        if viewer is None:
            return None, False
        if self.memory is None:
            return ViewerRecord(name=viewer), False
        before = self.memory.viewer(viewer)
        record, returning = self.memory.see(viewer)
        record.visits = record.visits if before.known else 0  # "new" for greeting purposes
        return record, returning

    async def _compose(self, turn: Turn, record: ViewerRecord | None, returning: bool,
                       use_opener: bool) -> AsyncIterator[ReplySentence]:
        """Who answers: template, memory, skill, schedule, knowledge base, "not sure", or
        the model (after an opener)."""
        text, handle, asked, lang, kind = turn.text, turn.viewer, turn.asked, turn.language, turn.kind
        viewer = self._called(text, record) or handle  # who the host addresses: their own name first
        lines = self.lines
        index = 0
        intent = detect_intent(text, self.persona.name)
        if intent is not None:
            yield lines.template(intent, text, viewer, returning, asked)
            return
        if ASK_NAME.search(text) and record is not None:
            yield lines.name_answer(handle, record, text, asked)
            return
        recalled = recall(text, record, asked)
        if recalled is not None:  # remembered, never guessed
            item = lines.sentence(recalled, "memory", 0, Emotion.HAPPY, ["point"], 0.6)
            item.language = asked
            yield item
            return
        skill = self.skills.answer(text, asked, handle, turn.label, called=viewer)
        greet = (viewer and record is not None and (returning or not record.known)
                 and self.memory is not None and kind not in SOMBER_KINDS and lang == "en")
        talk = None if skill else self.small_talk.answer(text, asked, viewer, turn.label,
                                                          named=not (greet and asked == "en"))
        greet = greet and (asked == "en" or not talk)  # an English greeting before English only
        if (not skill and not talk and asked != lang and asked in ENGLISH_NOTICE
                and (viewer, asked) not in self._noticed):
            # The model cannot write the viewer's language: say so in it, then answer.
            notice = lines.sentence(fill(ENGLISH_NOTICE[asked], viewer), "template", index,
                                    Emotion.CALM, ["wave"], 0.4)
            notice.language = asked
            self._noticed.add((viewer, asked))  # once per viewer and language
            yield notice
            index += 1
        elif greet:
            # First message of a visit: greet by name at once, then answer (never a
            # cheerful greeting before bad news or abuse: the opener addresses them then).
            yield lines.template("greeting", text, viewer, returning)
            index = 1
        if skill:
            for said_line in skill:
                item = lines.sentence(said_line.text, f"skill:{said_line.skill}", index,
                                      said_line.emotion, said_line.tags, said_line.intensity)
                item.language = asked if asked in LINES else "en"
                item.cue = self._cue(said_line)
                index += 1
                yield item
            return
        if talk is not None:  # opinions, "how are you?", where they are from, praise: in persona
            item = lines.sentence(talk.text, "small_talk", index, talk.emotion, talk.tags, talk.intensity)
            item.language = asked if asked in TALK_LINES else "en"
            yield item
            return
        scheduled = self.knowledge.schedule(text, asked)
        if scheduled is not None:  # "what's on tonight?" from the show's knowledge
            item = lines.sentence(scheduled, "kb", index, Emotion.HAPPY, ["point"], 0.6)
            item.language = asked if asked in LINES else "en"
            yield item
            return
        # "What's your favourite winter sport?", "你会滑雪吗？" (about the host), "who will win?":
        # no note of the show answers these
        off_notes = about_host(text) and not about_show(text) or asks_prediction(text)
        local = await answer_in_language(self.qa, text, asked) \
            if self.qa and asked in ("zh", "es") and turn.label == "question" and not off_notes else None
        if local is not None:  # a Chinese or Spanish show question, answered in its language
            item = lines.sentence(local, "kb", index)
            item.language = asked
            yield item
            return
        if self.qa is not None and QUESTION.search(core_question(text)) and not off_notes:
            answer = await self.knowledge.answer(text)
            before = self._last_question(handle)
            if answer is None and before and is_follow_up(text):
                # "Do I need to book it?": in what the host just said from the notes, else
                # read with the question it follows ("and where is it played?").
                answer = follow_up_from(text, self._last_reply(handle)) \
                    or await self.knowledge.answer(f"{before} {text}")
            if answer is not None:
                yield lines.sentence(answer, "kb", index)
                return
        show = self.qa is not None and about_show(text)
        if turn.label == "question" and (is_factual(text) or show):
            # Facts come from the show's knowledge only: no model guesses on air.
            yield lines.unsure(viewer, index, asked, text, show=show)
            return
        if asked != lang and kind == "statement":
            # A passage in a language the host has no lines in: the model, answering in
            # English, would only guess at it ("Oh no."); a brief acknowledgement is the answer.
            fit = self._openers.pick(text, viewer, language=lang, kind=kind)
            if fit is not None:
                yield lines.sentence(fit.text, "fallback", index, fit.emotion, fit.tags, fit.intensity)
                return
        if self.llm is None and self._auto_llm:
            await self._load_default_llm()
        if self.llm is None:
            yield lines.fallback(viewer, index, asked)
            return
        said = None
        if use_opener and index == 0:  # after a greeting the greeting was the instant line
            opener = self._openers.pick(text, viewer, language=lang, kind=kind)
            if opener is not None:
                said = opener.text
                yield lines.sentence(said, "opener", 0, opener.emotion, opener.tags, opener.intensity)
                index = 1
        if said and turn.label == "abuse":
            return  # a calm line is the whole answer to rudeness: the model would only echo it
        if kind in ("statement", "sad_story"):
            # A passage read aloud, a plain impersonal statement: "Go on, Ana, I'm listening."
            # is the turn's answer (the model's additions heard live were odd questions, "Can
            # we hear the show playing?", or echoes). Sad news about others: sorrow shared is
            # the answer; a hug or "take care of yourself" would treat the speaker as grieving.
            fit = None if said else self._openers.pick(text, viewer, language=lang, kind=kind)
            if fit is not None:
                yield lines.sentence(fit.text, "fallback", index, fit.emotion, fit.tags, fit.intensity)
            if said or fit is not None:
                return
        if turn.label == "sad":  # sad news: the opener and a kind line, never the model's guesses
            item = lines.sentence(comfort(lang, lines.rng), "template", index, Emotion.CALM, ["heart"], 0.4)
            item.language = lang if lang in LINES else "en"
            yield item
            return
        count = 0
        by = None if self.first_sentence_timeout is None else \
            asyncio.get_running_loop().time() + self.first_sentence_timeout
        for draw in range(self.candidates):  # a draw the judge refuses entirely: draw again
            left = None if by is None else by - asyncio.get_running_loop().time()
            if left is not None and left <= 0.1:
                break  # small talk that is slow to say anything sayable gives way
            async for item in self._draw(turn, record, index, said, draw, left):
                count += 1
                yield item
            if count or turn.llm_failed:
                break
        if count == 0 and not (said and kind in ("praise", "sympathy", "abusive", "excited", "chat",
                                                 "statement")):
            # Nothing the model wrote could be said. After praise, sad news or chat the
            # opener already answered; otherwise a line that fits the message: the kind's
            # brief acknowledgement for anything but a question or request (a statement is
            # never answered as if it asked something), "not sure" for those, "tangled"
            # when the model failed.
            fit = self._openers.pick(text, viewer, language=lang, kind=kind) \
                if (turn.refused or turn.late) and not said and kind not in ("question", "request") \
                else None
            if turn.llm_failed:
                yield lines.fallback(viewer, index, asked)
            elif fit is not None:
                yield lines.sentence(fit.text, "fallback", index, fit.emotion, fit.tags, fit.intensity)
            elif turn.refused or turn.late:
                yield lines.unsure(viewer, index, lang, text, show=self.qa is not None and about_show(text))
            elif not said:
                yield lines.fallback(viewer, index, asked)
            # else: the model ended right after the opener; the opener was the answer.

    def _called(self, text: str, record: ViewerRecord | None) -> str | None:
        """The name a viewer gave for themself, in this message or before ("me llamo Ramón"),
        when it passes the shout-out name check (None: none given, or not fit for air)."""
        given = extract_name(text) or (record.preferences.get("name") if record is not None else None)
        return given if given and self.skills.name_ok(given) else None

    def _cue(self, said: SkillLine) -> PerformCue | None:
        """What the host performs after a skill's line: a song of the repertoire, a dance."""
        for tag in said.tags:
            if tag.startswith("sing:"):
                title = tag.removeprefix("sing:")
                score = self.song_path(title)
                if score is not None:
                    return SingCue(title, Path(score))
        return DanceCue() if said.skill == "dance" else None

    async def _draw(self, turn: Turn, record: ViewerRecord | None, index: int,
                    said: str | None, draw: int, first_sentence_timeout: float | None = None,
                    ) -> AsyncIterator[ReplySentence]:
        """One model draw (``draw`` > 0: a fresh candidate, a little warmer; nothing
        sayable within ``first_sentence_timeout``: it stops)."""
        assert self.llm is not None
        ctx = turn.context
        history = self.memory.history(record.name if record else None, 4) if self.memory else []
        if ctx is not None and ctx.history:
            history = ctx.history[-4:]
        notes = self.memory.show_notes() if self.memory else None
        prefill = bool(getattr(self.llm, "supports_prefill", False))  # optional on a backend
        messages = build_messages(self.persona, turn.text, record, history, notes, said, prefill,
                                  language=turn.language,
                                  caller_notes=ctx.notes if ctx is not None else None)
        facts = self.knowledge.facts().with_context(
            [m["content"] for m in messages[1:]] + [record.name if record else ""])
        temperature = self.temperature if ctx is None or ctx.temperature is None else ctx.temperature
        limits = DrawLimits(
            max_tokens=ctx.max_tokens if ctx is not None and ctx.max_tokens else self.max_tokens,
            temperature=min(1.2, temperature + 0.2 * draw),  # a fresh candidate, not the same one
            first_token_timeout=self.first_token_timeout, total_timeout=self.total_timeout,
            # after an opener the host is already talking: the model's first sentence is
            # judged whole ("The show, Winter Sports," released early was left hanging)
            early_clause=self.early_clause and not said,
            first_sentence_timeout=first_sentence_timeout)
        drawing = ModelDraw(turn, self.lines, self.moderator, facts, said, self._similarity())
        turn.refused = drawing.guard.rejected  # what the guards refused in this reply
        async for item in drawing.sentences(self.llm, messages, limits, index):
            yield item
        turn.llm_failed = turn.llm_failed or drawing.failed
        turn.late = turn.late or drawing.late

    def _similarity(self) -> Similarity | None:
        """The knowledge base's sentence embedder as a similarity for the judge's meaning
        checks (None without a knowledge base: no embedder is loaded for them alone)."""
        if self.qa is None:
            return None
        if self._similar is None:
            from .evaluation import embedding_similarity

            self._similar = embedding_similarity(self.qa.kb.embedder.encode)
        return self._similar

    async def _load_default_llm(self) -> None:
        self._auto_llm = False  # one attempt: a broken install must not stall every reply
        try:
            from vhuman.models.llm import default_llm

            self.llm = await asyncio.to_thread(default_llm)
        except Exception as exc:
            log.error("default language model unavailable (%s); replying with fallbacks", exc)

    def _last_reply(self, viewer: str | None) -> str:
        """What the host last said to this viewer ("" when nothing)."""
        if self.memory is None or viewer is None:
            return ""
        said = [t for role, t in self.memory.history(viewer, 4) if role == "host"]
        return said[-1] if said else ""

    def _last_question(self, viewer: str | None) -> str | None:
        """This viewer's previous message, when it was a question (for follow-ups)."""
        if self.memory is None or viewer is None:
            return None
        said = [t for role, t in self.memory.history(viewer, 4) if role == "viewer"]
        return said[-1] if said and QUESTION.search(said[-1]) else None


def _clean_viewer(viewer: object) -> str | None:
    if not isinstance(viewer, str):
        return None
    name = " ".join(viewer.split())[:40]
    try:
        viewer_key(name)
    except Exception:
        return None
    return name
