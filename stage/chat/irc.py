"""A Twitch-chat bridge over the IRC protocol (plain IRC servers work too).

It joins one channel, turns each ``PRIVMSG`` into a :class:`ChatMessage` (Twitch's
IRCv3 tags give the display name and ``bits`` as the gift value), hands it to a sink
(usually :meth:`ChatQueue.submit`), answers ``PING`` and reconnects with backoff. Other
platform bridges follow the same shape: ``run()`` until ``stop()``, messages into a sink.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from vhuman.models.types import InputError

from .message import ChatMessage, clean_viewer_name

log = logging.getLogger(__name__)

MessageSink = Callable[[ChatMessage], Awaitable[Any]]


@dataclass
class IRCConfig:
    """Where to connect. For Twitch: ``host="irc.chat.twitch.tv", port=6697, tls=True,
    password="oauth:<token>"``, ``nick`` = the bot account, ``channel="#streamer"``."""

    host: str
    port: int
    channel: str
    nick: str = "vhumanbot"
    password: str | None = None
    tls: bool = False
    source: str = "twitch"
    twitch_caps: bool = True
    reconnect_delays: list[float] = field(default_factory=lambda: [1.0, 2.0, 5.0, 10.0, 30.0])

    def __post_init__(self) -> None:
        if not self.channel.startswith("#") or " " in self.channel or len(self.channel) < 2:
            raise InputError(f"irc channel must look like '#name', got {self.channel!r}")
        if not 0 < self.port < 65536:
            raise InputError(f"irc port out of range: {self.port}")


@dataclass
class IRCLine:
    """One parsed IRC line: IRCv3 ``tags``, ``prefix``, ``command``, ``params``."""

    command: str
    params: list[str]
    prefix: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def nick(self) -> str:
        return self.prefix.split("!", 1)[0]


def _unescape_tag(value: str) -> str:
    out, i = [], 0
    table = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append(table.get(value[i + 1], value[i + 1]))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse_line(raw: str) -> IRCLine:
    """Parse one IRC line (RFC 1459 + IRCv3 message tags); raises InputError if empty."""
    line = raw.rstrip("\r\n")
    tags: dict[str, str] = {}
    if line.startswith("@"):
        tag_part, _, line = line[1:].partition(" ")
        for item in tag_part.split(";"):
            key, _, value = item.partition("=")
            tags[key] = _unescape_tag(value)
    prefix = ""
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
    trailing = None
    if " :" in line:
        line, trailing = line.split(" :", 1)
    parts = line.split()
    if not parts:
        raise InputError(f"empty IRC line: {raw!r}")
    params = parts[1:] + ([trailing] if trailing is not None else [])
    return IRCLine(parts[0].upper(), params, prefix, tags)


class IRCBridge:
    """Reads a channel into ``sink``; ``send()`` posts the character's replies back."""

    def __init__(self, config: IRCConfig, sink: MessageSink) -> None:
        self.config = config
        self.sink = sink
        self.joined = asyncio.Event()
        self.received = 0
        self._writer: asyncio.StreamWriter | None = None
        self._stopping = False

    async def run(self) -> None:
        """Connect, join and relay until :meth:`stop`; reconnects after failures."""
        attempt = 0
        while not self._stopping:
            try:
                await self._session()
                attempt = 0
            except (OSError, asyncio.IncompleteReadError, ConnectionError) as exc:
                log.warning("irc %s:%d: %s", self.config.host, self.config.port, exc)
            self.joined.clear()
            if self._stopping:
                break
            delays = self.config.reconnect_delays
            await asyncio.sleep(delays[min(attempt, len(delays) - 1)])
            attempt += 1

    async def stop(self) -> None:
        self._stopping = True
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._send_raw("QUIT :bye")
                self._writer.close()

    async def send(self, text: str) -> None:
        """Post ``text`` to the channel (one line; newlines become spaces)."""
        if self._writer is None or not self.joined.is_set():
            raise ConnectionError("irc bridge is not connected")
        flat = " ".join(text.split())[:400]
        await self._send_raw(f"PRIVMSG {self.config.channel} :{flat}")

    async def _send_raw(self, line: str) -> None:
        assert self._writer is not None
        self._writer.write((line + "\r\n").encode("utf-8"))
        await self._writer.drain()

    async def _session(self) -> None:
        cfg = self.config
        ctx = ssl.create_default_context() if cfg.tls else None
        reader, writer = await asyncio.open_connection(cfg.host, cfg.port, ssl=ctx)
        self._writer = writer
        try:
            if cfg.twitch_caps:
                await self._send_raw("CAP REQ :twitch.tv/tags twitch.tv/commands")
            if cfg.password:
                await self._send_raw(f"PASS {cfg.password}")
            await self._send_raw(f"NICK {cfg.nick}")
            await self._send_raw(f"USER {cfg.nick} 0 * :vhuman bridge")
            while not self._stopping:
                raw = await reader.readline()
                if not raw:
                    raise ConnectionError("server closed the connection")
                try:
                    line = parse_line(raw.decode("utf-8", errors="replace"))
                except InputError:
                    continue
                await self._handle(line)
        finally:
            self._writer = None
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, line: IRCLine) -> None:
        cfg = self.config
        if line.command == "PING":
            await self._send_raw("PONG :" + (line.params[-1] if line.params else ""))
        elif line.command == "CAP" and len(line.params) >= 2 and line.params[1] in ("ACK",
                                                                                    "NAK"):
            await self._send_raw("CAP END")
        elif line.command in ("001", "376", "422"):
            await self._send_raw(f"JOIN {cfg.channel}")
        elif line.command == "JOIN" and line.nick.lower() == cfg.nick.lower():
            log.info("irc joined %s", cfg.channel)
            self.joined.set()
        elif line.command in ("433", "ERROR"):
            raise ConnectionError(f"irc server refused: {' '.join(line.params)}")
        elif line.command == "PRIVMSG" and len(line.params) >= 2:
            await self._relay(line)

    async def _relay(self, line: IRCLine) -> None:
        if line.params[0].lower() != self.config.channel.lower():
            return
        text = line.params[1]
        if text.startswith("\x01"):  # CTCP (ACTION etc.): strip the framing
            text = text.strip("\x01").removeprefix("ACTION ").strip()
        name = line.tags.get("display-name") or line.nick
        viewer = "viewer"
        for candidate in (name, line.nick):
            try:
                viewer = clean_viewer_name(candidate)
                break
            except InputError:
                continue
        try:
            gift = float(line.tags.get("bits", "0") or 0)
        except ValueError:
            gift = 0.0
        self.received += 1
        await self.sink(ChatMessage(viewer=viewer, text=text, source=self.config.source,
                                    gift=gift))
