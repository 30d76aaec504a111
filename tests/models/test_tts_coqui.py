"""Coqui backend on a tiny random-weight VITS built by the test (no downloads)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from vhuman.models.types import Emotion, InputError, SpeakingStyle, VhumanError


def _coqui_available() -> bool:
    try:
        from vhuman.models.tts.coqui_tts import import_coqui

        import_coqui()
    except VhumanError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _coqui_available(),
                                reason="coqui-tts not installed (pip install 'vhuman[coqui]')")


@pytest.fixture(scope="module")
def tiny_vits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from vhuman.models.tts.coqui_tiny import build_tiny_vits

    return build_tiny_vits(tmp_path_factory.mktemp("vits"), seed=0)


@pytest.fixture(scope="module")
def coqui(tiny_vits: Path):
    from vhuman.models.tts import get_tts

    return get_tts("coqui", model_path=str(tiny_vits))


def test_vits_end_to_end_with_exact_durations(coqui) -> None:
    chunks = list(coqui.synthesize_iter("Hello there. [pause 200ms] The price is $4."))
    assert [c.text for c in chunks] == ["Hello there.", "", "The price is four dollars."]
    for chunk in chunks:
        assert chunk.samples.dtype == np.float32 and chunk.samples.size > 0
        assert sum(p.duration for p in chunk.phonemes) == chunk.samples.size
    letters = "".join(p.phoneme for p in chunks[0].phonemes if p.phoneme != "_")
    assert letters == "hellothere"  # a character model: one token per letter


def test_sad_is_slower_natively(coqui) -> None:
    text = "we are going to the market"
    neutral = next(coqui.synthesize_iter(text, SpeakingStyle(Emotion.NEUTRAL)))
    sad = next(coqui.synthesize_iter(text, SpeakingStyle(Emotion.SAD, 1.0)))
    assert sad.duration > neutral.duration * 1.15
    assert sum(p.duration for p in sad.phonemes) == sad.samples.size


def test_shim_does_not_leak_a_fake_torchaudio(coqui) -> None:
    module = sys.modules.get("torchaudio")
    assert module is None or "vhuman-shim" not in getattr(module, "__version__", "")


def test_shim_mel_and_resample_match_references() -> None:
    import librosa
    import torch

    from vhuman.models.tts.torchaudio_shim import _module_classes, _resample

    rng = np.random.default_rng(0)
    wave = rng.standard_normal(8000).astype(np.float32)
    out = _resample(torch.from_numpy(wave)[None], 16000, 8000)
    assert tuple(out.shape) == (1, 4000)
    _, mel_cls = _module_classes()
    mel = mel_cls(sample_rate=16000, n_fft=512, hop_length=128, n_mels=40, norm="slaney")
    ours = mel(torch.from_numpy(wave)).numpy()
    ref = librosa.feature.melspectrogram(y=wave, sr=16000, n_fft=512, hop_length=128,
                                         n_mels=40, htk=True, norm="slaney", center=True,
                                         pad_mode="reflect")
    assert ours.shape == ref.shape
    assert np.allclose(ours, ref, rtol=1e-3, atol=1e-4)


def test_missing_and_corrupt_models(tmp_path: Path, tiny_vits: Path) -> None:
    from vhuman.models.tts.coqui_tts import CoquiTTS

    with pytest.raises(InputError, match="not found"):
        CoquiTTS(tmp_path / "nothing")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.pth").write_bytes(b"garbage")
    (broken / "config.json").write_text((tiny_vits / "config.json").read_text())
    with pytest.raises(InputError, match="cannot load coqui model"):
        CoquiTTS(broken)
