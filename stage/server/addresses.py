"""Per client address limits: message rates by kind (chat, completions) and open
sockets, whatever names or connections an address uses.

:class:`AddressLimits` keeps them in this process (one server);
:class:`~stage.cluster.addresses.RedisAddressLimits` keeps them in Redis, so every API
replica counts against the same allowance. Both have this async interface.
"""

from __future__ import annotations

from collections import Counter

from vhuman.dialogue.moderation import RateLimiter

from .settings import ServerSettings

KINDS = ("chat", "completions")
"""What is rate-limited per address: chat messages (HTTP, socket, page) and
``/v1/chat/completions`` calls."""


def rates(settings: ServerSettings) -> dict[str, tuple[float, float]]:
    """(burst, per second) for each kind."""
    return {"chat": (settings.http_chat_per_ip_burst, settings.http_chat_per_ip_per_s),
            "completions": (settings.completions_per_ip_burst,
                            settings.completions_per_ip_per_s)}


class AddressLimits:
    """The limits of one server process."""

    shares_connections = False
    """Connections are counted by the server's protocol itself (one process)."""

    def __init__(self, settings: ServerSettings) -> None:
        self.max_sockets = settings.ws_max_per_address
        self._rates = {kind: RateLimiter(burst, per_s)
                       for kind, (burst, per_s) in rates(settings).items()}
        self.sockets: Counter[str] = Counter()

    async def allow(self, kind: str, client: str) -> bool:
        """Take one ``kind`` event from ``client``'s allowance."""
        return self._rates[kind].allow(client)

    async def open_socket(self, client: str) -> str | None:
        """Count a new socket for ``client``: a token for :meth:`close_socket`, or None
        when the address already holds ``ws_max_per_address``."""
        if self.sockets[client] >= self.max_sockets:
            return None
        self.sockets[client] += 1
        return client

    async def close_socket(self, client: str, token: str) -> None:
        self.sockets[client] -= 1
        if self.sockets[client] <= 0:
            del self.sockets[client]

    async def close(self) -> None:
        """Nothing to release in-process."""
