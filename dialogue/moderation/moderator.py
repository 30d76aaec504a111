"""The moderator: one verdict on viewer input and on the character's output.

Input: binary/empty rejection, length cap, PII scrubbing, links, a
multilingual blocklist (also when disguised), insults aimed at the character,
prompt-injection and jailbreak role-play, echo bait, defamation bait, spam and flood per
viewer. Output (before anything is spoken): blocklist, PII, system-prompt leaks, read-out
instructions, persona breaks and asserted accusations. Refusals say whether to
``deflect`` (answer in character) or ``drop`` (stay silent).
"""

from __future__ import annotations

import inspect
import logging
import re
import time
import unicodedata
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from .limits import RateLimiter, RecentTexts, dedup_key
from .rules import (
    BLOCKLIST,
    DEFAMATION_PATTERNS,
    ECHO_PATTERNS,
    INJECTION_PATTERNS,
    JAILBREAK_PATTERNS,
    OUTPUT_ACCUSATION,
    PERSONA_BREAK,
    blocked_word,
    insults,
    shingles,
)
from .text import LINK, looks_binary, normalize_text, scrub_pii

log = logging.getLogger(__name__)

_RUN = re.compile(r"([^\s\d])\1{11,}")


@dataclass
class ModerationResult:
    """The verdict on one message: ``cleaned`` is what may be used (PII scrubbed, capped).

    ``reason`` names the rule (``blocklist:<word>``, ``jailbreak``, ``echo-bait``,
    ``defamation-bait``, ``insult``, ``spam:link``, ``output-accusation``...); ``action``
    is ``pass``, ``deflect`` (answer in character) or ``drop`` (stay silent). The chat
    queue, the brain and the OpenAI-compatible endpoint all use this one type.
    """

    allowed: bool
    reason: str | None = None
    cleaned: str = ""
    action: str = "pass"  # pass | deflect | drop
    flags: list[str] = field(default_factory=list)  # non-blocking notes (pii:email, truncated)

    @property
    def category(self) -> str:
        """The rule family without its detail: ``blocklist:fuck`` -> ``blocklist``."""
        return (self.reason or "").split(":", 1)[0]


