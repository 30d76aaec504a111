"""The character's brain: moderation -> memory -> template | grounded answer | LLM -> tags.

:meth:`Brain.reply_stream` yields :class:`ReplySentence` objects as soon as each sentence
is ready, so TTS starts on the first one. Failures of the model (unreachable server,
timeout, crash) become an in-character fallback line: the show never stops on them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from vhuman.models.emotion import classify_emotion
from vhuman.models.llm import LLMBackend
from vhuman.models.text import SentenceStream
from vhuman.models.types import Emotion, InputError

from .crosslingual import answer_in_language
from .guard import ROLE_MARKER, FactGuard, ReplyGuard, detect_intent
from .judge import judge_sentence
from .kinds import classify_kind
from .language import ENGLISH_NOTICE, OPENERS, detect_language
from .memory import Memory, ViewerRecord, extract_name, recall, viewer_key
from .moderation import ModerationResult, Moderator
from .opener import SOMBER_KINDS, OpenerPicker, message_kind
from .persona import DEFAULT_PERSONA, Persona
from .prompts import build_messages, fill, pick
from .reply import Reply, ReplyContext, ReplySentence, after, finish, first_clause, has_words
from .schedule import Event, answer_schedule, events_from
from .skill_lines import LINES, comfort, line
from .skills import Skills
from .tags import infer_actions, parse_tags

log = logging.getLogger(__name__)

STOP_STRINGS = ["<|im_end|>", "<|im_start|>", "\nUser:", "\nViewer:", "\n\n"]
_QUESTION = re.compile(r"\?\s*$|^(who|what|when|where|which|how|is|are|does|do|can)\b", re.I)
_DANCE = re.compile(r"\b(dance|dancing|bailar|baila|danse|tanzen)\b", re.I)
_ASK_NAME = re.compile(
    r"\b(what'?s|what is|do you (know|remember)|remember|tell me) my name\b|\bwho am i\b|"
    r"¿?cómo me llamo|(recuerdas|te acuerdas de|sabes) mi nombre|我叫什么|记得我的名字", re.I)
_FOLLOW_UP = re.compile(r"\b(?:it|there|that|then|and|what time|where)\b|^\W*\w+(?:\s+\w+)?\W*$|"
                        r"\b(?:y|eso|allí|ahí)\b|那|它|呢", re.I)
_ABOUT_SOMEONE = re.compile(
    r"\b(?:you|your|yourself|me|my)\b|\b(?:what|who|where) (?:do|did|am) i\b|"
    r"\b(?:tú|tu|te|ti|usted|mi|me|estás|eres|tienes|puedes|sabes|quieres)\b|你",
    re.I)


def is_factual(text: str) -> bool:
    """A question about the world (not about the host, the viewer or us): its answer must
    come from the show's knowledge."""
    return not _ABOUT_SOMEONE.search(text)
_NAME_LINES = {
    "en": ("You're {name}, of course! I remember.",
           "You haven't told me your name yet, but here you're {viewer}!"),
    "es": ("¡Eres {name}, claro! Me acuerdo.", "Todavía no me has dicho tu nombre, pero aquí eres {viewer}."),
    "zh": ("你是{name}，我记得！", "你还没告诉我你的名字，不过这里你叫{viewer}。"),
}


