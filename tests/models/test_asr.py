"""Speech in: the packaged models load checked, hear speech and tell languages apart."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from vhuman.avatar.compat import shared_data_dir
from vhuman.models.asr import get_recognizer, get_vad, packaged
from vhuman.models.asr.whisper import to_simplified
from vhuman.models.package_files import sha256_file
from vhuman.models.types import InputError, VhumanError

SPEECH = shared_data_dir() / "speech"


def clip(name: str) -> np.ndarray:
    audio, rate = sf.read(str(SPEECH / name), dtype="float32")
    assert rate == 16000
    return audio


def test_silero_hears_speech_and_not_silence_or_noise():
    vad = get_vad()
    audio = clip("en_ljspeech_LJ001-0004.wav")
    probs = [vad.probability(audio[i:i + 512]) for i in range(0, audio.size - 511, 512)]
    assert np.mean(np.array(probs) > 0.5) > 0.6  # most of a read sentence is speech
    vad.reset()
    rng = np.random.default_rng(0)
    noise = (0.05 * rng.standard_normal(16000 * 2)).astype(np.float32)
    quiet = [vad.probability(noise[i:i + 512]) for i in range(0, noise.size - 511, 512)]
    assert max(quiet) < 0.5
    with pytest.raises(InputError):
        vad.probability(np.zeros(100, np.float32))


def test_a_changed_model_file_is_refused(monkeypatch):
    monkeypatch.setattr(packaged, "SILERO_SHA256", "0" * 64)
    with pytest.raises(VhumanError, match="sha256"):
        packaged.silero_onnx_path()


def test_a_damaged_joined_whisper_is_joined_again(tmp_path, monkeypatch):
    monkeypatch.setenv("VHUMAN_CACHE", str(tmp_path))
    folder = packaged.whisper_dir("base")
    assert (folder / "tokenizer.json").is_file()
    with (folder / "model.bin").open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00damaged\x00")
    again = packaged.whisper_dir("base")
    assert sha256_file(again / "model.bin") == packaged.WHISPER["base"].joined_sha256
    with pytest.raises(InputError, match="known"):
        packaged.whisper_dir("gigantic")


def test_whisper_transcribes_english_and_simplified_mandarin():
    asr = get_recognizer("whisper")
    en = asr.transcribe(clip("en_ljspeech_LJ001-0004.wav"))
    assert en.ok and en.language == "en"
    assert "block books" in en.text.lower() and 0.3 < en.confidence <= 1.0
    zh = asr.transcribe(clip("zh_aishell3_SSB15750377.wav"))
    assert zh.language == "zh"
    assert "这些" in zh.text and "這" not in zh.text  # simplified, not traditional
    assert to_simplified("這些遊擊隊員") == "这些游击队员"


def test_unsupported_language_and_silence_get_a_status():
    french_only_not = get_recognizer("whisper", languages=("en", "zh", "es"))
    result = french_only_not.transcribe(clip("fr_picovoice_test_fr.wav"))
    assert result.status == "unsupported_language" and result.language == "fr"
    assert "understood" in result.detail
    silent = french_only_not.transcribe(np.zeros(16000, np.float32))
    assert silent.status == "empty" and not silent.ok


def test_the_fitted_window_hears_what_the_30s_one_does_and_short_audio_does_not_loop():
    fit, full = get_recognizer("whisper"), get_recognizer("whisper", window="full")
    assert fit.window == "fit" and full.window == "full"
    audio = clip("en_ljspeech_LJ001-0004.wav")
    a, b = fit.transcribe(audio), full.transcribe(audio)
    words = lambda t: t.text.lower().replace(",", "").replace(".", "").split()  # noqa: E731
    assert a.language == b.language == "en" and words(a)[:6] == words(b)[:6]
    short = fit.transcribe(audio[: int(1.3 * 16000)])  # loops in a fitted window untreated
    assert short.ok and "produced" in short.text.lower() and len(short.text) < 60, short.text
    with pytest.raises(InputError, match="window"):
        get_recognizer("whisper", window="half")


def test_a_decode_that_says_the_same_words_twice_is_a_loop():
    from vhuman.models.asr.whisper import _repeats

    assert _repeats("Uma raposa velha não consegue. Uma raposa velha não consegue")
    assert not _repeats("It was the first great sorrow of his life. It was not so much")
    assert _repeats("这些游戏队员威胁这些游戏队员威胁") and not _repeats("这些游戏队员威胁要杀死人质")


def test_an_unsure_language_keeps_the_speakers_last_one_and_a_sure_one_does_not():
    asr = get_recognizer("whisper")
    tail = clip("es_picovoice_test_es.wav")[int(4.9 * 16000):]  # "y tiene muy poca asistencia"
    alone = asr.transcribe(tail)
    assert alone.language != "es" and alone.language_probability < 0.9  # unsure: pt
    spanish = asr.transcribe(tail, prior="es")
    assert spanish.ok and spanish.language == "es"
    english = asr.transcribe(clip("en_ljspeech_LJ001-0004.wav"), prior="es")
    assert english.language == "en"  # sure: a speaker may change language


def test_english_keeps_the_short_fitted_window_other_languages_get_ten_seconds():
    from vhuman.models.asr.whisper import FIT_MIN_S, FIT_PAD_S

    asr = get_recognizer("whisper")
    audio = clip("zh_aishell3_SSB03410265.wav")  # 3.4 s
    frames = lambda encoded: encoded.shape[1]  # noqa: E731 - 50 encoder frames a second
    short = 50 * (audio.size / 16000 + FIT_PAD_S)
    assert abs(frames(asr._encode(audio, True)) - short) <= 1
    assert abs(frames(asr._encode(audio, True, wide=True)) - 50 * FIT_MIN_S) <= 1
    assert frames(asr._encode(audio, False)) == 1500  # Whisper's 30 s
    assert asr.transcribe(audio).language == "zh"
