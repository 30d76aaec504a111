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

from vhuman.dialogue.moderation import ModerationResult

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


_SEPARATED = re.compile(r"\b(\w)[\s._\-*]+(?=\w\b)")
_FOLD = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l", "€": "e"})


def fold(text: str) -> str:
    """What an obfuscated word spells: accents dropped (``fück`` -> ``fuck``), look-alike
    digits and signs made letters (``b!tch``), letters split by single separators joined
    (``f u c k``), case folded."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(ch))
    plain = plain.lower().translate(_FOLD)
    return _SEPARATED.sub(r"\1", plain)


class ChatInputGuard:
    """Chat intake rules on top of any moderator: obfuscated blocked words and links.

    The wrapped moderator (the dialogue ``Moderator`` by default) judges first and its
    cleaned text is what is used and echoed; then the text is folded (:func:`fold`) and
    checked against the blocklist, and a link (even one) is refused unless
    ``allow_links``: viewers' links are the commonest spam in live chat.
    """

    def __init__(self, inner: ChatModerator | None, *, blocked: Iterable[str] | None = None,
                 allow_links: bool = False) -> None:
        self.inner = inner
        words = blocked if blocked is not None else getattr(inner, "blocklist", DEFAULT_BLOCKED)
        self.blocked = {w.lower() for w in words if w and " " not in w}
        self.allow_links = allow_links

    async def check_input(self, text: str, viewer: str) -> ModerationResult:
        verdict = (await moderate(self.inner, text, viewer) if self.inner is not None
                   else ModerationResult(True, "", text))
        if not verdict.allowed:
            return verdict
        cleaned = verdict.cleaned or text
        if not self.allow_links and _LINK.search(cleaned):
            return ModerationResult(False, "spam:link", "")
        folded = fold(cleaned)
        for word in re.findall(r"[a-z]+", folded):
            if word in self.blocked or word.rstrip("s") in self.blocked:
                return ModerationResult(False, f"blocklist:{word}", "")
        return ModerationResult(True, "", cleaned)


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


def scrub_private(text: str) -> str:
    """``text`` with card numbers, phone numbers and e-mail addresses replaced (what the
    chat log keeps: the same scrubbing the moderator applies before the model)."""
    try:
        from vhuman.dialogue.moderation import scrub_pii
    except ImportError:  # the dialogue package is optional for the stage
        return text
    return scrub_pii(text)[0]


def default_moderator() -> ChatModerator:
    """The dialogue package's Moderator when it is installed, else :class:`RuleModerator`,
    behind the :class:`ChatInputGuard` (obfuscated words, links)."""
    try:
        from vhuman.dialogue.moderation import Moderator
    except ImportError:
        log.info("dialogue.Moderator not available; using RuleModerator")
        return ChatInputGuard(RuleModerator())
    try:
        return ChatInputGuard(Moderator())
    except Exception as exc:  # noqa: BLE001 - fall back, but say why
        log.warning("dialogue.Moderator() failed (%s); using RuleModerator", exc)
        return ChatInputGuard(RuleModerator())
