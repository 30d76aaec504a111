"""Viewer chat: intake queue, moderation, in-character answers, platform bridges."""

from .irc import IRCBridge, IRCConfig
from .message import ChatDecision, ChatMessage, clean_viewer_name
from .moderation import ModerationResult, RuleModerator, default_moderator, moderate
from .queue import ChatPolicy, ChatQueue
from .responder import ChatAnswer, ChatResponder, address_by_name

__all__ = ["ChatAnswer", "ChatDecision", "ChatMessage", "ChatPolicy", "ChatQueue",
           "ChatResponder", "IRCBridge", "IRCConfig", "ModerationResult", "RuleModerator",
           "address_by_name", "clean_viewer_name", "default_moderator", "moderate"]
