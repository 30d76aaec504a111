"""The listen room: turns from a stream, bad input, echo of the host, ``vhuman listen``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from vhuman.avatar.compat import shared_data_dir
from vhuman.dialogue.turns import TurnSettings
from vhuman.models.asr import get_vad
from vhuman.models.asr.base import Transcription
from vhuman.models.types import InputError
from vhuman.stage.cli import main
from vhuman.stage.listen import EchoSuppressor, Listener
from vhuman.stage.listen.files import listen_audio, read_audio
from vhuman.stage.listen.listener import PIN_AFTER_S

SPEECH = shared_data_dir() / "speech"
RATE = 16000


class ScriptedRecognizer:
    """Says what it is told for each call, and records the audio lengths it got."""

    name = "scripted"
    sample_rate = RATE

    def __init__(self, *texts: str, fail: bool = False) -> None:
        self.texts = list(texts)
        self.calls: list[float] = []
        self.fail = fail

    def transcribe(self, audio, *, language=None, prompt=None) -> Transcription:
        self.calls.append(audio.size / RATE)
        if self.fail:
            raise RuntimeError("model crashed")
        text = self.texts.pop(0) if len(self.texts) > 1 else self.texts[0]
        return Transcription(text, language="en", confidence=0.9, language_probability=1.0,
                             seconds=audio.size / RATE)


def speech(name: str) -> np.ndarray:
    return read_audio(SPEECH / name)


def feed_all(listener: Listener, audio: np.ndarray, piece: int = 320) -> list:
    events = []
    for i in range(0, audio.size, piece):
        events += listener.feed(audio[i:i + piece])
    return events


def test_two_sentences_with_a_gap_are_two_turns_with_their_times():
    a, b = speech("en_ljspeech_LJ001-0004.wav"), speech("zh_aishell3_SSB02410161.wav")
    gap = np.zeros(RATE * 2, np.float32)
    audio = np.concatenate([gap[:RATE // 2], a, gap, b, gap])
    asr = ScriptedRecognizer("done.")
    listener = Listener(asr, get_vad(), TurnSettings(), speaker="ana", partials=False)
    events = feed_all(listener, audio)
    finals = [e.turn for e in events if e.kind == "final"]
    assert [t.text for t in finals] == ["done.", "done."]
    first, second = finals
    assert first.speaker == "ana" and first.role == "guest" and first.status == "ok"
    assert 0.0 <= first.start <= 0.6 and abs(first.end - (0.5 + a.size / RATE)) < 0.5
    assert second.start > first.end + 1.0
    # recognised at pauses only (the final reuses the last one): the whole second turn once
    assert len(asr.calls) <= 6 and asr.calls[-1] == pytest.approx(second.end - second.start, abs=0.1)


def test_trailing_words_keep_the_turn_open_across_a_pause():
    a = speech("en_ljspeech_LJ001-0004.wav")
    pause = np.zeros(int(RATE * 0.9), np.float32)  # > end_silence_s, < unfinished_silence_s
    audio = np.concatenate([a[: a.size // 2], pause, a[a.size // 2:], np.zeros(RATE * 2, np.float32)])
    half = a.size / 2 / RATE

    class TrailingOff(ScriptedRecognizer):
        def transcribe(self, audio, *, language=None, prompt=None):  # the words so far
            said = super().transcribe(audio)
            text = "which were the" if audio.size / RATE < half + 0.5 else "the whole thing."
            return Transcription(text, language="en", confidence=said.confidence)

    asr = TrailingOff("")
    listener = Listener(asr, get_vad(), TurnSettings(), partials=False)
    finals = [e.turn for e in feed_all(listener, audio) if e.kind == "final"]
    assert len(finals) == 1 and finals[0].text == "the whole thing."


def test_silence_noise_and_a_crashing_recognizer_never_raise():
    rng = np.random.default_rng(1)
    asr = ScriptedRecognizer("x", fail=True)
    listener = Listener(asr, get_vad(), TurnSettings(), partials=False)
    assert feed_all(listener, np.zeros(RATE * 3, np.float32)) == []
    assert feed_all(listener, (0.1 * rng.standard_normal(RATE * 3)).astype(np.float32)) == []
    t = np.arange(RATE * 4) / RATE  # music: a plucked arpeggio with a beat
    notes = np.array([261.6, 329.6, 392.0, 523.3])[(t * 2).astype(int) % 4]
    pluck = np.exp(-4 * (t % 0.5)) * sum(np.sin(2 * np.pi * notes * h * t) / h for h in range(1, 6))
    music = 0.3 * pluck / np.abs(pluck).max() + 0.05 * rng.standard_normal(t.size) * np.exp(-30 * (t % 0.5))
    assert feed_all(listener, music.astype(np.float32)) == []
    events = feed_all(listener, np.concatenate([speech("en_ljspeech_LJ001-0004.wav"),
                                                np.zeros(RATE * 2, np.float32)]))
    finals = [e.turn for e in events if e.kind == "final"]
    assert len(finals) == 1 and finals[0].status == "error" and "crashed" in finals[0].detail
    assert listener.finish() == []


def test_clipped_speech_is_still_a_turn():
    a = speech("en_ljspeech_LJ001-0004.wav")
    clipped = np.clip(a * 20, -0.9, 0.9)  # overdriven microphone
    listener = Listener(ScriptedRecognizer("words."), get_vad(), TurnSettings(), partials=False)
    events = feed_all(listener, np.concatenate([clipped, np.zeros(RATE * 2, np.float32)]))
    assert [e.turn.status for e in events if e.kind == "final"] == ["ok"]


def test_very_long_speech_is_cut_into_turns_and_a_dropped_stream_closes_its_turn():
    long = np.concatenate([speech(f"en_ljspeech_LJ001-000{i}.wav") for i in (1, 3, 4, 5)])
    asr = ScriptedRecognizer("words")
    listener = Listener(asr, get_vad(), TurnSettings(max_turn_s=8.0), partials=False)
    finals = [e.turn for e in feed_all(listener, long) if e.kind == "final"]
    finals += [e.turn for e in listener.finish()]  # the stream stops mid-sentence
    assert len(finals) >= 3
    assert all(t.end - t.start <= 8.0 + 0.1 for t in finals)
    assert any(t.cut for t in finals)


def test_partials_arrive_while_speaking_when_listening_keeps_up():
    asr = ScriptedRecognizer("produced the")
    listener = Listener(asr, get_vad(), TurnSettings(partial_every_s=1.0), partials=True)
    a = speech("en_ljspeech_LJ001-0004.wav")
    events = feed_all(listener, a)  # fed faster than real time: the listener keeps up
    assert any(e.kind == "partial" and e.text == "produced the" for e in events)
    assert any(e.kind == "speaking" and not e.echo for e in events)


def _room(rng: np.random.Generator, delay: int, gain: float) -> tuple[np.ndarray, int]:
    ir = rng.standard_normal(1600) * np.exp(-np.arange(1600) / 300)
    ir[0] += 3.0
    return ir / np.abs(ir).sum() * gain, delay


def test_the_hosts_own_voice_through_the_room_is_echo_and_a_person_is_not():
    rng = np.random.default_rng(0)
    host = np.concatenate([speech(f"en_ljspeech_LJ001-000{i}.wav") for i in (1, 3)])
    ir, delay = _room(rng, 2400, 0.8)
    echo = np.convolve(np.concatenate([np.zeros(delay, np.float32), host]), ir)[:host.size]
    person = speech("en_librispeech_1995-1837-0001.wav")[: RATE * 4]
    mic = echo + 0.001 * rng.standard_normal(host.size)
    at = RATE * 12
    mic[at:at + person.size] += 0.6 * person
    suppressor = EchoSuppressor()
    asr = ScriptedRecognizer("hello")
    listener = Listener(asr, get_vad(), TurnSettings(), partials=False, echo=suppressor)
    events = []
    for i in range(0, host.size - 511, 512):
        suppressor.reference(host[i:i + 512])
        events += listener.feed(mic[i:i + 512].astype(np.float32))
    barge = [(e.turn.start, e.echo) for e in events if e.kind == "speaking"]
    real = [start for start, echo in barge if not echo]
    assert real and all(abs(start - at / RATE) < 1.0 for start in real), barge
    assert suppressor.delay == pytest.approx(delay, abs=512)


def test_listen_audio_matches_the_cli_json(capsys):
    path = SPEECH / "en_ljspeech_LJ001-0004.wav"
    assert main(["listen", str(path), "--json"]) == 0
    turns = json.loads(capsys.readouterr().out)
    assert len(turns) == 1
    turn = turns[0]
    assert turn["language"] == "en" and turn["status"] == "ok"
    assert "predecessors" in turn["text"].lower()
    assert 0.0 <= turn["start"] < 0.5 and 4.5 < turn["end"] <= 5.2
    again = listen_audio(read_audio(path))
    assert [t.text for t in again] == [turn["text"]]


def test_listen_cli_refuses_bad_input(tmp_path, capsys):
    assert main(["listen", str(tmp_path / "missing.wav")]) == 2
    assert "no such audio file" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("listen:\n  turns:\n    end_silence: 2\n")
    sf.write(tmp_path / "x.wav", np.zeros(RATE, np.float32), RATE)
    assert main(["listen", str(tmp_path / "x.wav"), "--settings", str(bad)]) == 2
    assert "unknown setting" in capsys.readouterr().err
    assert main(["listen", str(tmp_path / "x.wav")]) == 0
    assert "no speech heard" in capsys.readouterr().err


def test_a_device_stream_is_heard_like_a_file(capsys):
    path = SPEECH / "zh_aishell3_SSB15750377.wav"
    assert main(["listen", "--device", f"lavfi:amovie={path}", "--json"]) == 0
    turns = json.loads(capsys.readouterr().out)
    assert len(turns) == 1 and turns[0]["language"] == "zh" and "威胁" in turns[0]["text"]
    assert main(["listen", "--device", "nosuchformat:x"]) == 2
    assert "not in this FFmpeg build" in capsys.readouterr().err


class GatedRecognizer(ScriptedRecognizer):
    """Answers only once ``gate`` is set (a slow model on a busy machine)."""

    def __init__(self, *texts: str) -> None:
        super().__init__(*texts)
        import threading

        self.gate = threading.Event()

    def transcribe(self, audio, *, language=None, prompt=None) -> Transcription:
        assert self.gate.wait(30)
        return super().transcribe(audio, language=language, prompt=prompt)


def test_background_recognition_holds_the_end_of_a_turn_until_its_words_are_judged():
    a = speech("en_ljspeech_LJ001-0004.wav")
    asr = GatedRecognizer("the whole thing.")
    listener = Listener(asr, get_vad(), TurnSettings(), partials=False, background=True)
    events = feed_all(listener, np.concatenate([a, np.zeros(RATE, np.float32)]))
    # 1 s of silence is past end_silence_s, but the words at the pause are not judged yet
    assert [e.kind for e in events if e.kind == "final"] == []
    assert listener.detector.in_turn and listener.detector.state.pending
    asr.gate.set()
    listener._pause_job[2].result(30)
    after = feed_all(listener, np.zeros(1024, np.float32))
    finals = [e.turn for e in after if e.kind == "final"]
    assert [t.text for t in finals] == ["the whole thing."]
    # the words at the pause were announced before the final (an answer can start on them)
    kinds = [e.kind for e in after]
    assert kinds.index("pause") < kinds.index("final")
    assert [e.text for e in after if e.kind == "pause"][-1] == "the whole thing."
    assert finals[0].end == pytest.approx(a.size / RATE, abs=0.4)
    # the final is the last pause's recognition (of the whole turn), not another one
    assert asr.calls[-1] == pytest.approx(finals[0].end - finals[0].start, abs=0.1)
    assert len(asr.calls) <= 2  # a short pause mid-sentence, then the end
    assert listener.finish() == []


def test_no_partial_starts_in_a_pause_and_a_pause_waits_only_for_a_running_one():
    a = speech("en_ljspeech_LJ001-0004.wav")
    asr = GatedRecognizer("produced the block books.")
    listener = Listener(asr, get_vad(), TurnSettings(partial_every_s=0.5), partials=True,
                        background=True)
    started = []  # (partial?, seconds of silence before the frame) at each recognition
    submit = listener._submit

    def recording(start, end, *, partial=False, before=None):
        d = listener.detector
        started.append((partial, round(d.time - d.state.speech_end, 3)))
        return submit(start, end, partial=partial, before=before)

    listener._submit = recording  # type: ignore[method-assign]
    # the recogniser is stuck on the first partial while the sentence goes on and ends
    events = feed_all(listener, np.concatenate([a, np.zeros(RATE // 2, np.float32)]))
    assert [p for p, _ in started][:1] == [True] and False in [p for p, _ in started]
    assert listener._pause_job is not None and listener.pauses >= 1
    asr.gate.set()
    listener._pause_job[2].result(30)
    events += feed_all(listener, np.zeros(RATE * 2, np.float32))
    events += listener.finish()
    # partials start on speech frames only; each recognition at a pause waited only for
    # what was already running, and each wait was measured
    assert all(silence == 0.0 for partial, silence in started if partial), started
    assert len(listener.pause_waits) == listener.pauses >= 1
    assert all(wait >= 0.0 for wait in listener.pause_waits)
    # the pause mid-sentence was still queued when the last one came: cancelled, so the
    # recogniser heard the stuck partial and the last pause only
    assert len(asr.calls) == 1 + listener.pauses == 2
    assert [e.turn.text for e in events if e.kind == "final"] == ["produced the block books."]


def test_background_partials_carry_their_stable_prefix_and_keep_the_language():
    a = speech("en_ljspeech_LJ001-0004.wav")
    asr = ScriptedRecognizer("produced the", "produced the block", "produced the block books",
                             "produced the block books, which")
    languages = []  # (seconds heard, language asked for)
    real = asr.transcribe

    def transcribe(audio, *, language=None, prompt=None):
        languages.append((audio.size / RATE, language))
        return real(audio, language=language, prompt=prompt)

    asr.transcribe = transcribe  # type: ignore[method-assign]
    listener = Listener(asr, get_vad(), TurnSettings(partial_every_s=0.5), partials=True,
                        background=True)
    events = []
    for i in range(0, a.size, 512):  # fed at most as fast as the recogniser answers
        events += listener.feed(a[i:i + 512])
        if listener._partial_job is not None:
            listener._partial_job[2].result(30)
    events += feed_all(listener, np.zeros(RATE * 2, np.float32))
    events += listener.finish()
    partials = [e for e in events if e.kind == "partial"]
    assert len(partials) >= 3
    assert partials[0].stable == "" and partials[1].stable == "produced the"
    assert all(e.language == "en" for e in partials)
    # kept for the turn once a partial heard PIN_AFTER_S of it, never on less
    sure = next(i for i, (seconds, _) in enumerate(languages) if seconds >= PIN_AFTER_S)
    assert {lang for _, lang in languages[:sure + 1]} == {None}
    assert {lang for _, lang in languages[sure + 1:]} == {"en"} and sure + 1 < len(languages)
    assert [e.turn.status for e in events if e.kind == "final"] == ["ok"]


def test_a_language_surely_detected_on_a_second_of_speech_is_not_kept_for_the_turn():
    """Whisper heard a Spanish turn's first 1.5 s as Arabic at 0.92: a partial that short
    must not force the final into that language."""
    a = speech("en_ljspeech_LJ001-0004.wav")  # one turn, no pause long enough to end it
    asked: list[str | None] = []

    class Recognizer(ScriptedRecognizer):
        def transcribe(self, audio, *, language=None, prompt=None):
            asked.append(language)
            seconds = audio.size / RATE
            wrong = seconds < 2.0 and language is None
            return Transcription("الحرنا" if wrong else "produced the block books",
                                 language=language or ("ar" if wrong else "en"), confidence=0.9,
                                 language_probability=0.92 if wrong else 0.97, seconds=seconds)

    listener = Listener(Recognizer("x"), get_vad(), TurnSettings(partial_every_s=0.5),
                        partials=True, background=True)
    events = []
    for i in range(0, a.size, 512):
        events += listener.feed(a[i:i + 512])
        if listener._partial_job is not None:
            listener._partial_job[2].result(30)
    events += feed_all(listener, np.zeros(RATE * 2, np.float32))
    events += listener.finish()
    assert any(e.kind == "partial" and e.language == "ar" for e in events)  # heard, not kept
    assert "ar" not in asked
    assert [(e.turn.language, e.turn.text) for e in events if e.kind == "final"] == \
        [("en", "produced the block books")]


def test_an_echo_path_that_changes_at_once_is_not_a_barge_in_and_a_person_still_is():
    rng = np.random.default_rng(3)
    host = np.concatenate([speech(f"en_ljspeech_LJ001-000{i}.wav") for i in (1, 3, 5, 4)])
    change = RATE * 10
    first, d1 = _room(rng, 1200, 0.5)
    second, d2 = _room(rng, 3800, 1.2)  # the guest turned the speakers up and moved them
    wet1 = np.convolve(np.concatenate([np.zeros(d1, np.float32), host]), first)[:host.size]
    wet2 = np.convolve(np.concatenate([np.zeros(d2, np.float32), host]), second)[:host.size]
    mic = np.concatenate([wet1[:change], wet2[change:]]) + 0.001 * rng.standard_normal(host.size)
    person = speech("en_librispeech_1995-1837-0001.wav")[: RATE * 3]
    at = change + RATE * 6
    with_person = mic.copy()
    with_person[at:at + person.size] += 0.5 * person

    def barge_ins(signal: np.ndarray) -> tuple[list[float], EchoSuppressor]:
        suppressor = EchoSuppressor()
        listener = Listener(ScriptedRecognizer("hello"), get_vad(), TurnSettings(),
                            partials=False, echo=suppressor)
        found = []
        for i in range(0, host.size - 511, 512):
            suppressor.reference(host[i:i + 512])
            found += [listener.clock for e in listener.feed(signal[i:i + 512].astype(np.float32))
                      if e.kind == "speaking" and not e.echo]
        return found, suppressor

    false, suppressor = barge_ins(mic)
    assert false == [], false
    real, _ = barge_ins(with_person)
    assert real and all(at / RATE - 0.2 <= t <= at / RATE + 3.5 for t in real), real


def test_the_speakers_last_language_is_offered_to_the_recogniser_as_a_prior():
    seen: list[tuple[str | None, str | None]] = []

    class Recognizer(ScriptedRecognizer):
        def transcribe(self, audio, *, language=None, prompt=None, prior=None):
            seen.append((language, prior))
            return super().transcribe(audio, language=language, prompt=prompt)

    a = speech("en_ljspeech_LJ001-0004.wav")
    gap = np.zeros(RATE * 2, np.float32)
    listener = Listener(Recognizer("Hello there."), get_vad(), TurnSettings(), partials=False)
    events = feed_all(listener, np.concatenate([a, gap, a, gap]))
    assert [e.turn.language for e in events if e.kind == "final"] == ["en", "en"]
    assert seen[0] == (None, None) and seen[-1] == (None, "en")
    assert listener.speaker_language == "en"


def test_listen_settings_take_a_beam_size_and_refuse_a_bad_one():
    from vhuman.stage.listen.config import ListenConfig

    assert ListenConfig.from_mapping({"beam": 5}).beam == 5
    assert ListenConfig().beam == 1
    for bad in (0, 11, "wide"):
        with pytest.raises(InputError, match="listen.beam"):
            ListenConfig.from_mapping({"beam": bad})


def test_listen_settings_take_threads_and_workers_and_refuse_bad_ones():
    from vhuman.stage.listen.config import ListenConfig

    config = ListenConfig.from_mapping({"threads": 2, "workers": 1})
    assert (config.threads, config.workers) == (2, 1)
    assert (ListenConfig().threads, ListenConfig().workers) == (1, 2)  # two decodes at once
    for name, bad in (("threads", 0), ("workers", 0), ("workers", "two")):
        with pytest.raises(InputError, match=f"listen.{name}"):
            ListenConfig.from_mapping({name: bad})


class HeldRecognizer(ScriptedRecognizer):
    """Counts calls as they start and answers only when ``gate`` is set."""

    def __init__(self, *texts: str) -> None:
        super().__init__(*texts)
        import threading

        self.gate = threading.Event()
        self.started: list[float] = []

    def transcribe(self, audio, *, language=None, prompt=None) -> Transcription:
        self.started.append(audio.size / RATE)
        assert self.gate.wait(30)
        return super().transcribe(audio, language=language, prompt=prompt)


def test_partials_never_queue_and_one_that_fell_due_starts_when_the_last_is_done():
    a = speech("en_ljspeech_LJ001-0001.wav")  # 9.7 s, no pause before 4 s
    asr = HeldRecognizer("printing", "printing in the only sense")
    listener = Listener(asr, get_vad(), TurnSettings(partial_every_s=0.5), partials=True,
                        background=True)
    events = feed_all(listener, a[: 3 * RATE])  # ~5 partials fall due; the first is stuck
    assert len(asr.started) == 1 and listener._partial_job is not None
    first = asr.started[0]
    asr.gate.set()
    listener._partial_job[2].result(30)
    clock = listener.clock
    events += listener.feed(a[3 * RATE: 3 * RATE + 512])  # the next frame: collected, next one out
    assert [e.text for e in events if e.kind == "partial"] == ["printing"]
    assert listener._partial_job is not None  # started at once, not a partial period later
    listener._partial_job[2].result(30)
    assert len(asr.started) == 2 and asr.started[1] == pytest.approx(clock, abs=0.1)
    assert asr.started[1] > first + 1.5  # it heard everything up to now, none queued between
    listener.finish()


def test_the_words_at_a_pause_are_shown_at_once_and_the_person_goes_on_speaking():
    a = speech("en_ljspeech_LJ001-0001.wav")
    gap = np.zeros(int(0.35 * RATE), np.float32)  # past pause_s, short of end_silence_s
    audio = np.concatenate([a[:int(3.2 * RATE)], gap, a[int(3.2 * RATE):int(6 * RATE)],
                            np.zeros(RATE, np.float32)])
    asr = ScriptedRecognizer("Printing in the only sense", "Printing in the only sense with which.")
    settings = TurnSettings(partial_every_s=0.0)  # no timed partials: only the pause's words
    listener = Listener(asr, get_vad(), settings, partials=True, background=True)
    events = []
    for i in range(0, audio.size, 512):
        events += listener.feed(audio[i:i + 512])
        if listener._pause_job is not None:
            listener._pause_job[2].result(30)
    events += feed_all(listener, np.zeros(RATE, np.float32))
    kinds = [(e.kind, e.text or e.turn.text) for e in events if e.kind in ("partial", "final")]
    assert kinds[0] == ("partial", "Printing in the only sense")  # before the words go on
    assert kinds[-1] == ("final", "Printing in the only sense with which.")
    assert asr.calls[0] == pytest.approx(3.2, abs=0.2)  # the words up to the pause


class PreviewingRecognizer(ScriptedRecognizer):
    """Partials answer at once; the recognition at a pause waits for ``gate`` (a busy
    recogniser)."""

    def __init__(self, partial: str, final: str) -> None:
        super().__init__(final)
        import threading

        self.partial = partial
        self.gate = threading.Event()
        self.partials: list[float] = []

    def transcribe_partial(self, audio, *, language=None, prompt=None) -> Transcription:
        self.partials.append(audio.size / RATE)
        return Transcription(self.partial, language="en", confidence=0.9,
                             language_probability=1.0, seconds=audio.size / RATE)

    def transcribe(self, audio, *, language=None, prompt=None) -> Transcription:
        assert self.gate.wait(30)
        return super().transcribe(audio, language=language, prompt=prompt)


@pytest.mark.parametrize("every_s", [0.1, 0.0])
def test_a_partial_that_reached_the_pause_hands_on_its_words_before_the_pause_is_recognised(
        every_s):
    a = speech("en_ljspeech_LJ001-0001.wav")[: int(3.2 * RATE)]  # one run of speech
    asr = PreviewingRecognizer("Printing in the only sense.", "Printing, in the only sense.")
    listener = Listener(asr, get_vad(), TurnSettings(partial_every_s=every_s), partials=True,
                        background=True)
    events = []
    for i in range(0, a.size, 512):
        events += listener.feed(a[i:i + 512])
        if listener._partial_job is not None:  # partials keep up with the speech
            listener._partial_job[2].result(30)
    events += feed_all(listener, np.zeros(RATE, np.float32))  # the pause's recognition is held
    previews = [e for e in events if e.kind == "pause"]
    assert not [e for e in events if e.kind == "final"] and listener.detector.state.pending
    if every_s == 0.0:  # no partial near the pause: nothing before the pause's own words
        assert previews == [] and listener.previews == 0
    else:
        assert [(e.text, e.preview) for e in previews] == [("Printing in the only sense.", True)]
        assert listener.previews == 1
        assert a.size / RATE - asr.partials[-1] < 0.5  # it heard up to the pause
    asr.gate.set()
    listener._pause_job[2].result(30)
    after = feed_all(listener, np.zeros(1024, np.float32))
    assert [(e.text, e.preview) for e in after if e.kind == "pause"] == \
        [("Printing, in the only sense.", False)]  # the final's words, announced as before
    assert [e.turn.text for e in after if e.kind == "final"] == ["Printing, in the only sense."]
    assert listener.finish() == []


class TwoAtOnceRecognizer(PreviewingRecognizer):
    """Decodes two at once; its partials are stuck until ``gate`` is set."""

    workers = 2

    def transcribe_partial(self, audio, *, language=None, prompt=None) -> Transcription:
        assert self.gate.wait(30)
        return super().transcribe_partial(audio, language=language, prompt=prompt)

    def transcribe(self, audio, *, language=None, prompt=None) -> Transcription:
        self.calls.append(audio.size / RATE)
        return Transcription(self.texts[0], language="en", confidence=0.9,
                             language_probability=1.0, seconds=audio.size / RATE)


def test_with_two_decodes_at_once_a_pause_is_recognised_beside_a_stuck_partial():
    a = speech("en_ljspeech_LJ001-0001.wav")[: int(3.2 * RATE)]
    asr = TwoAtOnceRecognizer("Printing in", "Printing, in the only sense.")
    listener = Listener(asr, get_vad(), TurnSettings(partial_every_s=0.5), partials=True,
                        background=True)
    events = feed_all(listener, a)
    assert listener._partial_job is not None  # the first partial is stuck
    events += feed_all(listener, np.zeros(RATE // 2, np.float32))
    if listener._pause_job is not None:
        listener._pause_job[2].result(30)  # done while the partial is still stuck
    events += feed_all(listener, np.zeros(RATE, np.float32))
    assert [e.turn.text for e in events if e.kind == "final"] == ["Printing, in the only sense."]
    assert listener.pauses >= 1 and len(asr.calls) == listener.pauses  # no final decoded again
    assert len(asr.partials) == 0 and not asr.gate.is_set()
    asr.gate.set()
    assert listener.finish() == []


def test_a_person_who_starts_inside_a_turn_the_echo_opened_still_barges_in():
    rng = np.random.default_rng(2)
    host = np.concatenate([speech(f"en_ljspeech_LJ001-000{i}.wav") for i in (1, 3, 5, 4)])
    change = RATE * 10
    first, d1 = _room(rng, 1200, 0.5)
    second, d2 = _room(rng, 3800, 1.2)
    wet1 = np.convolve(np.concatenate([np.zeros(d1, np.float32), host]), first)[:host.size]
    wet2 = np.convolve(np.concatenate([np.zeros(d2, np.float32), host]), second)[:host.size]
    mic = np.concatenate([wet1[:change], wet2[change:]]) + 0.001 * rng.standard_normal(host.size)
    person = speech("en_librispeech_1995-1837-0001.wav")[: RATE * 3]
    at = change + int(RATE * 1.2)  # the new path's echo opened a turn 0.4 s after the change
    mic[at:at + person.size] += 0.5 * person
    suppressor = EchoSuppressor()
    listener = Listener(ScriptedRecognizer("hello"), get_vad(), TurnSettings(), partials=False,
                        echo=suppressor)
    speaking = []
    for i in range(0, host.size - 511, 512):
        suppressor.reference(host[i:i + 512])
        speaking += [(listener.clock, e.turn.id, e.echo)
                     for e in listener.feed(mic[i:i + 512].astype(np.float32))
                     if e.kind == "speaking"]
    echo_turns = {turn for t, turn, echo in speaking if echo and change / RATE < t < at / RATE}
    assert echo_turns, speaking  # the echo through the new path opened a turn first
    person_in_it = [t for t, turn, echo in speaking if not echo and turn in echo_turns]
    assert person_in_it and at / RATE < person_in_it[0] <= at / RATE + 2.0, speaking
    assert not [t for t, _, echo in speaking if not echo and t < at / RATE], speaking
