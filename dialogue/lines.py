"""The brain's own lines (no model): greetings, thanks, "what's my name?", "I don't know
that one", fallbacks and deflections, each built as a :class:`ReplySentence` with its
emotion, intensity, gestures and language."""

from __future__ import annotations

import random
import re
from functools import cache

from vhuman.models.emotion import classify_emotion
from vhuman.models.types import Emotion

from .language import OPENERS, detect_language
from .memory import ViewerRecord, extract_name
from .persona import Persona
from .prompts import fill, pick
from .questions import about_host, asks_prediction
from .reply import ReplySentence
from .skill_lines import LINES, line

# A question about what has not happened yet: nobody knows, so nobody guesses.
_DANCE = re.compile(r"\b(dance|dancing|bailar|baila|danse|tanzen)\b", re.I)
_NAME_LINES = {
    "en": ("You're {name}, of course! I remember.",
           "You haven't told me your name yet, but here you're {viewer}!"),
    "es": ("¡Eres {name}, claro! Me acuerdo.", "Todavía no me has dicho tu nombre, pero aquí eres {viewer}."),
    "zh": ("你是{name}，我记得！", "你还没告诉我你的名字，不过这里你叫{viewer}。"),
}
#: sources whose sentences are in the reply's language (the others are written in English)
_IN_REPLY_LANGUAGE = frozenset({"llm", "opener", "kb", "fallback", "unsure"})


class LineBook:
    """Builds the brain's sentences in one persona. ``language``: the current reply's
    language (the brain sets it per reply), given to the sources that write in it."""

    def __init__(self, persona: Persona, rng: random.Random) -> None:
        self.persona = persona
        self.rng = rng
        self.language = "en"

    def sentence(
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
        language = self.language if source in _IN_REPLY_LANGUAGE else "en"
        return ReplySentence(text, emotion, round(intensity if intensity is not None else strength, 3),
                             tags, source, index, language)

    def in_language(self, options: tuple[str, ...], key: str) -> str:
        """A template of the persona's ``options`` written in the reply's language (a persona
        may list lines in several languages); none there: the shipped ``key`` line of
        :mod:`.skill_lines` in that language; English lines for other languages."""
        lang = self.language if self.language in LINES else "en"
        own = [o for o in options if _written_in(o) == lang]
        if not own and lang == "en":
            own = [o for o in options if _written_in(o) not in LINES or _written_in(o) == "en"]
        if own:
            return pick(tuple(own), self.rng)
        return line(key, lang, viewer="{viewer}")

    def _own_line(self, options: tuple[str, ...], key: str, viewer: str | None, source: str,
                  index: int, tags: list[str], language: str | None) -> ReplySentence:
        """A calm line of ``options`` (or the shipped ``key`` line) in ``language`` (default:
        the reply's)."""
        before = self.language
        self.language = language or before
        try:
            said = fill(self.in_language(options, key), viewer)
            item = self.sentence(said, source, index, Emotion.CALM, tags, 0.4)
            item.language = self.language if self.language in LINES else "en"
        finally:
            self.language = before
        return item

    def deflection(self, viewer: str | None, index: int = 0, language: str | None = None) -> ReplySentence:
        """A calm in-persona change of subject (refused input or output), in the viewer's
        ``language`` (default: the reply's)."""
        return self._own_line(self.persona.deflections, "deflect", viewer, "deflection", index,
                              ["shrug"], language)

    def fallback(self, viewer: str | None, index: int, language: str | None = None) -> ReplySentence:
        """The model failed: an in-persona "I got tangled up" line in the viewer's
        ``language`` (default: the reply's)."""
        return self._own_line(self.persona.fallbacks, "fallback", viewer, "fallback", index, [], language)

    def show_unsure(self, viewer: str | None, index: int, language: str | None = None) -> ReplySentence:
        """A question about the show that its notes do not answer: said honestly, in show
        terms ("not in tonight's notes"), never "I only know our show"."""
        return self._own_line((), "show_unsure", viewer, "unsure", index, ["shrug"], language)

    def unsure(self, viewer: str | None, index: int, language: str, question: str = "",
               show: bool = False) -> ReplySentence:
        """An honest, in-persona "I don't know that one" in the viewer's language (for a
        question about a result not yet known: "nobody knows yet"; ``show``: a question
        about the show, "not in tonight's notes"). ``question``: what was asked."""
        if show and not asks_prediction(question):
            return self.show_unsure(viewer, index, language)
        if asks_prediction(question) or about_host(question):  # "I only know our show" is no answer about itself
            key = "predict" if asks_prediction(question) else "ponder"
            text = fill(line(key, language if language in LINES else "en", viewer="{viewer}"), viewer)
        else:
            return self._own_line(self.persona.unsure, "unsure", viewer, "unsure", index, ["shrug"], language)
        item = self.sentence(text, "unsure", index, Emotion.CALM, ["shrug"], 0.4)
        item.language = language if language in LINES else "en"
        return item

    def name_answer(self, viewer: str | None, record: ViewerRecord, text: str,
                    language: str = "en") -> ReplySentence:
        """"What's my name?": from memory (or this very message), never invented."""
        given = extract_name(text) or record.preferences.get("name")
        known, unknown = _NAME_LINES.get(language, _NAME_LINES["en"])
        if given:
            said = known.format(name=given)
        elif viewer:
            said = unknown.format(viewer=viewer)
        else:
            said = "You haven't told me your name yet. What is it?"
        item = self.sentence(said, "template", 0, Emotion.HAPPY, ["point"], 0.6)
        item.language = language if language in _NAME_LINES else "en"
        return item

    def template(self, intent: str, text: str, viewer: str | None, returning: bool,
                 language: str = "en") -> ReplySentence:
        """The line for a greeting, thanks, goodbye or an emoji-only message."""
        p = self.persona
        local = OPENERS.get(language, {})
        if language != "en" and local and intent in ("greeting", "thanks", "bye"):
            kind = {"greeting": "chat", "thanks": "praise", "bye": "chat"}[intent]
            item = self.sentence(fill(pick(local[kind], self.rng), viewer), "template", 0,
                                 Emotion.HAPPY, ["bow" if intent == "thanks" else "wave"], 0.6)
            item.language = language
            return item
        if intent == "greeting":
            options = p.returning_greetings if returning else p.greetings
            return self.sentence(fill(pick(options, self.rng), viewer), "template", 0,
                                 Emotion.HAPPY, ["wave"], 0.7)
        if intent == "thanks":
            return self.sentence(fill(pick(p.thanks, self.rng), viewer), "template", 0,
                                 Emotion.HAPPY, ["bow"], 0.7)
        if intent == "bye":
            said = f"Bye {viewer}, see you next time!" if viewer else "Bye, see you next time!"
            return self.sentence(said, "template", 0, Emotion.HAPPY, ["wave"], 0.6)
        emotion, intensity = classify_emotion(text)  # emoji-only: mirror the feeling
        lines = {
            Emotion.SAD: "Aww, sending you a big hug!",
            Emotion.ANGRY: "Oh no, let's turn that frown around!",
            Emotion.SURPRISED: "I know, right? Wow!",
        }
        said = lines.get(emotion, "Love the energy in the chat!")
        if viewer:
            said = f"{said[:-1]}, {viewer}{said[-1]}"
        return self.sentence(said, "template", 0, emotion if emotion != Emotion.NEUTRAL else Emotion.HAPPY,
                             ["heart"], max(intensity, 0.5))


@cache
def _written_in(template: str) -> str:
    """The language a persona line is written in ("en" when not recognised)."""
    return detect_language(template.replace("{viewer}", "")) or "en"
