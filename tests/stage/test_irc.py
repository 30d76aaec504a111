"""The Twitch/IRC chat bridge against a real IRC server (ngircd) on loopback."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from vhuman.dialogue.moderation import default_moderator
from vhuman.models.types import InputError
from vhuman.stage.chat import ChatPolicy, ChatQueue, IRCBridge, IRCConfig
from vhuman.stage.chat.irc import parse_line

NGIRCD = shutil.which("ngircd") or ("/usr/sbin/ngircd" if Path("/usr/sbin/ngircd").exists()
                                    else None)


def test_parse_twitch_tagged_privmsg() -> None:
    line = parse_line("@badge-info=;bits=100;display-name=Cool\\sGuy;mod=0 "
                      ":coolguy!coolguy@coolguy.tmi.twitch.tv PRIVMSG #nova :Cheer100 hi!\r\n")
    assert line.command == "PRIVMSG" and line.nick == "coolguy"
    assert line.params == ["#nova", "Cheer100 hi!"]
    assert line.tags["bits"] == "100" and line.tags["display-name"] == "Cool Guy"
    assert parse_line("PING :tmi.twitch.tv").params == ["tmi.twitch.tv"]
    with pytest.raises(InputError):
        parse_line("\r\n")
    with pytest.raises(InputError, match="#name"):
        IRCConfig("localhost", 6667, "nova")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ircd(tmp_path: Path):
    if NGIRCD is None:
        pytest.skip("ngircd is not installed (Debian package 'ngircd')")
    port = _free_port()
    conf = tmp_path / "ngircd.conf"
    conf.write_text(f"[Global]\nName = irc.test.local\nInfo = vhuman test\nListen = 127.0.0.1\n"
                    f"Ports = {port}\nMotdPhrase = hello\n[Limits]\nPingTimeout = 120\n"
                    "[Options]\nPAM = no\nIdent = no\nDNS = no\n")
    proc = subprocess.Popen([NGIRCD, "-n", "-f", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail("ngircd exited at start")
        import time
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(5)


class Bot:
    """A plain IRC client standing in for a viewer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, nick: str) -> Bot:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        bot = cls(reader, writer)
        await bot.send(f"NICK {nick}")
        await bot.send(f"USER {nick} 0 * :{nick}")
        await bot.wait_for(" 001 ")
        await bot.send("JOIN #show")
        await bot.wait_for(" 366 ")  # end of NAMES: joined
        return bot

    async def send(self, line: str) -> None:
        self.writer.write((line + "\r\n").encode())
        await self.writer.drain()

    async def wait_for(self, needle: str, timeout: float = 10.0) -> str:
        async def scan() -> str:
            while True:
                raw = (await self.reader.readline()).decode()
                if raw.startswith("PING"):
                    await self.send("PONG " + raw.split(" ", 1)[1].strip())
                if needle in raw:
                    return raw
        return await asyncio.wait_for(scan(), timeout)


def test_bridge_relays_channel_messages_into_the_chat_queue(ircd: int) -> None:
    async def main() -> None:
        queue = ChatQueue(ChatPolicy(), default_moderator())
        bridge = IRCBridge(IRCConfig("127.0.0.1", ircd, "#show", nick="novabot"), queue.submit)
        task = asyncio.create_task(bridge.run())
        await asyncio.wait_for(bridge.joined.wait(), 10)
        bot = await Bot.connect(ircd, "viewer42")
        await bot.send("PRIVMSG #show :Nova, what is your favourite song?")
        await bot.send("PRIVMSG #show :go to www.spam.xyz now")
        await bot.send("PRIVMSG #show :\x01ACTION waves hello\x01")
        msg = await queue.get(10)
        assert msg is not None and msg.viewer == "viewer42" and msg.source == "twitch"
        assert msg.text == "Nova, what is your favourite song?" and msg.is_question
        second = await queue.get(5)
        assert second is not None and second.text == "waves hello"
        assert bridge.received == 3 and queue.counts["dropped_moderated"] == 1
        await bridge.send("Thanks viewer42,\nlove that one!")
        line = await bot.wait_for("PRIVMSG #show")
        assert line.startswith(":novabot!") and line.rstrip().endswith(
            ":Thanks viewer42, love that one!")
        await bridge.stop()
        await asyncio.wait_for(task, 5)
    asyncio.run(main())


