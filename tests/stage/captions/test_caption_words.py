"""Word timing from phonemes, and cues cut from timed words."""

from __future__ import annotations

import numpy as np

from vhuman.models.types import AudioChunk, PhonemeTiming
from vhuman.stage.captions.track import MAX_CHARS, cue_groups, line_cues, wrap
from vhuman.stage.captions.words import Word, line_from_chunk, time_words

SR = 1000


def _phonemes(spec: list[tuple[str, int]]) -> list[PhonemeTiming]:
    out, at = [], 0
    for name, n in spec:
        out.append(PhonemeTiming(name, at, n))
        at += n
    return out


def test_phrases_take_their_voiced_runs_exactly() -> None:
    # "Hi there, friend." : a pause after "there," -> two runs, two phrases
    ph = _phonemes([("_", 100), ("h", 50), ("a", 50), ("ð", 50), ("ɛ", 50), ("_", 200),
                    ("f", 50), ("ɹ", 50), ("ɛ", 50), ("n", 50), ("_", 100)])
    words = time_words("Hi there, friend.", ph, SR, 0.85)
    assert [w.text for w in words] == ["Hi", "there,", "friend."]
    assert words[0].start == 0.1  # the first voiced phoneme
    assert words[1].end == 0.3  # the end of the first run
    assert words[2].start == 0.5 and words[2].end == 0.7  # exactly the second run
    assert all(a.end <= b.start + 1e-9 for a, b in zip(words, words[1:], strict=False))


def test_counts_that_disagree_share_all_voiced_phonemes() -> None:
    ph = _phonemes([("a", 100)] * 10)
    words = time_words("one, two, three", ph, SR, 1.0)
    assert words[0].start == 0.0 and words[-1].end == 1.0
    assert [w.text for w in words] == ["one,", "two,", "three"]


def test_no_timings_spread_words_over_the_chunk() -> None:
    chunk = AudioChunk(np.zeros(2000, np.float32), SR, [], "Hello world")
    line = line_from_chunk(chunk, language="en")
    assert line.words[0].start == 0.0 and line.words[-1].end == 2.0
    assert line.duration == 2.0 and line.text == "Hello world"


def test_cues_hold_two_lines_and_end_at_sentences() -> None:
    words = tuple(Word(f"word{i}{'.' if i == 3 else ''}", i * 0.3, i * 0.3 + 0.25)
                  for i in range(30))
    groups = cue_groups(words)
    assert groups[0][-1].text == "word3."  # a sentence ends a cue
    for g in groups:
        assert len(wrap([w.text for w in g])) <= 2
        assert all(len(line) <= MAX_CHARS for line in wrap([w.text for w in g]))
    assert sum(len(g) for g in groups) == 30


def test_line_cues_never_start_after_their_first_word() -> None:
    ph = _phonemes([("_", 50)] + [("a", 40)] * 60 + [("_", 60)])
    chunk = AudioChunk(np.zeros(2510, np.float32), SR, ph,
                       "This sentence is long enough that it must be cut into several "
                       "captions, each of which starts no later than its first word does.")
    line = line_from_chunk(chunk)
    cues = line_cues(line, start=10.0)
    assert len(cues) >= 2
    starts = {w.text: 10.0 + w.start for w in line.words}
    for cue in cues:
        first = cue.text.split()[0]
        assert cue.start <= starts[first] + 1e-9
        assert cue.end > cue.start
    assert all(a.end <= b.start + 1e-9 for a, b in zip(cues, cues[1:], strict=False))
