"""Platform chat bridges for a show (:class:`~vhuman.stage.chat.bridge.ChatBridge`),
started by whoever holds it: ``create_app`` for a single server's default show, the
worker holding it in scale-out."""

from __future__ import annotations

import asyncio

from ..aio import spawn
from ..chat.irc import IRCBridge, IRCConfig
from ..chat.message import ChatMessage
from .state import AppState, ShowSession


def start_irc_bridge(state: AppState, session: ShowSession) -> asyncio.Task[None]:
    """Relay a Twitch/IRC channel into ``session``'s chat; answers go back to the channel
    (one line per sentence) when ``irc_reply`` is on."""
    s = state.settings
    config = IRCConfig(s.irc_host, s.irc_port, s.irc_channel or "", nick=s.irc_nick,
                       password=s.irc_password, tls=s.irc_tls)

    async def sink(message: ChatMessage) -> None:
        await state.submit_chat(session, message)

    bridge = IRCBridge(config, sink)
    state.bridges[session.id] = bridge
    if s.irc_reply:
        def reply(message: ChatMessage, text: str) -> None:
            if message.source == config.source and bridge.joined.is_set():
                spawn(bridge.send(text), name=f"irc-reply:{session.id}")
        state.sentence_listeners.append(reply)
    return asyncio.create_task(bridge.run(), name=f"irc:{session.id}")
