"""Stable prefixes of partial transcripts (LocalAgreement of two hypotheses)."""

from __future__ import annotations

from vhuman.models.asr.streaming import stable_prefix


def test_the_words_two_partials_agree_on_are_stable_as_written_in_the_newer():
    assert stable_prefix("It was the first gray", "It was the, first great sorrow") == \
        "It was the, first"
    assert stable_prefix("it was THE first great", "It was the first great sorrow.") == \
        "It was the first great"
    assert stable_prefix("", "hello there") == ""
    assert stable_prefix("goodbye", "hello there") == ""


def test_chinese_is_compared_character_by_character():
    assert stable_prefix("娱乐反斗", "娱乐反斗星。") == "娱乐反斗"
    assert stable_prefix("这些游戏队", "这些游戏队员威胁") == "这些游戏队"


def test_a_partial_that_keeps_looping_is_given_up_not_decoded_in_the_30s_window():
    from vhuman.avatar.compat import shared_data_dir
    from vhuman.models.asr import get_recognizer
    from vhuman.stage.listen.files import read_audio

    asr = get_recognizer("whisper")
    audio = read_audio(shared_data_dir() / "speech" / "en_ljspeech_LJ001-0004.wav")[:2 * 16000]
    windows: list[bool] = []
    encode, generate = asr._encode, asr._generate

    def note_encode(x, fit, *args):
        windows.append(fit)
        return encode(x, fit, *args)

    def loops_when_fitted(encoded, language, prompt, seconds, *, guard, **kw):
        return None if guard else generate(encoded, language, prompt, seconds, guard=guard, **kw)

    asr._encode, asr._generate = note_encode, loops_when_fitted
    try:
        before = asr.fallbacks
        partial = asr.transcribe_partial(audio, language="en")
        assert partial.status == "empty" and "ran away" in partial.detail
        assert windows == [True] and asr.fallbacks == before  # fitted window only
        final = asr.transcribe(audio, language="en")  # a final still gets the 30 s window
        assert final.ok and "produced" in final.text.lower() and windows[1:] == [True, False]
    finally:
        del asr._encode, asr._generate
