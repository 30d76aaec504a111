"""Moderation of viewer input and of the character's output, with the reason recorded.

One module for the whole engine (the brain, the chat queue, the Redis chat intake, heard
guests): ``text`` is the normaliser (disguised spellings, the link pattern, PII),
``rules`` the blocklists and patterns, ``limits`` the flood and duplicate limits,
``moderator`` the :class:`Moderator` and :class:`ModerationResult`, the engine's one
verdict type.
"""

from .limits import REDIS_TOKEN_BUCKET, RateLimiter, RecentTexts, dedup_key
from .moderator import ChatModerator, ModerationResult, Moderator, default_moderator, moderate
from .rules import (
    BLOCKLIST,
    BLOCKLIST_CJK,
    OUTPUT_ACCUSATION,
    PERSONA_BREAK,
    blocked_word,
    insults,
)
from .text import (
    LINK,
    LOOKALIKES,
    fold,
    looks_binary,
    normalize_text,
    scrub_pii,
    scrub_private,
)

__all__ = ["BLOCKLIST", "BLOCKLIST_CJK", "LINK", "LOOKALIKES", "OUTPUT_ACCUSATION",
           "PERSONA_BREAK", "REDIS_TOKEN_BUCKET", "ChatModerator", "ModerationResult",
           "Moderator", "RateLimiter", "RecentTexts", "blocked_word", "dedup_key",
           "default_moderator", "fold", "insults", "looks_binary", "moderate",
           "normalize_text", "scrub_pii", "scrub_private"]
