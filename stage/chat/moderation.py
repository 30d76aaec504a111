"""Chat moderation: the dialogue package's Moderator when present, rules otherwise.

Both give the engine's one verdict type, :class:`dialogue.moderation.ModerationResult`
(``allowed``, ``reason``, ``cleaned``, ``action``). :class:`RuleModerator` is a real, small rule set for when no dialogue
moderator is configured: control characters and markup stripped, blocked words, links,
shouting and character floods refused.
"""

from __future__ import annotations

import inspect
import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Protocol

from dialogue.moderation import ModerationResult

log = logging.getLogger(__name__)

DEFAULT_BLOCKED = ("fuck", "shit", "cunt", "nigger", "faggot", "retard", "kill yourself",
                   "kys")
_LINK = re.compile(r"(https?://|www\.)\S+|\b\S+\.(com|net|org|io|ru|xyz|gg)\b", re.I)
_REPEAT = re.compile(r"(.)\1{9,}")
_TAG = re.compile(r"<[^>]{0,200}>")


class ChatModerator(Protocol):
    def check_input(self, text: str, viewer: str) -> Any:
        """Return a ModerationResult-like object (may be awaitable)."""
        ...


class RuleModerator:
    """Word, link and flood rules. ``blocked`` words match whole words, case-insensitive.

    Markup is not an offence: tags are removed from what the character reads out, while
    the raw text still reaches the viewer page (inserted as text, never as HTML).
    """

    def __init__(self, blocked: Iterable[str] = DEFAULT_BLOCKED, *,
                 allow_links: bool = False, max_caps_ratio: float = 0.8) -> None:
        words = [re.escape(w.strip().lower()) for w in blocked if w.strip()]
        self._blocked = re.compile(r"\b(" + "|".join(words) + r")\b", re.I) if words else None
        self.allow_links = allow_links
        self.max_caps_ratio = max_caps_ratio

    def check_input(self, text: str, viewer: str) -> ModerationResult:
        cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", text)
                          if unicodedata.category(ch)[0] != "C" or ch == " ")
        cleaned = _TAG.sub(" ", cleaned)
        cleaned = re.sub(r"\s+", " ", cleaned).strip()
        if not cleaned:
            return ModerationResult(False, "empty after cleaning", "", "drop")
        if self._blocked is not None and self._blocked.search(cleaned):
            return ModerationResult(False, "blocked word", "", "deflect")
        if not self.allow_links and _LINK.search(cleaned):
            return ModerationResult(False, "links are not allowed", "", "drop")
        if _REPEAT.search(cleaned):
            return ModerationResult(False, "character flood", "", "drop")
        letters = [c for c in cleaned if c.isalpha()]
        if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > \
                self.max_caps_ratio:
            return ModerationResult(False, "shouting", "", "drop")
        return ModerationResult(True, None, cleaned)


async def moderate(moderator: ChatModerator, text: str, viewer: str) -> ModerationResult:
    """Run any moderator (sync, async, or a dialogue Moderator) and normalize its answer."""
    # Moderators are rule sets (microseconds): called inline, no thread hop. One that
    # needs a model must be async.
    result = moderator.check_input(text, viewer)
    if inspect.isawaitable(result):
        result = await result
    if isinstance(result, ModerationResult):
        if result.allowed and not result.cleaned:
            result.cleaned = text
        return result
    allowed = bool(getattr(result, "allowed", False))
    cleaned = getattr(result, "cleaned", None) or (text if allowed else "")
    action = str(getattr(result, "action", "") or ("pass" if allowed else "deflect"))
    return ModerationResult(allowed, str(getattr(result, "reason", "") or "") or None,
                            str(cleaned), action)


def default_moderator() -> ChatModerator:
    """The dialogue package's Moderator when it is installed, else :class:`RuleModerator`."""
    try:
        from dialogue.moderation import Moderator
    except ImportError:
        log.info("dialogue.Moderator not available; using RuleModerator")
        return RuleModerator()
    try:
        return Moderator()  # type: ignore[no-any-return]
    except Exception as exc:  # noqa: BLE001 - fall back, but say why
        log.warning("dialogue.Moderator() failed (%s); using RuleModerator", exc)
        return RuleModerator()
