"""Instant openers before model replies, and action tags after the last sentence."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from vhuman.dialogue import DEFAULT_PERSONA, Brain, KnowledgeBase, Memory, load_persona
from vhuman.dialogue.opener import OpenerPicker, message_kind
from vhuman.models.llm import LLMMessage
from vhuman.models.llm.testing import ScriptedLLM
from vhuman.models.types import Emotion, InputError


class PiecesLLM:
    """Streams exactly the given pieces, ``delay`` seconds apart (tags split mid-word)."""

    name = "pieces"
    supports_prefill = True

    def __init__(self, pieces: list[str], delay: float = 0.0) -> None:
        self.pieces = pieces
        self.delay = delay

    async def stream(self, messages: Sequence[LLMMessage], max_tokens: int = 96,
                     temperature: float = 0.7, stop: Sequence[str] | None = None) -> AsyncIterator[str]:
        for piece in self.pieces:
            await asyncio.sleep(self.delay)
            yield piece


async def _timed(brain: Brain, message: str, viewer: str | None) -> list[tuple[float, str, str, list[str]]]:
    """(seconds, source, text, tags as seen at yield time) per streamed sentence."""
    t0 = time.perf_counter()
    return [(time.perf_counter() - t0, s.source, s.text, list(s.tags))
            async for s in brain.reply_stream(message, viewer)]


def test_opener_comes_at_once_and_the_model_continues_it() -> None:
    llm = ScriptedLLM("Curling is my favourite winter sport!", first_delay=0.4)
    brain = Brain(DEFAULT_PERSONA, llm, memory=None)  # openers are on by default
    out = asyncio.run(_timed(brain, "Have you ever tried curling yourself?", "Sam"))
    (t_open, source, text, tags), rest = out[0], out[1:]
    assert source == "opener" and "Sam" in text and t_open < 0.2
    assert text in [t.replace("{viewer}", "Sam") for t in DEFAULT_PERSONA.question_openers]
    assert "nod" in tags
    assert rest and rest[0][1] == "llm" and rest[0][0] >= 0.4
    # The model was asked to continue the spoken opener, not to start over.
    assert llm.calls[-1][-1] == {"role": "assistant", "content": text}


def test_openers_vary_and_fit_the_message() -> None:
    picker = OpenerPicker(DEFAULT_PERSONA)
    texts = [picker.pick("Is curling hard to learn?", "Ana") for _ in range(4)]
    assert all(o is not None and o.kind == "question" and "Ana" in o.text for o in texts)
    lines = [o.text for o in texts if o is not None]
    assert all(lines[i] not in lines[max(0, i - 3):i] for i in range(len(lines)))
    assert message_kind("My dog is sick and I feel so sad today") == "sympathy"
    assert message_kind("Can you say hi to my sister Ana?") == "request"
    assert message_kind("Do you ski yourself?") == "question"
    assert message_kind("I just won tickets to the final, this is amazing!") == "excited"
    sad = picker.pick("My team lost and I'm really sad", None)
    assert sad is not None and sad.emotion == Emotion.SAD and "{viewer}" not in sad.text
    assert sad.text[0].isupper()  # the name was removed cleanly for an anonymous viewer


def test_model_echo_of_the_opener_is_dropped() -> None:
    persona = DEFAULT_PERSONA.model_copy(update={"question_openers": ("Ooh, great question, {viewer}!",)})
    llm = ScriptedLLM("Great question! Curling is fun to watch.")
    reply = asyncio.run(Brain(persona, llm, memory=None).reply("Do you think curling is fun?", "Sam"))
    assert reply.sentences == ["Ooh, great question, Sam!", "Curling is fun to watch."]
    assert reply.source == "llm"


def test_no_opener_for_kb_answers_greetings_or_when_off(sample_kb: KnowledgeBase) -> None:
    llm = ScriptedLLM("I love it.")
    kb_reply = asyncio.run(Brain(DEFAULT_PERSONA, llm, memory=None, kb=sample_kb)
                           .reply("When is the curling final?", "Sam"))
    assert [s.source for s in kb_reply.items] == ["kb"]
    greeted = asyncio.run(Brain(DEFAULT_PERSONA, llm, memory=Memory()).reply("Do you ski?", "Jo"))
    assert [s.source for s in greeted.items] == ["template", "llm"]
    off = asyncio.run(Brain(DEFAULT_PERSONA, llm, memory=None, opener=False).reply("Do you ski?", "Jo"))
    assert [s.source for s in off.items] == ["llm"]
    per_call = asyncio.run(Brain(DEFAULT_PERSONA, llm, memory=None).reply("Do you ski?", "Jo", opener=False))
    assert [s.source for s in per_call.items] == ["llm"]


def test_persona_file_controls_openers(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: Kai\ndescription: a calm host.\nopener: false\n"
                    "question_openers: ['Hmm, {viewer}, nice one.']\n")
    persona = load_persona(path)
    assert persona.opener is False and persona.question_openers == ("Hmm, {viewer}, nice one.",)
    assert Brain(persona, ScriptedLLM("x"), memory=None).opener is False
    path.write_text("name: Kai\ndescription: a calm host.\nopener: sometimes\n")
    with pytest.raises(InputError, match="'opener' must be true or false"):
        load_persona(path)


@pytest.mark.parametrize(
    ("pieces", "tags"),
    [
        (["I love", " it!", " [wave]"], ["wave"]),
        (["Fun", " times!", " [da", "nce]", " [clap]"], ["dance", "clap"]),
        (["Fun", " times!", "\n", "*waves*"], ["wave"]),
    ],
)
def test_tags_after_the_last_sentence_reach_a_stream_consumer(pieces: list[str], tags: list[str]) -> None:
    brain = Brain(DEFAULT_PERSONA, PiecesLLM(pieces), memory=None, opener=False)
    out = asyncio.run(_timed(brain, "Tell me about snow and skiing", None))
    assert [o[2] for o in out] == [pieces[0] + pieces[1]]
    assert out[-1][3] == tags  # already on the sentence when it was yielded


def test_held_sentence_is_released_as_soon_as_the_next_words_start() -> None:
    pieces = ["Snow", " is great!", " Skiing", " is", " fun", " too", " [wave]"]
    brain = Brain(DEFAULT_PERSONA, PiecesLLM(pieces, delay=0.1), memory=None, opener=False)
    out = asyncio.run(_timed(brain, "Tell me about snow and skiing", None))
    assert [o[2] for o in out] == ["Snow is great!", "Skiing is fun too."]
    assert out[0][0] < 0.45  # released at " Skiing" (0.3 s), not at the stream's end (0.7 s)
    assert out[1][3] == ["wave"] and "wave" not in out[0][3]