class Brain:
    """Replies in character. Every collaborator is optional.

    ``llm="auto"`` (default) loads :func:`models.llm.default_llm` on first use (the
    packaged SmolLM2, or ``$VHUMAN_LLM_URL``); ``llm=None`` runs without a model
    (templates, knowledge base and fallback lines only).

    ``max_tokens``/``first_token_timeout``/``total_timeout`` bound the model; ``qa`` (a
    :class:`~dialogue.qa.QAEngine`, built from ``kb`` when not given) answers factual
    questions from the knowledge base before the model is asked.

    ``opener`` (default: the persona's ``opener`` setting, on for the default persona):
    before a model reply, speak an in-character acknowledgement at once ("Ooh, great
    question, Sam!"); the model continues after it and may not repeat it.

    ``languages``: the languages the model writes well enough to answer in (default: the
    backend's ``languages`` attribute, else the persona's). A message in another language
    gets a short notice in that language, then an English answer.

    Order of answers: templates (greetings, thanks), memory ("what's my name?"), skills
    (:class:`~dialogue.skills.Skills`: sing from ``songs``, title -> score, dance, jokes,
    quiz, shout-outs, exact maths, declines), the knowledge base; a factual question it
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
        kb: Any = None,
        qa: Any = None,
        max_tokens: int = 60,
        temperature: float = 0.7,
        first_token_timeout: float = 8.0,
        total_timeout: float = 20.0,
        seed: int = 0,
        early_clause: bool = True,
        opener: bool | None = None,
        languages: Sequence[str] | None = None,
        songs: dict[str, Path] | None = None,
        candidates: int = 2,
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
        self._rng = random.Random(seed)
        self._openers = OpenerPicker(persona, random.Random(seed + 1))
        self.last_moderation: ModerationResult | None = None
        self.last_source = ""
        self._language = "en"
        self._context: ReplyContext | None = None
        self._moved = False  # whether this reply has a gesture yet
        self._noticed: set[tuple[str | None, str]] = set()  # "I'll answer in English" said
        self._facts: FactGuard | None = None  # what the character may state (lazy)
        self._schedule: list[Event] | None = None  # dated events in the KB (lazy)
        self._refused: list[tuple[str, str]] = []
        self._llm_failed = False
        self._kind = "chat"
        self._label = "chat"  # the message kind (dialogue.kinds)
        self._context_viewer: str | None = None
        self._message = ""
        self._turn_facts: FactGuard | None = None
        self.candidates = max(1, candidates)
        self.skills = Skills(persona, songs, moderator, random.Random(seed + 2))
        self.skills.schedule = self._events  # "how many days until the final?"

    def song_path(self, title: str) -> Path | None:
        """The score of a song of the repertoire (``sing:<title>`` tags name them)."""
        return self.skills.songs.get(title)

    def reply_languages(self) -> tuple[str, ...]:
        """Languages the brain answers in (see ``languages`` in the class docstring)."""
        if self.languages:
            return self.languages
        model = tuple(getattr(self.llm, "languages", ()) or ())
        return tuple(dict.fromkeys(("en", *self.persona.languages, *model)))

    # --- public API -------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the model now (blocking) and pre-fill the persona's prompt cache, so the
        first viewer does not pay for it. Model trouble is logged, never raised."""
        if self.llm is None and self._auto_llm:
            self._auto_llm = False
            try:
                from vhuman.models.llm import default_llm

                self.llm = default_llm()
            except Exception as exc:
                log.error("default language model unavailable (%s); replying with fallbacks", exc)
                return
        warm = getattr(self.llm, "warmup", None)
        if callable(warm):
            try:
                warm(self.persona.system_prompt())
            except TypeError:
                warm()
            except Exception as exc:
                log.warning("model warm-up failed: %s", exc)

    async def reply(self, message: Any, viewer: str | None = None, opener: bool | None = None) -> Reply:
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
        self, message: Any, viewer: str | None = None, opener: bool | None = None,
        context: ReplyContext | None = None,
    ) -> AsyncIterator[ReplySentence]:
        """Yield the reply sentence by sentence, the first one as early as possible.

        ``opener`` overrides :attr:`opener` for this message (e.g. off for press Q&A).
        Action tags the model writes after its last sentence are on that sentence when it
        is yielded (the last sentence waits for the stream's end or for the next words).
        """
        self.last_moderation = None
        self.last_source = ""
        self._context = context
        viewer = _clean_viewer(viewer)
        self._context_viewer = viewer
        text = message if isinstance(message, str) else ""
        if self.moderator is not None:
            verdict = self.moderator.check_input(message, viewer)
            self.last_moderation = verdict
            if not verdict.allowed:
                if self.memory is not None:
                    self.memory.log_moderation(viewer, verdict.reason or "refused", verdict.cleaned)
                if verdict.action == "deflect":
                    line = fill(pick(self.persona.deflections, self._rng), viewer)
                    yield self._sentence(line, "deflection", 0, Emotion.CALM, ["shrug"])
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
        spoken: list[str] = []
        source = ""
        use_opener = self.opener if opener is None else opener
        async for item in self._compose(text, viewer, record, returning, use_opener):
            self._move_body(item)
            spoken.append(item.text)
            if item.source != "opener" and not source:
                source = item.source  # what answered: the opener only acknowledges
            yield item
        self.last_source = source or "llm"
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

    async def _compose(
        self, text: str, viewer: str | None, record: ViewerRecord | None, returning: bool,
        use_opener: bool,
    ) -> AsyncIterator[ReplySentence]:
        index = 0
        self._moved = False
        self._refused = []
        self._llm_failed = False
        self._kind = message_kind(text)
        self._label = classify_kind(text)
        self._message = text
        asked = detect_language(text) or "en"
        lang = asked if asked in self.reply_languages() else "en"
        self._language = lang
        kind = self._kind
        intent = detect_intent(text, self.persona.name)
        if intent is not None:
            yield self._template(intent, text, viewer, record, returning, asked)
            return
        if _ASK_NAME.search(text) and record is not None:
            yield self._name_answer(viewer, record, text, asked)
            return
        recalled = recall(text, record, asked)
        if recalled is not None:  # remembered, never guessed
            item = self._sentence(recalled, "memory", 0, Emotion.HAPPY, ["point"], 0.6)
            item.language = asked
            yield item
            return
        skill = self.skills.answer(text, asked, viewer, self._label)
        if (not skill and asked != lang and asked in ENGLISH_NOTICE
                and (viewer, asked) not in self._noticed):
            # The model cannot write the viewer's language: say so in it, then answer.
            notice = self._sentence(fill(ENGLISH_NOTICE[asked], viewer), "template", index,
                                    Emotion.CALM, ["wave"], 0.4)
            notice.language = asked
            self._noticed.add((viewer, asked))  # once per viewer and language
            yield notice
            index += 1
        elif (viewer and record is not None and (returning or not record.known)
              and self.memory is not None and kind not in SOMBER_KINDS and lang == "en"):
            # First message of a visit: greet by name at once, then answer (never a
            # cheerful greeting before bad news or abuse: the opener addresses them then).
            yield self._template("greeting", text, viewer, record, returning)
            index = 1
        if skill:
            for said_line in skill:
                item = self._sentence(said_line.text, f"skill:{said_line.skill}", index,
                                      said_line.emotion, said_line.tags, said_line.intensity)
                item.language = asked if asked in LINES else "en"
                index += 1
                yield item
            return
        scheduled = answer_schedule(text, asked, self._events()) if self.qa is not None else None
        if scheduled is not None:  # "what's on tonight?" from the show's knowledge
            item = self._sentence(scheduled, "kb", index, Emotion.HAPPY, ["point"], 0.6)
            item.language = asked if asked in LINES else "en"
            yield item
            return
        local = await answer_in_language(self.qa, text, asked) \
            if self.qa and asked in ("zh", "es") and self._label == "question" else None
        if local is not None:  # a Chinese or Spanish show question, answered in its language
            item = self._sentence(local, "kb", index)
            item.language = asked
            yield item
            return
        if self.qa is not None and _QUESTION.search(text):
            answer = await self._kb_answer(text)
            before = self._last_question(viewer)
            if answer is None and before and len(text.split()) <= 3 and _FOLLOW_UP.search(text):
                # "And where is it played?": read with the question it follows.
                answer = await self._kb_answer(f"{before} {text}")
            if answer is not None:
                yield self._sentence(answer, "kb", index)
                return
        if self._label == "question" and is_factual(text):
            # Facts come from the show's knowledge only: no model guesses on air.
            yield self._unsure(viewer, index, asked)
            return
        if self.llm is None and self._auto_llm:
            await self._load_default_llm()
        if self.llm is None:
            yield self._fallback(viewer, index)
            return
        said = None
        if use_opener and index == 0:  # after a greeting the greeting was the instant line
            opener = self._openers.pick(text, viewer, language=lang, kind=kind)
            if opener is not None:
                said = opener.text
                yield self._sentence(said, "opener", 0, opener.emotion, opener.tags, opener.intensity)
                index = 1
        if said and self._label == "abuse":
            return  # a calm line is the whole answer to rudeness: the model would only echo it
        if self._label == "sad":  # sad news: the opener and a kind line, never the model's guesses
            item = self._sentence(comfort(lang, self._rng), "template", index, Emotion.CALM, ["heart"], 0.4)
            item.language = lang if lang in LINES else "en"
            yield item
            return
        count = 0
        for draw in range(self.candidates):  # a draw the judge refuses entirely: draw again
            async for item in self._llm_sentences(text, record, index, said, draw):
                count += 1
                yield item
            if count or self._llm_failed:
                break
        if count == 0 and not (said and kind in ("praise", "sympathy", "abusive", "excited", "chat")):
            # Nothing the model wrote could be said. After praise, sad news or chat the
            # opener already answered; otherwise a line that fits the message: the kind's
            # acknowledgement for chat or praise, "not sure" for a question or request,
            # "tangled" when the model failed.
            fit = self._openers.pick(text, viewer, language=lang, kind=kind) \
                if self._refused and not said and kind in ("chat", "praise", "excited") else None
            if self._llm_failed:
                yield self._fallback(viewer, index)
            elif fit is not None:
                yield self._sentence(fit.text, "fallback", index, fit.emotion, fit.tags, fit.intensity)
            elif self._refused:
                yield self._unsure(viewer, index, lang)
            elif not said:
                yield self._fallback(viewer, index)
            # else: the model ended right after the opener; the opener was the answer.

    async def _load_default_llm(self) -> None:
        self._auto_llm = False  # one attempt: a broken install must not stall every reply
        try:
            from vhuman.models.llm import default_llm

            self.llm = await asyncio.to_thread(default_llm)
        except Exception as exc:
            log.error("default language model unavailable (%s); replying with fallbacks", exc)

    def _last_question(self, viewer: str | None) -> str | None:
        """This viewer's previous message, when it was a question (for follow-ups)."""
        if self.memory is None or viewer is None:
            return None
        said = [t for role, t in self.memory.history(viewer, 4) if role == "viewer"]
        return said[-1] if said and _QUESTION.search(said[-1]) else None

    async def _kb_answer(self, text: str) -> str | None:
        try:
            answer = await self.qa.answer_async(text)
        except Exception as exc:
            log.warning("knowledge base lookup failed: %s", exc)
            return None
        return answer.text if answer.answered else None

    def _unsure(self, viewer: str | None, index: int, language: str) -> ReplySentence:
        """An honest, in-persona "I don't know that one" in the viewer's language."""
        if language in LINES and language != "en":
            text = line("unsure", language, viewer=viewer or "")
        else:
            text = fill(pick(self.persona.unsure, self._rng), viewer)
        item = self._sentence(text, "unsure", index, Emotion.CALM, ["shrug"], 0.4)
        item.language = language if language in LINES else "en"
        return item

    async def _llm_sentences(
        self, text: str, record: ViewerRecord | None, index: int, said: str | None = None,
        draw: int = 0,
    ) -> AsyncIterator[ReplySentence]:
        """Model sentences, guarded. Each is held until the words after it start (or the
        stream ends), so action tags written after it ("... fun! [wave]") are on it."""
        assert self.llm is not None
        ctx = self._context
        history = self.memory.history(record.name if record else None, 4) if self.memory else []
        if ctx is not None and ctx.history:
            history = ctx.history[-4:]
        notes = self.memory.show_notes() if self.memory else None
        prefill = bool(getattr(self.llm, "supports_prefill", False))
        messages = build_messages(self.persona, text, record, history, notes, said, prefill,
                                  language=self._language,
                                  caller_notes=ctx.notes if ctx is not None else None)
        self._turn_facts = self._fact_guard().with_context(
            [m["content"] for m in messages[1:]] + [record.name if record else ""])
        splitter = SentenceStream(max_chars=160)
        self._last_item: ReplySentence | None = None
        self._said = said  # the opener, when one was spoken before the model's words
        head, tail, early = "", "", self.early_clause
        guard = ReplyGuard()
        self._refused = guard.rejected  # what the guards refused in this reply
        if said:
            guard.avoid(said)
        emotion: Emotion | None = None
        held: ReplySentence | None = None
        max_tokens = ctx.max_tokens if ctx is not None and ctx.max_tokens else self.max_tokens
        temperature = self.temperature if ctx is None or ctx.temperature is None else ctx.temperature
        temperature = min(1.2, temperature + 0.2 * draw)  # a fresh candidate, not the same one
        stream = self.llm.stream(messages, max_tokens, temperature, STOP_STRINGS)
        deadline = time.monotonic() + self.total_timeout
        timeout = self.first_token_timeout
        try:
            while not guard.done:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("LLM reply cut at the %.0f s total timeout", self.total_timeout)
                    break
                try:
                    piece = await asyncio.wait_for(anext(stream), min(timeout, remaining))
                except StopAsyncIteration:
                    break
                timeout = self.total_timeout
                tail += piece
                if early:
                    head += piece
                    ready, splitter = first_clause(head)
                    early = not ready  # once something is released, split normally
                else:
                    ready = splitter.feed(piece)
                tail = after(tail, ready)
                for sentence in ready:
                    item, emotion = self._guarded(sentence, guard, emotion, index)
                    if item is not None:
                        index += 1
                        if held is not None:
                            yield held
                        held = item
                if held is not None and has_words(tail):
                    yield held
                    held = None
            if not guard.done:
                for sentence in splitter.flush():
                    item, emotion = self._guarded(finish(sentence), guard, emotion, index)
                    if item is not None:
                        index += 1
                        if held is not None:
                            yield held
                        held = item
            elif held is not None:
                await self._trailing_tags(stream, tail, held)
        except (TimeoutError, Exception) as exc:  # LLMError, timeouts, model crashes
            self._llm_failed = True
            log.warning("LLM failed (%s: %s); using a fallback line", type(exc).__name__, exc)
        finally:
            await _aclose(stream)
        if held is not None:
            yield held

    async def _trailing_tags(self, stream: Any, tail: str, item: ReplySentence, pieces: int = 4) -> None:
        """The reply is complete: read a few more pieces for tags written after it."""
        for _ in range(pieces):
            if has_words(tail):
                break
            try:
                tail += await asyncio.wait_for(anext(stream), 0.5)
            except (StopAsyncIteration, TimeoutError):
                break
        _, _, actions = parse_tags(_TAG_RUN.match(tail).group(0))  # type: ignore[union-attr]
        item.tags += [a for a in actions if a not in item.tags]

    def _guarded(
        self, sentence: str, guard: ReplyGuard, emotion: Emotion | None, index: int
    ) -> tuple[ReplySentence | None, Emotion | None]:
        spoken, tag_emotion, actions = parse_tags(sentence)
        emotion = tag_emotion or emotion
        if not any(ch.isalnum() for ch in spoken) and actions and self._last_item is not None:
            # Tags written after the last sentence ("... fun! [wave]"): attach them to it.
            self._last_item.tags += [a for a in actions if a not in self._last_item.tags]
        if self.moderator is not None and spoken:
            # Checked before the guard, so a persona break is replaced, not trimmed.
            verdict = self.moderator.check_output(spoken)
            if not verdict.allowed:
                guard.done = True
                line = pick(self.persona.deflections, self._rng)
                return self._sentence(fill(line, None), "deflection", index, Emotion.CALM,
                                      ["shrug"]), emotion
            spoken = verdict.cleaned
        if spoken and self._turn_facts is not None:
            fact = self._turn_facts.invented(spoken)
            if fact is not None:  # a date, number or name the character was never given
                guard.rejected.append((spoken, f"invented:{fact}"))
                return None, emotion
        if spoken and not ROLE_MARKER.search(spoken):  # a role marker ends the reply (guard)
            # after an opener the model continues the opener's turn, so it may start in lower case
            before = self._last_item.text if self._last_item is not None else "" if self._said else None
            refusal = judge_sentence(spoken, self._message, self._language, self.persona.name,
                                     self._label, self._context_viewer, before)
            if refusal is not None:
                guard.rejected.append((spoken, refusal))
                return None, emotion
        accepted = guard.accept(spoken) if spoken else None
        if accepted is None:
            return None, emotion
        item = self._sentence(accepted, "llm", index, tag_emotion or emotion, actions)
        self._last_item = item
        return item, emotion

    def _events(self) -> list[Event]:
        """The schedule in the knowledge base (read once)."""
        if self._schedule is None:
            kb = getattr(self.qa, "kb", None)
            self._schedule = events_from(str(d.get("text", "")) for d in getattr(kb, "docs", {}).values())
        return self._schedule

    def _fact_guard(self) -> FactGuard:
        """Facts the character may state: the persona and the knowledge base (built once)."""
        if self._facts is None:
            p = self.persona
            texts = [p.description, p.style, *p.topics, *p.catchphrases, p.name]
            kb = getattr(self.qa, "kb", None)
            for doc in getattr(kb, "docs", {}).values():
                texts.append(str(doc.get("text", "")))
            self._facts = FactGuard(texts)
        return self._facts

    def _move_body(self, item: ReplySentence) -> None:
        """The body follows the words: a sentence the model left without a gesture gets
        one from its text, or (the first of a reply) its emotion's default gesture. Runs
        when the sentence is released, after any tags the model wrote behind it."""
        if self._kind in SOMBER_KINDS and item.source == "llm":
            # Bad news or rudeness: no clapping, cheering or dancing, whatever the words.
            item.tags[:] = [t for t in item.tags if t not in _CHEERFUL]
        if not any(t in _GESTURES for t in item.tags) and item.source in ("llm", "kb", "fallback"):
            actions = infer_actions(item.text, item.emotion, fallback=not self._moved)
            if self._kind in SOMBER_KINDS:
                actions = ["nod" if a in _CHEERFUL else a for a in actions]
            item.tags += actions
        if any(t in _GESTURES for t in item.tags):
            self._moved = True

    def _name_answer(self, viewer: str | None, record: ViewerRecord, text: str,
                     language: str = "en") -> ReplySentence:
        """"What's my name?": from memory (or this very message), never invented."""
        given = extract_name(text) or record.preferences.get("name")
        known, unknown = _NAME_LINES.get(language, _NAME_LINES["en"])
        if given:
            line = known.format(name=given)
        elif viewer:
            line = unknown.format(viewer=viewer)
        else:
            line = "You haven't told me your name yet. What is it?"
        item = self._sentence(line, "template", 0, Emotion.HAPPY, ["point"], 0.6)
        item.language = language if language in _NAME_LINES else "en"
        return item

    def _template(
        self, intent: str, text: str, viewer: str | None, record: ViewerRecord | None,
        returning: bool, language: str = "en",
    ) -> ReplySentence:
        p = self.persona
        local = OPENERS.get(language, {})
        if language != "en" and local and intent in ("greeting", "thanks", "bye"):
            kind = {"greeting": "chat", "thanks": "praise", "bye": "chat"}[intent]
            item = self._sentence(fill(pick(local[kind], self._rng), viewer), "template", 0,
                                  Emotion.HAPPY, ["bow" if intent == "thanks" else "wave"], 0.6)
            item.language = language
            return item
        if intent == "greeting":
            options = p.returning_greetings if returning else p.greetings
            return self._sentence(fill(pick(options, self._rng), viewer), "template", 0,
                                  Emotion.HAPPY, ["wave"], 0.7)
        if intent == "thanks":
            return self._sentence(fill(pick(p.thanks, self._rng), viewer), "template", 0,
                                  Emotion.HAPPY, ["bow"], 0.7)
        if intent == "bye":
            line = f"Bye {viewer}, see you next time!" if viewer else "Bye, see you next time!"
            return self._sentence(line, "template", 0, Emotion.HAPPY, ["wave"], 0.6)
        emotion, intensity = classify_emotion(text)  # emoji-only: mirror the feeling
        lines = {
            Emotion.SAD: "Aww, sending you a big hug!",
            Emotion.ANGRY: "Oh no, let's turn that frown around!",
            Emotion.SURPRISED: "I know, right? Wow!",
        }
        line = lines.get(emotion, "Love the energy in the chat!")
        if viewer:
            line = f"{line[:-1]}, {viewer}{line[-1]}"
        return self._sentence(line, "template", 0, emotion if emotion != Emotion.NEUTRAL else Emotion.HAPPY,
                              ["heart"], max(intensity, 0.5))

    def _fallback(self, viewer: str | None, index: int) -> ReplySentence:
        return self._sentence(fill(pick(self.persona.fallbacks, self._rng), viewer), "fallback",
                              index, Emotion.CALM)

    def _sentence(
        self, text: str, source: str, index: int, emotion: Emotion | None = None,
        tags: list[str] | None = None, intensity: float | None = None,
    ) -> ReplySentence:
        """One output sentence: the given emotion, else the classifier, else the default."""
        guessed, strength = classify_emotion(text)
        if emotion is None:
            emotion = guessed if guessed != Emotion.NEUTRAL else self.persona.default_emotion
        tags = list(tags or [])
        if _DANCE.search(text) and "dance" not in tags and source == "llm":
            tags.append("dance")
        language = self._language if source in ("llm", "opener", "kb", "fallback", "unsure") else "en"
        return ReplySentence(text, emotion, round(intensity if intensity is not None else strength, 3),
                             tags, source, index, language)


def _clean_viewer(viewer: Any) -> str | None:
    if not isinstance(viewer, str):
        return None
    name = " ".join(viewer.split())[:40]
    try:
        viewer_key(name)
    except Exception:
        return None
    return name


_GESTURES = frozenset({"wave", "dance", "nod", "bow", "clap", "point", "shrug", "heart", "cheer",
                       "thumbs_up", "laugh", "think", "jump", "spin"})
_CHEERFUL = frozenset({"clap", "cheer", "dance", "thumbs_up", "jump", "spin", "laugh"})
_TAG_RUN = re.compile(r"(?:\s*(?:\[[^\]]*\]|\([^)]*\)|\*[^*]*\*))*")


async def _aclose(stream: Any) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        try:
            await close()
        except Exception as exc:
            log.debug("closing the LLM stream: %s", exc)
