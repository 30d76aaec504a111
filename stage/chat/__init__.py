"""Viewer chat: intake queue, in-character answers, platform bridges (moderation and the
flood limits are :mod:`vhuman.dialogue.moderation`)."""

from .irc import IRCBridge, IRCConfig
from .message import ChatDecision, ChatMessage, clean_viewer_name
from .queue import ChatPolicy, ChatQueue
from .responder import ChatAnswer, ChatResponder, address_by_name

__all__ = ["ChatAnswer", "ChatDecision", "ChatMessage", "ChatPolicy", "ChatQueue",
           "ChatResponder", "IRCBridge", "IRCConfig", "address_by_name", "clean_viewer_name"]
