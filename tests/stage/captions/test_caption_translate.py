"""Captions in a second language: a translator behind a chat server's
``/v1/chat/completions`` (here the app's own, served over real HTTP), a second live
track of settled cues, and ``out.<lang>.vtt`` / ``.srt`` beside recordings."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vhuman.models.types import InputError
from vhuman.stage.captions import Heard, SpokenLine, Turn, Word
from vhuman.stage.captions.files import translation_paths, write_translation
from vhuman.stage.captions.live import LiveCaptions
from vhuman.stage.captions.translate import (
    CaptionTranslator,
    configured_translator,
    translator_from,
)
from vhuman.stage.outputs.base import Tick
from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer

FPS, SR = 10.0, 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tick(i: int, said: tuple = (), turns: tuple = ()) -> Tick:
    return Tick(index=i, pts=i / FPS, fps=FPS, image=np.zeros((2, 2, 3), np.uint8),
                audio=np.zeros(int(SR / FPS), np.float32), sample_rate=SR, said=said,
                turns=turns)


def _line() -> SpokenLine:
    words = tuple(Word(w, 0.1 + 0.3 * i, 0.35 + 0.3 * i)
                  for i, w in enumerate("Good evening and welcome.".split()))
    return SpokenLine("Good evening and welcome.", words, 1.5, "en", "Ava")


async def _serve(brain: FakeBrain, tmp: Path) -> tuple[Any, asyncio.Task[None], int]:
    import uvicorn

    settings = ServerSettings(warm_up=False, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, backends=Backends(lambda s, r: FakePerformer(0.001),
                                                 lambda s, r: brain),
                     store=SQLiteStore(tmp / "log.db"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return server, task, port


def test_live_and_file_translations_through_a_chat_server(tmp_path: Path) -> None:
    brain = FakeBrain(sentences=1)

    async def scenario() -> dict[str, Any]:
        server, task, port = await _serve(brain, tmp_path)
        try:
            translator = translator_from(f"http://127.0.0.1:{port}/v1", "es")
            assert translator is not None and translator.target == "es"
            events: list[dict[str, Any]] = []
            live = LiveCaptions(events.append, translator=translator,
                                loop=asyncio.get_running_loop())
            line = _line()
            for i in range(20):  # the host's line, then a guest's partial and final words
                live.offer(_tick(i, (Heard(line, 0.2),) if i < 18 else (), turns={
                    12: (Turn("Ana", "guest", "The first", "en", 1.1, 1.2, key="a", final=False),),
                    15: (Turn("Ana", "guest", "The first bridge was in Lima.", "en", 1.1, 1.5,
                              key="a"),)}.get(i, ())))
                await asyncio.sleep(0)
            for _ in range(200):
                if sum(e["type"] == "caption_translation" for e in events) >= 2:
                    break
                await asyncio.sleep(0.05)
            again = await translator.translate("Good evening and welcome.", "en")  # cached
            spanish = await translator.translate("Hola a todos.", "es")  # already Spanish
            files = write_translation(tmp_path / "show.mp4", live.track.cues(),
                                      translator.translate_now, "es")
            return {"events": events, "calls": translator.calls, "again": again,
                    "spanish": spanish, "files": files}
        finally:
            server.should_exit = True
            await task

    out = asyncio.run(scenario())
    translated = [e for e in out["events"] if e["type"] == "caption_translation"]
    # each settled cue once (not the partial), in order, with the server's answer
    assert [(e["role"], e["language"], e["source_language"]) for e in translated] == \
        [("host", "es", "en"), ("guest", "es", "en")]
    assert all(e["text"].startswith("Thanks for asking about") for e in translated)
    assert translated[1]["id"] == "a"
    asked = [message for message, _ in brain.asked]
    assert any("Good evening and welcome." in m and "Spanish" in m for m in asked)
    assert any("The first bridge was in Lima." in m for m in asked)
    assert not any(m.endswith("The first\nSpanish:") for m in asked)  # partials stay
    assert out["calls"] == 2 and out["again"] == translated[0]["text"]
    assert out["spanish"] == "Hola a todos."
    vtt, srt_path = out["files"]
    assert (vtt, srt_path) == translation_paths(tmp_path / "show.mp4", "es")
    assert vtt.name == "show.es.vtt" and "NOTE language: es" in vtt.read_text()
    assert "Thanks for asking about" in srt_path.read_text()


def test_a_failing_translator_leaves_the_captions_alone() -> None:
    class Down:
        async def stream(self, messages: Any, **kw: Any) -> Any:
            raise ConnectionError("no server")
            yield ""  # pragma: no cover - an async generator

    translator = CaptionTranslator(Down(), "fr")
    assert translator.translate_now("Good evening.", "en") is None
    assert translator.failures == 1
    with pytest.raises(InputError):
        CaptionTranslator(Down(), "klingon")


def test_a_translation_that_loops_is_not_shown() -> None:
    class Looping:  # what the packaged 0.5B model answered for two of 36 show lines
        async def stream(self, messages: Any, **kw: Any) -> Any:
            text = messages[-1]["content"]
            yield "¡" * 96 if "applause" in text else "Cien mil coches: 100000000."

    translator = CaptionTranslator(Looping(), "es")
    assert translator.translate_now("A big round of applause!", "en") is None
    assert translator.failures == 1
    assert translator.translate_now("A hundred thousand cars.", "en") == \
        "Cien mil coches: 100000000."  # eight zeros are a number, not a loop


def test_translation_is_off_unless_a_language_is_configured(monkeypatch) -> None:
    monkeypatch.delenv("VHUMAN_CAPTION_LANGUAGE", raising=False)
    assert configured_translator() is None
    monkeypatch.setenv("VHUMAN_CAPTION_LANGUAGE", "de")
    monkeypatch.setenv("VHUMAN_CAPTION_TRANSLATOR_URL", "http://127.0.0.1:9/v1")
    translator = configured_translator()
    assert translator is not None and translator.target == "de"
    assert configured_translator() is translator  # made once per setting
