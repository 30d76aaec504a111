"""The typed reply the stage reads: sentences with gestures and performed cues, and their
wire form for a reply made on another process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from vhuman.dialogue import DEFAULT_PERSONA, Brain, DanceCue, ReplySentence, SingCue
from vhuman.models.llm.testing import ScriptedLLM
from vhuman.models.types import Emotion


def _items(brain: Brain, text: str, viewer: str | None = None) -> list[ReplySentence]:
    async def run() -> list[ReplySentence]:
        return [s async for s in brain.reply_stream(text, viewer)]

    return asyncio.run(run())


def test_skills_cue_the_song_and_the_dance_the_stage_performs() -> None:
    brain = Brain(DEFAULT_PERSONA, ScriptedLLM("Snow is great fun!"), memory=None,
                  songs={"twinkle": Path("songs/twinkle.musicxml")})
    sung = _items(brain, "Can you sing a song for us?")[0]
    assert sung.cue == SingCue("twinkle", Path("songs/twinkle.musicxml"))
    assert "sing:twinkle" in sung.tags and "sing:twinkle" not in sung.gestures
    danced = _items(brain, "dance!")[0]
    assert isinstance(danced.cue, DanceCue) and danced.cue.seconds > 0
    assert "dance" in danced.tags and "dance" not in danced.gestures
    chat = _items(brain, "I love the snow today", "Sam")
    assert chat and all(s.cue is None for s in chat)


def test_a_song_outside_the_repertoire_is_no_cue() -> None:
    brain = Brain(DEFAULT_PERSONA, None, memory=None)  # no songs: the skill offers a dance
    item = _items(brain, "sing something!")[0]
    assert item.source == "skill:sing" and item.cue is None


def test_the_wire_form_keeps_what_the_stage_reads() -> None:
    sent = ReplySentence("Hi Sam!", Emotion.HAPPY, 0.7, ["wave"], "template", 2, "es")
    back = ReplySentence.from_wire(sent.to_wire())
    assert back == sent
    odd = ReplySentence.from_wire({"text": "Hm.", "emotion": "grumpy"})
    assert odd.emotion == Emotion.NEUTRAL and odd.tags == [] and odd.source == "llm"
