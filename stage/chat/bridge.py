"""The one shape of a platform chat bridge (Twitch/IRC today; YouTube or Bilibili the same
way): it reads a channel into a sink and posts the character's replies back.

A bridge runs once per show, started by whoever holds the show: the single server, or in
scale-out the worker that holds it (never each API replica, which would relay the same
channel several times).
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class ChatBridge(Protocol):
    """A running connection to one platform channel."""

    #: set while the bridge is connected and may post
    joined: asyncio.Event

    async def run(self) -> None:
        """Relay the channel into the sink until :meth:`stop`; reconnect after failures."""
        ...

    async def send(self, text: str) -> None:
        """Post one line of the character's reply to the channel."""
        ...

    async def stop(self) -> None:
        """Leave the channel; :meth:`run` returns."""
        ...
