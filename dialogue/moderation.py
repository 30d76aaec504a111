"""Moderation of viewer input and of the character's output, with the reason recorded.

Input: binary/empty rejection, length cap, PII scrubbing, a multilingual blocklist,
prompt-injection patterns (attempts to change the persona or reveal the system prompt),
spam and flood detection per viewer. Output: blocklist, PII, system-prompt leaks.
Refusals say whether to ``deflect`` (answer in character) or ``drop`` (stay silent).
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# Profanity/abuse in several languages (kept mild and short on purpose; extend via config).
BLOCKLIST: frozenset[str] = frozenset(
    """
    fuck fucking fucker shit bitch bastard asshole cunt dick motherfucker retard whore slut
    nigger faggot kys
    puta puto mierda cabron cabrón gilipollas pendejo joder coño
    merde putain connard salope enculé encule
    scheiße scheisse arschloch fotze hurensohn wichser
    caralho porra merda filho-da-puta
    cazzo stronzo vaffanculo
    блять сука хуй пизда
    """.split()
)
BLOCKLIST_CJK: frozenset[str] = frozenset(["傻逼", "他妈的", "操你", "死ね", "クソ", "씨발", "병신"])

INJECTION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompt|persona|above|previous)",
        r"\b(system|hidden|initial|secret)\s+(prompt|instructions?|message|rules)",
        r"\b(reveal|show|print|repeat|tell me|leak|output)\b.{0,30}\b(prompt|instructions?|rules|configuration)",
        r"\byou are (now|no longer)\b",
        r"\b(pretend|act|behave|roleplay)\s+(to be|as|like)\b",
        r"\bfrom now on\b.{0,40}\b(you|your)\b",
        r"\b(new|change your|switch)\s+(persona|personality|identity|role)",
        r"\b(developer|god|dan|jailbreak)\s*mode\b|\bjailbreak\b",
        r"<\|?(im_start|im_end|system|endoftext)\|?>|\[/?(inst|sys)\]|###\s*(instruction|system)",
        r"\bignora\b.{0,30}\binstrucciones\b|\boublie\b.{0,30}\binstructions\b",
        r"\bignorier\w*\b.{0,30}\banweisungen\b|忽略.{0,10}(指令|提示)|無視.{0,10}(指示|命令)",
    )
)

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{7,}\d(?![\w.])")
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s", "7": "t"})
_WORDS = re.compile(r"[\w'*-]+", re.UNICODE)
_RUN = re.compile(r"([^\s\d])\1{11,}")
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass
class ModerationResult:
    """The verdict on one message: ``cleaned`` is what may be used (PII scrubbed, capped)."""

    allowed: bool
    reason: str | None = None
    cleaned: str = ""
    action: str = "pass"  # pass | deflect | drop
    flags: list[str] = field(default_factory=list)  # non-blocking notes (pii:email, truncated)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def scrub_pii(text: str) -> tuple[str, list[str]]:
    """Replace e-mail addresses, card numbers and phone numbers; return text and flags."""
    flags: list[str] = []

    def card(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            flags.append("pii:card")
            return "[card]"
        return m.group(0)

    def phone(m: re.Match[str]) -> str:
        if len(re.sub(r"\D", "", m.group(0))) < 9:
            return m.group(0)  # "2026-02-14" or a score is not a phone number
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", m.group(0).strip()):
            return m.group(0)
        flags.append("pii:phone")
        return "[phone]"

    out, n = _EMAIL.subn("[email]", text)
    flags += ["pii:email"] * bool(n)
    out = _CARD.sub(card, out)
    out = _PHONE.sub(phone, out)
    return out, sorted(set(flags))


def normalize_text(text: str) -> str:
    """NFKC, control characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"\s+", " ", text).strip()


