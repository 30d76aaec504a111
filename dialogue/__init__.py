"""What the character says: persona, LLM replies, grounded Q&A, memory, moderation."""

from .brain import Brain
from .guard import ReplyGuard, detect_intent
from .knowledge import KnowledgeBase, Passage, UpdateReport
from .memory import Memory, ViewerRecord
from .moderation import ModerationResult, Moderator
from .persona import DEFAULT_PERSONA, Persona, load_persona, persona_from_dict
from .qa import Answer, QAEngine
from .reply import (
    DanceCue,
    PerformCue,
    Reply,
    ReplyContext,
    ReplySentence,
    ReplyStream,
    SingCue,
)
from .tags import parse_tags

__all__ = [
    "DEFAULT_PERSONA", "Answer", "Brain", "DanceCue", "PerformCue", "SingCue", "ReplyStream", "KnowledgeBase", "Memory", "ModerationResult",
    "Moderator", "Passage", "Persona", "QAEngine", "Reply", "ReplyContext", "ReplyGuard",
    "ReplySentence",
    "UpdateReport", "ViewerRecord", "detect_intent", "load_persona", "parse_tags",
    "persona_from_dict",
]
