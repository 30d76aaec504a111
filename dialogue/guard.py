"""Keeping a small model's replies short and on-topic, and answering the easy ones by template.

:class:`ReplyGuard` filters streamed sentences (length caps, stop rules, repetition);
:func:`detect_intent` spots greetings, thanks, goodbyes and emoji-only messages, which get
persona templates instead of a model call (instant, and never off-topic).
"""

from __future__ import annotations

import re
import unicodedata

from .bm25 import tokenize
from .evaluation import unknown_names

GREETINGS = (
    "hi hello hey heya hiya yo howdy hola buenas bonjour salut hallo servus moin ciao salve "
    "olá ola hej hei privet привет здравствуйте こんにちは こんばんは 你好 您好 안녕하세요 안녕 "
    "namaste merhaba"
).split()
GREETING_PHRASES = ("good morning", "good evening", "good afternoon", "what's up", "whats up",
                    "buenos dias", "buenos días", "guten tag", "bom dia", "buongiorno")
THANKS = ("thanks", "thank you", "thx", "ty", "gracias", "merci", "danke", "obrigado", "obrigada",
          "grazie", "спасибо", "ありがとう", "谢谢", "감사합니다", "tack", "takk", "kiitos")
BYES = ("bye", "goodbye", "see you", "see ya", "good night", "gn", "adios", "adiós", "ciao",
        "au revoir", "tschüss", "tschuss", "bis bald", "cya")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_FILLER = re.compile(r"[\s,.!?~:;)(\-]+")
ROLE_MARKER = re.compile(r"(?:^|\s)(?:user|assistant|viewer|system|human|ai)\s*:", re.I)
_AI_TALK = re.compile(r"\bas an ai\b|\blanguage model\b|\bi am an ai\b|\bi'm an ai\b|smollm|hugging ?face", re.I)
_URL = re.compile(r"https?://|www\.", re.I)
_JUNK = re.compile(r"[\[\]{}<>|\\]|\w_\w|\d{6,}")  # template debris, token soup


def _is_emoji_only(text: str) -> bool:
    chars = [ch for ch in text if not ch.isspace()]
    return bool(chars) and all(
        unicodedata.category(ch) in ("So", "Sk", "Mn", "Cf") or ch in "\u200d\ufe0f!?.<3" for ch in chars
    ) and any(unicodedata.category(ch) == "So" for ch in chars)


def detect_intent(message: str, persona_name: str = "") -> str | None:
    """``greeting`` | ``thanks`` | ``bye`` | ``emoji`` when the message is only that, else None."""
    text = message.strip().lower()
    if not text:
        return None
    if _is_emoji_only(text):
        return "emoji"
    if persona_name:
        text = re.sub(rf"\b{re.escape(persona_name.lower())}\b", " ", text)
    text = re.sub(r"\b(everyone|everybody|all|guys|folks|chat|there|so much|very much|again)\b", " ", text)
    rest = _FILLER.sub(" ", text).strip()
    for kind, words in (("thanks", THANKS), ("bye", BYES), ("greeting", GREETINGS + list(GREETING_PHRASES))):
        for word in sorted(words, key=len, reverse=True):
            if rest == word:
                return kind
            extra = rest[len(word):].split()
            # "hi vivi", "hola chicos": one short word more; never a question after it.
            if (rest.startswith(word + " ") and len(extra) == 1 and not re.search(r"[?？]", text)
                    and len(extra[0]) <= (2 if _CJK.search(extra[0]) else 12)):
                return kind
    return None