def test_bridge_reconnects_after_the_server_goes_away(ircd: int, tmp_path: Path) -> None:
    async def main() -> None:
        queue = ChatQueue()
        cfg = IRCConfig("127.0.0.1", _free_port(), "#show", nick="novabot",
                        reconnect_delays=[0.05])
        bridge = IRCBridge(cfg, queue.submit)
        task = asyncio.create_task(bridge.run())
        await asyncio.sleep(0.3)  # nothing listens there: retries, never raises
        assert not task.done() and not bridge.joined.is_set()
        bridge.config.port = ircd
        await asyncio.wait_for(bridge.joined.wait(), 10)
        await bridge.stop()
        await asyncio.wait_for(task, 5)
    asyncio.run(main())


def test_server_bridges_twitch_chat_and_answers_in_the_channel(ircd: int,
                                                               tmp_path: Path) -> None:
    """The server's IRC bridge: a channel message is logged, answered by name on stage
    and the answer is posted back to the channel."""
    from fastapi.testclient import TestClient

    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.store import SQLiteStore
    from vhuman.stage.testing_performer import FakeBrain, FakePerformer

    settings = ServerSettings(irc_host="127.0.0.1", irc_port=ircd, irc_tls=False,
                              irc_channel="#show", irc_nick="novabot",
                              _env_file=None)  # type: ignore[call-arg]
    performer = FakePerformer(0.01)
    store = SQLiteStore(tmp_path / "irc.db")
    app = create_app(settings, backends=Backends(lambda s, r: performer,
                                                 lambda s, r: FakeBrain()), store=store)

    async def viewer_side(bridge: IRCBridge) -> str:
        await asyncio.wait_for(bridge.joined.wait(), 10)
        bot = await Bot.connect(ircd, "fan77")
        await bot.send("PRIVMSG #show :What song is next?")
        line = await bot.wait_for("PRIVMSG #show :fan77, thanks")
        bot.writer.close()
        return line

    with TestClient(app) as client:
        bridge = app.state.vhuman.bridges["main"]
        line = client.portal.call(viewer_side, bridge)  # run on the app's event loop
    assert line.startswith(":novabot!")
    assert "fan77, thanks for asking about What song is next" in line
    record = store.chats("main")[0]
    assert (record.viewer, record.source, record.text) == ("fan77", "twitch",
                                                           "What song is next?")
    assert performer.spoken()[0].startswith("fan77, thanks")


def test_a_process_that_holds_no_shows_starts_no_bridge(tmp_path: Path) -> None:
    """An API replica (shows on workers) must not relay the channel: the worker holding the
    show does, once, however many replicas run."""
    from fastapi.testclient import TestClient

    from vhuman.stage.server import Backends, ServerSettings, create_app
    from vhuman.stage.server.hosting import LocalHosting
    from vhuman.stage.store import SQLiteStore
    from vhuman.stage.testing_performer import FakeBrain, FakePerformer

    class ShowsElsewhere(LocalHosting):
        runs_shows_here = False

    settings = ServerSettings(irc_host="127.0.0.1", irc_port=9, irc_tls=False,
                              irc_channel="#show", _env_file=None)  # type: ignore[call-arg]
    backends = Backends(lambda s, r: FakePerformer(0.01), lambda s, r: FakeBrain())
    here = create_app(settings, backends=backends, store=SQLiteStore(tmp_path / "a.db"))
    elsewhere = create_app(settings, backends=backends, store=SQLiteStore(tmp_path / "b.db"),
                           hosting=ShowsElsewhere())
    with TestClient(here):
        assert set(here.state.vhuman.bridges) == {"main"}
    with TestClient(elsewhere):
        assert elsewhere.state.vhuman.bridges == {}
