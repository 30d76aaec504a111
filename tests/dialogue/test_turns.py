"""Turn-taking on the audio clock: onsets, pauses, finished vs trailing words, cuts."""

from __future__ import annotations

import pytest

from vhuman.dialogue.turns import TurnDetector, TurnSettings, sounds_complete, sounds_unfinished
from vhuman.models.types import InputError

FRAME = 0.032


def run(detector: TurnDetector, pattern: list[tuple[float, float]],
        judge: str | None = None) -> list[tuple[str, float]]:
    """Feed (probability, seconds) runs; returns (signal, time) pairs."""
    out = []
    for prob, seconds in pattern:
        for _ in range(round(seconds / FRAME)):
            for signal in detector.push(prob):
                out.append((signal, round(detector.time, 3)))
                if signal == "pause" and judge is not None:
                    detector.judge(judge, "en")
    return out


def test_trailing_words_sound_unfinished_in_each_language():
    assert sounds_unfinished("I went to the shop and", "en")
    assert sounds_unfinished("So what I mean is, um", "en")
    assert sounds_unfinished("I think that,", "en")
    assert not sounds_unfinished("What time does the race start?", "en")
    assert sounds_unfinished("Fui a la tienda y", "es")
    assert not sounds_unfinished("¿A qué hora empieza?", "es")
    assert sounds_unfinished("我今天去了商店然后", "zh")
    assert not sounds_unfinished("我今天去了商店。", "zh")
    assert sounds_unfinished("", "en")


def test_a_finished_turn_ends_after_the_short_silence():
    s = TurnSettings()
    d = TurnDetector(s, FRAME)
    events = run(d, [(0.0, 0.5), (0.9, 1.5), (0.0, 2.0)], judge="How are you today?")
    names = [e for e, _ in events]
    assert names[:2] == ["started", "speaking"]
    assert "pause" in names and names[-1] == "ended"
    ended = dict((e, t) for e, t in events)["ended"]
    # speech stopped at 2.0 s: a complete question ends after complete_silence_s
    assert ended == pytest.approx(2.0 + s.complete_silence_s, abs=2 * FRAME)
    assert s.complete_silence_s < s.end_silence_s
    assert d.speech_end == pytest.approx(2.0, abs=FRAME)


def test_words_that_do_not_close_a_sentence_wait_the_end_silence():
    s = TurnSettings()
    d = TurnDetector(s, FRAME)
    # no sentence mark heard, nothing trailing: the middle wait
    events = run(d, [(0.0, 0.5), (0.9, 1.5), (0.0, 2.0)], judge="how are you today")
    ended = dict((e, t) for e, t in events)["ended"]
    assert ended == pytest.approx(2.0 + s.end_silence_s, abs=2 * FRAME)


def test_complete_sentences_are_told_from_open_ones():
    assert sounds_complete("What time does the race start?", "en")
    assert sounds_complete("我今天去了商店。", "zh")
    assert sounds_complete("¿A qué hora empieza?", "es")
    assert not sounds_complete("What time does the race start", "en")
    assert not sounds_complete("I went to the shop and", "en")
    assert not sounds_complete("So what I mean is, um.", "en")
    assert not sounds_complete("", "en")


def test_the_complete_silence_is_a_setting_and_never_longer_than_the_end_silence():
    s = TurnSettings.from_mapping({"complete_silence_s": 0.3})
    assert s.complete_end_s == 0.3
    assert TurnSettings(complete_silence_s=0.9).complete_end_s == 0.55
    with pytest.raises(InputError):
        TurnSettings(pause_s=0.3, complete_silence_s=0.25)


def test_trailing_words_wait_longer_and_speech_resumes_the_same_turn():
    s = TurnSettings()
    d = TurnDetector(s, FRAME)
    # "I was thinking and" ... 1.0 s pause (longer than end_silence, shorter than unfinished)
    events = run(d, [(0.9, 1.0), (0.0, 1.0), (0.9, 1.0), (0.0, 2.0)],
                 judge="I was thinking and")
    names = [e for e, _ in events]
    assert names.count("started") == 1, names  # one turn, not two
    assert names.count("ended") == 1
    ended = [t for e, t in events if e == "ended"][0]
    assert ended == pytest.approx(3.0 + s.unfinished_silence_s, abs=2 * FRAME)


def test_short_bursts_are_not_turns_and_long_turns_are_cut():
    d = TurnDetector(TurnSettings(max_turn_s=3.0), FRAME)
    names = [e for e, _ in run(d, [(0.9, 0.1), (0.0, 1.0)])]
    assert names == ["dropped"]
    events = run(d, [(0.9, 7.0)])
    cuts = [t for e, t in events if e == "cut"]
    assert len(cuts) >= 2  # a 7 s monologue becomes turns of at most 3 s
    assert all(b - a <= 3.0 + 2 * FRAME for a, b in zip(cuts, cuts[1:], strict=False))


def test_partials_are_due_while_speaking():
    d = TurnDetector(TurnSettings(partial_every_s=1.0), FRAME)
    names = [e for e, _ in run(d, [(0.9, 3.5)])]
    assert names.count("partial") == 3


def test_settings_are_validated():
    with pytest.raises(InputError, match="unknown"):
        TurnSettings.from_mapping({"end_silence": 1})
    with pytest.raises(InputError):
        TurnSettings.from_mapping({"end_silence_s": 3.0, "unfinished_silence_s": 1.0})
    assert TurnSettings.from_mapping({"end_silence_s": "0.8"}).end_silence_s == 0.8


def test_a_turn_whose_words_are_still_being_recognised_waits_for_its_judgement():
    s = TurnSettings()
    d = TurnDetector(s, FRAME)
    events = []
    for prob, seconds in [(0.0, 0.5), (0.9, 1.5), (0.0, 1.0)]:
        for _ in range(round(seconds / FRAME)):
            signals = d.push(prob)
            events += signals
            if "pause" in signals:
                d.await_judgement()  # recognised in the background
    # 1 s of silence is past end_silence_s, but no judgement yet: still in the turn
    assert "ended" not in events and d.in_turn and d.state.pending
    d.judge("How are you today?", "en")
    assert not d.state.pending and d.push(0.0) == ["ended"]
    # unjudged, the turn still ends after unfinished_silence_s
    d2 = TurnDetector(s, FRAME)
    names = []
    for prob, seconds in [(0.9, 1.0), (0.0, 2.0)]:
        for _ in range(round(seconds / FRAME)):
            signals = d2.push(prob)
            names += [(x, round(d2.time, 3)) for x in signals]
            if "pause" in signals:
                d2.await_judgement()
    ended = dict(names)["ended"]
    assert ended == pytest.approx(1.0 + s.unfinished_silence_s, abs=2 * FRAME)
