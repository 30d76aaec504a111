"""The default voice (Piper 'joe'): contract, streaming, emotion directions, bad input."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from vhuman.models.tts import get_tts
from vhuman.models.tts.analysis import measure
from vhuman.models.types import AudioChunk, Emotion, InputError, SpeakingStyle, VhumanError

SENTENCES = [
    "The weather today is lovely and the park is full of people.",
    "We finally finished the new bridge across the river.",
]


@pytest.fixture(scope="module")
def piper():
    tts = get_tts("piper")
    tts.warm_up()
    return tts


def _check_contract(chunk: AudioChunk) -> None:
    assert chunk.samples.dtype == np.float32 and chunk.samples.ndim == 1
    assert np.max(np.abs(chunk.samples)) <= 1.0
    assert sum(p.duration for p in chunk.phonemes) == len(chunk.samples)
    starts = [p.start for p in chunk.phonemes]
    assert starts == sorted(starts) and starts[0] == 0
    for a, b in itertools.pairwise(chunk.phonemes):
        assert a.end == b.start


def test_chunk_per_sentence_with_ipa_timings(piper) -> None:
    chunks = list(piper.synthesize_iter("Hello there, Dr. Smith! It costs $3.50 today."))
    assert [c.text for c in chunks] == [
        "Hello there, Doctor Smith!", "It costs three dollars and fifty cents today."]
    for chunk in chunks:
        _check_contract(chunk)
        names = {p.phoneme for p in chunk.phonemes}
        assert not names & {"ˈ", "ˌ", "^", "$", "!", " "}  # folded into neighbours
        assert chunk.sample_rate == 22050 and 0.5 < chunk.duration < 5
    assert "ð" in {p.phoneme for p in chunks[0].phonemes}  # "there" in IPA
    assert chunks[0].phonemes[-1].phoneme == "_"


def test_markup_pause_and_style(piper) -> None:
    chunks = list(piper.synthesize_iter("Wait for it. [pause 300ms] [excited] Here it is!"))
    assert len(chunks) == 3
    pause = chunks[1]
    assert pause.duration == pytest.approx(0.3, abs=1e-3) and not np.any(pause.samples)
    assert [p.phoneme for p in pause.phonemes] == ["_"]
    assert chunks[2].style.emotion is Emotion.EXCITED
    _check_contract(chunks[2])


@pytest.mark.slow
def test_emotion_directions_a_listener_expects(piper) -> None:
    feats = {e: measure([c for s in SENTENCES for c in piper.synthesize_iter(
        s, SpeakingStyle(e, 1.0))]) for e in
        (Emotion.NEUTRAL, Emotion.EXCITED, Emotion.HAPPY, Emotion.SAD, Emotion.ANGRY)}
    neutral = feats[Emotion.NEUTRAL]
    for lively in (Emotion.EXCITED, Emotion.HAPPY):
        assert feats[lively].median_f0_hz > neutral.median_f0_hz * 1.05
        assert feats[lively].f0_range_semitones > neutral.f0_range_semitones
    sad = feats[Emotion.SAD]
    assert sad.rate_phonemes_per_s < neutral.rate_phonemes_per_s * 0.95
    assert sad.median_f0_hz < neutral.median_f0_hz
    assert sad.rms_dbfs < neutral.rms_dbfs - 3
    assert feats[Emotion.ANGRY].rms_dbfs > neutral.rms_dbfs + 3


def test_sad_timings_stretch_with_the_audio(piper) -> None:
    sad = next(piper.synthesize_iter(SENTENCES[0], SpeakingStyle(Emotion.SAD, 1.0, rate=0.8)))
    neutral = next(piper.synthesize_iter(SENTENCES[0]))
    _check_contract(sad)
    assert sad.duration > neutral.duration * 1.3
    assert [p.phoneme for p in sad.phonemes][:5] == [p.phoneme for p in neutral.phonemes][:5]


def test_async_first_chunk_arrives_before_the_rest(piper) -> None:
    text = " ".join(f"This is sentence number {i} of a long answer." for i in range(6))

    async def collect() -> tuple[float, float, int]:
        start = time.perf_counter()
        first = None
        count = 0
        async for chunk in piper.synthesize(text):
            first = first if first is not None else time.perf_counter() - start
            count += 1
            _check_contract(chunk)
        return first or 0.0, time.perf_counter() - start, count

    first, total, count = asyncio.run(collect())
    assert count == 6
    assert first < total / 3  # streamed: not whole-answer-then-speak


def test_bad_input_is_handled(piper, tmp_path: Path) -> None:
    assert list(piper.synthesize_iter("")) == []
    assert list(piper.synthesize_iter("   \n\t ")) == []
    assert list(piper.synthesize_iter("👍 🎉")) == []
    chunks = list(piper.synthesize_iter("Bad\x00 control\x07 characters\x1b here."))
    assert len(chunks) == 1 and "\x00" not in chunks[0].text
    with pytest.raises(InputError, match="text must be a string"):
        list(piper.synthesize_iter(None))  # type: ignore[arg-type]


def test_ten_thousand_characters_are_chunked(piper) -> None:
    text = ("and then the host kept talking about the weather " * 210)[:10_000]
    plan = list(piper.plan(text))
    assert len(plan) > 40 and all(len(sentence) <= 200 for sentence, _ in plan)
    first = next(piper.synthesize_iter(text))  # starts speaking without chewing it all
    _check_contract(first)


def test_unknown_voice_and_corrupt_model(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="joe"):
        get_tts("piper", voice="nobody")
    with pytest.raises(InputError, match="not found"):
        get_tts("piper", voice=str(tmp_path / "missing.onnx"))
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not an onnx model")
    (tmp_path / "bad.onnx.json").write_text('{"audio": {"sample_rate": 22050}}')
    with pytest.raises(VhumanError, match="bad.onnx"):
        get_tts("piper", voice=str(bad))


def test_session_caches_no_plan_per_sentence_shape(piper) -> None:  # type: ignore[no-untyped-def]
    """ONNX Runtime's per-shape memory plans would grow a live show's memory for hours."""
    session = piper._voice.session
    assert session.get_session_options().enable_mem_pattern is False
    # the rebuilt session is the voice with alignments: timings still cover every sample
    chunks = list(piper.synthesize_iter("Hello again, everyone."))
    for chunk in chunks:
        _check_contract(chunk)
    assert sum(len(c.samples) for c in chunks) > piper.sample_rate // 2


def test_emotion_tempo_lands_as_the_prosody_table_says(piper) -> None:
    """Default intensity: sad about +13.6 % longer, excited about 8 % shorter than neutral
    (tempo in the signal stage is exact; the voice's own run-to-run noise is ~1-2 %), and
    phoneme timings still cover every sample."""
    from vhuman.models.tts.prosody import prosody_for

    def length(emotion: Emotion) -> int:
        total = 0
        for _ in range(2):
            for sentence in SENTENCES:
                for chunk in piper.synthesize_iter(sentence, SpeakingStyle(emotion, 0.6)):
                    _check_contract(chunk)
                    total += chunk.samples.size
        return total

    neutral = length(Emotion.NEUTRAL)
    for emotion in (Emotion.SAD, Emotion.EXCITED):
        want = 1.0 / prosody_for(SpeakingStyle(emotion, 0.6)).tempo
        assert length(emotion) / neutral == pytest.approx(want, abs=0.04), emotion