class ReplyGuard:
    """Accept or reject streamed sentences: at most ``max_sentences`` / ``max_chars``.

    A sentence is rejected when it repeats an earlier one, repeats itself, leaks a role
    marker ("User:"), talks about being an AI model, or carries a URL; a role marker also
    ends the reply (the model started writing the viewer's turn).
    """

    def __init__(self, max_sentences: int = 3, max_chars: int = 300, max_words: int = 40) -> None:
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self.max_words = max_words
        self.accepted: list[str] = []
        self.done = False
        self.rejected: list[tuple[str, str]] = []
        self._said: list[set[str]] = []

    def avoid(self, sentence: str) -> None:
        """Something already said for this reply (an opener): the model must not echo it.

        A later sentence is rejected when it overlaps it like a repeat, or when it is a
        short exclamation mostly made of its words ("Great question!" after "Ooh, great
        question, Sam!").
        """
        toks = set(tokenize(sentence, keep_stopwords=True))
        if toks:
            self._said.append(toks)

    @property
    def chars(self) -> int:
        return sum(len(s) + 1 for s in self.accepted)

    def accept(self, sentence: str) -> str | None:
        """The sentence to speak (maybe trimmed), or None to skip it; sets :attr:`done`."""
        if self.done:
            return None
        s = sentence.strip()
        if ROLE_MARKER.search(s):
            self.done = True
            head = ROLE_MARKER.split(s)[0].strip()
            s = head if len(head.split()) >= 3 else ""
            if not s:
                return self._reject(sentence, "role-marker")
        for reason, bad in (("ai-talk", _AI_TALK), ("url", _URL), ("junk", _JUNK)):
            if bad.search(s):
                return self._reject(s, reason)
        words = s.split()
        if len(words) > self.max_words:
            s = " ".join(words[: self.max_words]).rstrip(",;:") + "."
        if len(words) < 1 or not any(ch.isalnum() for ch in s):
            return self._reject(s, "empty")
        if _self_repeating(s):
            return self._reject(s, "self-repetition")
        toks = set(tokenize(s, keep_stopwords=True))
        for said in self._said:
            shared = len(toks & said)
            if toks and (shared / len(toks | said) > 0.6 or len(toks) <= 4 and shared / len(toks) >= 0.6):
                return self._reject(s, "repeats-opener")
        for prev in self.accepted:
            other = set(tokenize(prev, keep_stopwords=True))
            if toks and len(toks & other) / len(toks | other) > 0.6:
                return self._reject(s, "repeats-earlier")
        if self.accepted and self.chars + len(s) > self.max_chars:
            self.done = True
            return self._reject(s, "length-cap")
        self.accepted.append(s)
        if len(self.accepted) >= self.max_sentences:
            self.done = True
        return s

    def _reject(self, sentence: str, reason: str) -> str | None:
        self.rejected.append((sentence, reason))
        return None


def _self_repeating(sentence: str) -> bool:
    """Same 3-word sequence three times, or one word making up half a long sentence."""
    words = re.findall(r"\w+", sentence.lower())
    grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    if grams and max(grams.count(g) for g in set(grams)) >= 3:
        return True
    return len(words) >= 8 and max(words.count(w) for w in set(words)) / len(words) > 0.4


_NUMBER = re.compile(r"(?<![\w.])\d[\d:.,]*\d|(?<![\w.])\d(?![\w.])")
_FULL_NAME = re.compile(r"\b([A-Z][a-zà-ÿ]+(?:[ -](?:de |van |von |la )?[A-Z][a-zà-ÿ]+)+)\b")


def _number_key(token: str) -> str:
    return token.strip(".,:").replace(",", "")


class FactGuard:
    """Keeps a small model from stating facts it was never given.

    A sentence is refused when it states a number, time or date, a full name ("Elena
    Vasquez", "Los Angeles") or a single name inside a sentence or as the subject of a
    person's verb ("Mika might be looking for..."), that appears in none of the ``known``
    texts (persona, knowledge base, show notes) nor in this conversation (:meth:`with_context`).
    Single digits pass ("one or two").
    """

    def __init__(self, known: list[str] | tuple[str, ...] = ()) -> None:
        self._numbers: set[str] = set()
        self._words: set[str] = set()
        self.add(known)

    def add(self, texts: list[str] | tuple[str, ...]) -> None:
        for text in texts:
            self._numbers |= {_number_key(n) for n in _NUMBER.findall(text)}
            self._words |= {w.lower() for w in re.findall(r"[^\W\d_]+", text)}

    @property
    def words(self) -> frozenset[str]:
        """Every word (lower case) of the known texts and the conversation."""
        return frozenset(self._words)

    def with_context(self, texts: list[str]) -> FactGuard:
        """A copy that also knows ``texts`` (the message, earlier turns)."""
        other = FactGuard()
        other._numbers, other._words = set(self._numbers), set(self._words)
        other.add(texts)
        return other

    def invented(self, sentence: str) -> str | None:
        """The first unknown fact in ``sentence`` (None: nothing invented)."""
        for token in _NUMBER.findall(sentence):
            key = _number_key(token)
            if len(key) > 1 and key not in self._numbers:
                return key
        for match in _FULL_NAME.finditer(sentence):
            parts = [p.lower() for p in re.split(r"[ -]", match.group(1)) if p]
            if sum(p not in self._words for p in parts) >= 2:
                return match.group(1)
        names = unknown_names(sentence, self._words)  # "Mika might be looking for..."
        return names[0] if names else None