def looks_binary(raw: str | bytes) -> bool:
    """True for data that is not human text (NULs, many control or undecodable chars)."""
    if isinstance(raw, bytes):
        if b"\x00" in raw:
            return True
        raw = raw.decode("utf-8", "replace")
    if not raw:
        return False
    bad = sum(1 for ch in raw if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"))
    return "\x00" in raw or bad / len(raw) > 0.1


class Moderator:
    """Checks messages in and out. ``clock`` is injectable for flood tests.

    ``max_chars``: longer input is cut (flag ``truncated``). ``flood_limit`` messages per
    ``flood_window`` seconds per viewer; the same text ``repeat_limit`` times = spam.
    ``protected`` texts (the system prompt) must never be echoed in output.
    """

    def __init__(
        self,
        extra_blocklist: Iterable[str] = (),
        max_chars: int = 500,
        flood_limit: int = 6,
        flood_window: float = 10.0,
        repeat_limit: int = 3,
        protected: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.blocklist = set(BLOCKLIST) | {w.lower() for w in extra_blocklist}
        self.max_chars = max_chars
        self.flood_limit = flood_limit
        self.flood_window = flood_window
        self.repeat_limit = repeat_limit
        self.clock = clock
        self._recent: dict[str, deque[tuple[float, str]]] = {}
        self._protected_shingles = {s for p in protected for s in _shingles(p, 6)}
        self.events: deque[tuple[float, str | None, str, str]] = deque(maxlen=1000)

    def protect(self, text: str) -> None:
        """Add a text (e.g. the system prompt) that output must never reproduce."""
        self._protected_shingles |= _shingles(text, 6)

    def _blocked_word(self, text: str) -> str | None:
        low = text.lower()
        for word in _WORDS.findall(low):
            if word in self.blocklist or word.translate(_LEET) in self.blocklist:
                return word
            if "*" in word.strip("*") and len(word) >= 3:  # masked: f*ck, sh*t
                masked = re.compile(re.escape(word).replace(r"\*", "."))
                if any(masked.fullmatch(b) for b in self.blocklist):
                    return word
        if _CJK_CHAR.search(low):
            for word in BLOCKLIST_CJK:
                if word in low:
                    return word
        return None

    def _record(self, viewer: str | None, reason: str, text: str) -> None:
        self.events.append((time.time(), viewer, reason, text[:200]))
        log.info("moderation: viewer=%r reason=%s", viewer, reason)

    def _refuse(self, viewer: str | None, reason: str, action: str, cleaned: str = "") -> ModerationResult:
        self._record(viewer, reason, cleaned)
        return ModerationResult(False, reason, cleaned, action)

    def check_input(self, text: str | bytes | None, viewer: str | None = None) -> ModerationResult:
        """Judge one viewer message (never raises on bad input: refuses with a reason)."""
        if text is None:
            return self._refuse(viewer, "empty", "drop")
        if not isinstance(text, str | bytes):
            return self._refuse(viewer, "not-text", "drop")
        if looks_binary(text):
            return self._refuse(viewer, "binary", "drop")
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        flags: list[str] = []
        if len(raw) > self.max_chars * 4:
            raw = raw[: self.max_chars * 4]  # keep normalizing cheap on 100 kB pastes
        cleaned = normalize_text(raw)
        if len(cleaned) > self.max_chars:
            cut = cleaned.rfind(" ", 0, self.max_chars)
            cleaned = cleaned[: cut if cut > self.max_chars // 2 else self.max_chars]
            flags.append("truncated")
        if not cleaned or not any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in cleaned):
            return self._refuse(viewer, "empty", "drop")
        spam = self._spam_reason(cleaned, viewer)
        if spam:
            return self._refuse(viewer, spam, "drop", cleaned)
        word = self._blocked_word(cleaned)
        if word:
            return self._refuse(viewer, f"blocklist:{word}", "deflect", cleaned)
        for pattern in INJECTION_PATTERNS:
            if pattern.search(cleaned):
                return self._refuse(viewer, "prompt-injection", "deflect", cleaned)
        cleaned, pii = scrub_pii(cleaned)
        flags += pii
        if pii:
            self._record(viewer, ",".join(pii), cleaned)
        return ModerationResult(True, None, cleaned, "pass", flags)

    def _spam_reason(self, text: str, viewer: str | None) -> str | None:
        if len(_URL.findall(text)) >= 2:
            return "spam:links"
        letters = [ch for ch in text.lower() if ch.isalpha()]
        if _RUN.search(text) or (
            len(letters) >= 12 and max(letters.count(c) for c in set(letters)) / len(letters) > 0.6
        ):
            return "spam:repeated-characters"
        now = self.clock()
        recent = self._recent.setdefault(viewer or "", deque())
        while recent and now - recent[0][0] > self.flood_window:
            recent.popleft()
        recent.append((now, text.lower()))
        if len(recent) > self.flood_limit:
            return "flood"
        if sum(1 for _, t in recent if t == text.lower()) >= self.repeat_limit:
            return "spam:repeated-message"
        return None

    def check_output(self, text: str) -> ModerationResult:
        """Judge a reply before it is spoken: blocklist, PII, leaks of protected text."""
        cleaned = normalize_text(text or "")
        word = self._blocked_word(cleaned)
        if word:
            return self._refuse(None, f"output-blocklist:{word}", "deflect", cleaned)
        if self._protected_shingles and _shingles(cleaned, 6) & self._protected_shingles:
            return self._refuse(None, "output-leak:system-prompt", "deflect", cleaned)
        cleaned, pii = scrub_pii(cleaned)
        return ModerationResult(True, None, cleaned, "pass", pii)


def _shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