class Moderator:
    """Checks messages in and out. ``clock`` is injectable for flood tests.

    ``max_chars``: longer input is cut (flag ``truncated``). ``flood_limit`` messages per
    ``flood_window`` seconds per viewer (a token bucket); the same text ``repeat_limit``
    times within the window = spam. ``allow_links``: False refuses any link (viewer chat:
    links are its commonest spam); True refuses only several in one message.
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
        *,
        allow_links: bool = True,
    ) -> None:
        self.blocklist = set(BLOCKLIST) | {w.lower() for w in extra_blocklist}
        self.max_chars, self.allow_links, self.clock = max_chars, allow_links, clock
        self.flood_limit, self.flood_window = flood_limit, flood_window
        self.repeat_limit = repeat_limit
        self._flood = RateLimiter(flood_limit, flood_limit / flood_window)
        self._repeats = RecentTexts(flood_window)
        self._protected_shingles = {s for p in protected for s in shingles(p, 6)}
        self.events: deque[tuple[float, str | None, str, str]] = deque(maxlen=1000)

    def protect(self, text: str) -> None:
        """Add a text (e.g. the system prompt) that output must never reproduce."""
        self._protected_shingles |= shingles(text, 6)

    def _record(self, viewer: str | None, reason: str, text: str) -> None:
        self.events.append((time.time(), viewer, reason, text[:200]))
        log.info("moderation: viewer=%r reason=%s", viewer, reason)

    def _refuse(self, viewer: str | None, reason: str, action: str, cleaned: str = "") -> ModerationResult:
        self._record(viewer, reason, cleaned)
        return ModerationResult(False, reason, cleaned, action)

    def check_input(self, text: str | bytes | None, viewer: str | None = None, *,
                    counted: bool = True) -> ModerationResult:
        """Judge one viewer message (never raises on bad input: refuses with a reason).
        ``counted=False``: the content rules only — the message neither counts towards nor
        is refused by the flood and repeat limits (a person's words so far, re-recognised
        every half second while they speak, are one message when they finish)."""
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
        scrubbed, pii = scrub_pii(cleaned)  # an e-mail address is not a link
        spam = self._spam_reason(cleaned, scrubbed, viewer, counted)
        if spam:
            return self._refuse(viewer, spam, "drop", cleaned)
        word = blocked_word(cleaned, self.blocklist)
        if word:
            return self._refuse(viewer, f"blocklist:{word}", "deflect", cleaned)
        for pattern in INJECTION_PATTERNS:
            if pattern.search(cleaned):
                return self._refuse(viewer, "prompt-injection", "deflect", cleaned)
        for reason, patterns in (("jailbreak", JAILBREAK_PATTERNS), ("echo-bait", ECHO_PATTERNS),
                                 ("defamation-bait", DEFAMATION_PATTERNS)):
            if any(p.search(cleaned) for p in patterns):
                return self._refuse(viewer, reason, "deflect", cleaned)
        if insults(cleaned):
            return self._refuse(viewer, "insult", "deflect", cleaned)
        if pii:
            self._record(viewer, ",".join(pii), scrubbed)
        return ModerationResult(True, None, scrubbed, "pass", flags + pii)

    def _spam_reason(self, text: str, scrubbed: str, viewer: str | None,
                     counted: bool = True) -> str | None:
        links = len(LINK.findall(scrubbed))
        if links >= 2:
            return "spam:links"
        if links and not self.allow_links:
            return "spam:link"
        letters = [ch for ch in text.lower() if ch.isalpha()]
        if _RUN.search(text) or (
            len(letters) >= 12 and max(letters.count(c) for c in set(letters)) / len(letters) > 0.6
        ):
            return "spam:repeated-characters"
        if not counted:
            return None
        now = self.clock()
        who = viewer or ""
        repeats = self._repeats.note(f"{who}\x00{dedup_key(text) or text.lower()}", now)
        if not self._flood.allow(who, now):
            return "flood"
        if repeats >= self.repeat_limit:
            return "spam:repeated-message"
        return None

    def check_output(self, text: str) -> ModerationResult:
        """Judge a reply before it is spoken: blocklist, insults, PII, leaks of protected
        text, read-out instructions, persona breaks and asserted accusations."""
        cleaned = normalize_text(text or "")
        word = blocked_word(cleaned, self.blocklist)
        if word:
            return self._refuse(None, f"output-blocklist:{word}", "deflect", cleaned)
        if self._protected_shingles and shingles(cleaned, 6) & self._protected_shingles:
            return self._refuse(None, "output-leak:system-prompt", "deflect", cleaned)
        if PERSONA_BREAK.search(cleaned):
            return self._refuse(None, "output-persona-break", "deflect", cleaned)
        if OUTPUT_ACCUSATION.search(cleaned):
            return self._refuse(None, "output-accusation", "deflect", cleaned)
        if insults(cleaned):
            return self._refuse(None, "output-insult", "deflect", cleaned)
        cleaned, pii = scrub_pii(cleaned)
        return ModerationResult(True, None, cleaned, "pass", pii)


class ChatModerator(Protocol):
    """Anything that judges a viewer message: the :class:`Moderator`, or an async one
    (a moderator that needs a model must not block the event loop)."""

    def check_input(self, text: str, viewer: str) -> ModerationResult | Awaitable[ModerationResult]:
        ...


async def moderate(moderator: ChatModerator, text: str, viewer: str, *,
                   counted: bool = True) -> ModerationResult:
    """Run a sync or async moderator; an allowed verdict without cleaned text keeps ``text``.
    ``counted=False``: outside the flood and repeat limits where the moderator has them
    (:meth:`Moderator.check_input`)."""
    # Rule sets take microseconds: called inline, no thread hop.
    result = moderator.check_input(text, viewer) if counted or not isinstance(
        moderator, Moderator) else moderator.check_input(text, viewer, counted=False)
    verdict = await result if inspect.isawaitable(result) else result
    if verdict.allowed and not verdict.cleaned:
        verdict.cleaned = text
    return verdict


def default_moderator() -> Moderator:
    """The moderator of viewer chat (queue, Redis intake, heard guests): every rule, and
    no links at all."""
    return Moderator(allow_links=False)
