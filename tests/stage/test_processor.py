"""The frame pipeline: ordering, interrupts, errors as frames, nesting."""

from __future__ import annotations

import asyncio

import pytest

from models.types import Emotion, InputError
from stage.frames import (
    AudioFrame,
    EmotionFrame,
    EndFrame,
    ErrorCategory,
    ErrorFrame,
    Frame,
    InterruptFrame,
    TextFrame,
)
from stage.processor import FunctionProcessor, Pipeline, Processor
from stage.testing import CollectSink, run_processor, run_processor_sync


class Upper(Processor):
    async def process(self, frame: Frame) -> None:
        if isinstance(frame, TextFrame):
            frame = TextFrame(text=frame.text.upper(), style=frame.style)
        await self.push(frame)


class Slow(Processor):
    """Takes a while per text frame, like a TTS model."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.started: list[str] = []

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, TextFrame):
            self.started.append(frame.text)
            await asyncio.sleep(self.delay)
        await self.push(frame)


def test_frames_keep_order_through_a_pipeline() -> None:
    pipe = Pipeline([Upper(), Processor("pass")])
    out = run_processor_sync(pipe, [TextFrame(text=w) for w in ("one", "two", "three")])
    assert [f.text for f in out if isinstance(f, TextFrame)] == ["ONE", "TWO", "THREE"]


def test_pipelines_nest() -> None:
    inner = Pipeline([Upper()])
    outer = Pipeline([Processor("a"), inner, Processor("b")])
    out = run_processor_sync(outer, [TextFrame(text="hi")])
    assert [f.text for f in out if isinstance(f, TextFrame)] == ["HI"]


def test_exception_becomes_error_frame_and_pipeline_continues() -> None:
    async def boom(frame: Frame) -> list[Frame]:
        if isinstance(frame, TextFrame) and frame.text == "bad":
            raise RuntimeError("model exploded")
        if isinstance(frame, TextFrame) and frame.text == "invalid":
            raise InputError("text is empty")
        return [frame]

    out = run_processor_sync(FunctionProcessor(boom), [TextFrame(text=t) for t in
                                                       ("ok1", "bad", "invalid", "ok2")])
    texts = [f.text for f in out if isinstance(f, TextFrame)]
    errors = [f for f in out if isinstance(f, ErrorFrame)]
    assert texts == ["ok1", "ok2"]
    assert [e.category for e in errors] == [ErrorCategory.INTERNAL, ErrorCategory.INPUT]
    assert "model exploded" in errors[0].message


def test_interrupt_drops_queued_data_cancels_work_and_keeps_control() -> None:
    async def scenario() -> tuple[list[Frame], Slow, float]:
        slow = Slow(delay=0.5)
        pipe = Pipeline([slow])
        sink = CollectSink()
        pipe.link(sink)
        await pipe.start()
        for i in range(5):
            await pipe.queue_frame(TextFrame(text=f"line {i}"))
        await pipe.queue_frame(EmotionFrame(emotion=Emotion.HAPPY))
        await asyncio.sleep(0.05)  # line 0 is being "synthesized"
        t0 = asyncio.get_running_loop().time()
        await pipe.queue_frame(InterruptFrame(reason="host"))
        await pipe.queue_frame(TextFrame(text="new line"))
        await pipe.queue_frame(EndFrame())
        await asyncio.wait_for(sink.ended.wait(), 5)
        elapsed = asyncio.get_running_loop().time() - t0
        await pipe.stop()
        return sink.frames, slow, elapsed

    frames, slow, elapsed = asyncio.run(scenario())
    texts = [f.text for f in frames if isinstance(f, TextFrame)]
    assert texts == ["new line"]  # line 0 was cancelled mid-way, 1..4 dropped
    assert slow.started == ["line 0", "new line"]
    assert any(isinstance(f, InterruptFrame) for f in frames)
    assert any(isinstance(f, EmotionFrame) for f in frames)  # control frames survive
    assert elapsed < 0.9  # not 5 x 0.5 s
    assert frames.index(next(f for f in frames if isinstance(f, InterruptFrame))) < \
        frames.index(next(f for f in frames if isinstance(f, TextFrame)))


def test_run_processor_excludes_kit_frames() -> None:
    audio = AudioFrame(chunk=None)  # type: ignore[arg-type]
    out = asyncio.run(run_processor(Processor(), [audio]))
    assert out == [audio]


def test_empty_pipeline_is_rejected() -> None:
    with pytest.raises(ValueError):
        Pipeline([])
