"""The listen room: speech in from files, devices and browsers, into the show."""

from .echo import EchoSuppressor
from .listener import HeardTurn, Listener, ListenEvent

__all__ = ["EchoSuppressor", "HeardTurn", "ListenEvent", "Listener"]
