"""A minimal stand-in for ``torchaudio`` so Coqui TTS imports beside CPU torch.

PyPI's torchaudio wheel for torch 2.13 is a CUDA build that fails to load next to the CPU
torch wheel, and Coqui (``coqui-tts`` ≥ 0.27) refuses to import without torchaudio and
torchcodec although VITS inference needs only ``load``, ``functional.resample`` and
``transforms.Resample`` (XTTS adds ``transforms.MelSpectrogram``). :func:`shimmed` installs
small implementations of exactly those (soundfile, scipy, librosa's mel filters, torch.stft)
into ``sys.modules`` *only while Coqui's modules are imported*, and only when the real
torchaudio cannot be imported, then removes them so other libraries never see a fake.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import logging
import sys
import types
from collections.abc import Iterator
from math import gcd
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)


def _load(path: Any, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    import soundfile
    import torch

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return torch.from_numpy(np.ascontiguousarray(data.T)), int(rate)


def _resample(waveform: Any, orig_freq: int, new_freq: int, *args: Any, **kwargs: Any) -> Any:
    import torch
    from scipy.signal import resample_poly

    orig_freq, new_freq = int(orig_freq), int(new_freq)
    if orig_freq == new_freq:
        return waveform
    g = gcd(orig_freq, new_freq)
    array = waveform.detach().cpu().numpy()
    out = resample_poly(array, new_freq // g, orig_freq // g, axis=-1).astype(array.dtype)
    return torch.from_numpy(out).to(waveform.device)


def _module_classes() -> tuple[type, type]:
    import torch

    class Resample(torch.nn.Module):
        def __init__(self, orig_freq: int = 16000, new_freq: int = 16000, **kwargs: Any) -> None:
            super().__init__()
            self.orig_freq, self.new_freq = orig_freq, new_freq

        def forward(self, waveform: torch.Tensor) -> torch.Tensor:
            return _resample(waveform, self.orig_freq, self.new_freq)

    class MelSpectrogram(torch.nn.Module):
        def __init__(self, sample_rate: int = 16000, n_fft: int = 400,
                     win_length: int | None = None, hop_length: int | None = None,
                     f_min: float = 0.0, f_max: float | None = None, n_mels: int = 128,
                     power: float = 2.0, normalized: bool = False, norm: str | None = None,
                     mel_scale: str = "htk", center: bool = True, pad_mode: str = "reflect",
                     **kwargs: Any) -> None:
            import librosa

            super().__init__()
            self.n_fft, self.power, self.normalized = n_fft, power, normalized
            self.win_length = win_length or n_fft
            self.hop_length = hop_length or self.win_length // 2
            self.center, self.pad_mode = center, pad_mode
            fb = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=f_min,
                                     fmax=f_max, htk=mel_scale == "htk",
                                     norm=norm)  # type: ignore[arg-type]
            self.fb: torch.Tensor
            self.window: torch.Tensor
            self.register_buffer("fb", torch.from_numpy(fb.astype(np.float32)))
            self.register_buffer("window", torch.hann_window(self.win_length))

        def forward(self, waveform: torch.Tensor) -> torch.Tensor:
            shape = waveform.shape
            flat = waveform.reshape(-1, shape[-1])
            spec = torch.stft(flat, self.n_fft, self.hop_length, self.win_length, self.window,
                              center=self.center, pad_mode=self.pad_mode,
                              normalized=self.normalized, return_complex=True).abs()
            spec = spec.pow(self.power) if self.power != 1.0 else spec
            mel = torch.matmul(self.fb, spec)
            return mel.reshape(*shape[:-1], *mel.shape[-2:])

    return Resample, MelSpectrogram


def _make_module(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
    module.__version__ = "0.0+vhuman-shim"  # type: ignore[attr-defined]
    return module


def real_torchaudio_works() -> bool:
    """Whether the genuine torchaudio imports here (then no shim is needed)."""
    try:
        import torchaudio  # noqa: F401
    except Exception:  # ImportError, or OSError from a CUDA build beside CPU torch
        return False
    return "vhuman-shim" not in getattr(sys.modules["torchaudio"], "__version__", "")


@contextlib.contextmanager
def shimmed() -> Iterator[bool]:
    """Provide torchaudio/torchcodec stand-ins while Coqui imports; yields True if used."""
    if real_torchaudio_works():
        yield False
        return
    resample_cls, mel_cls = _module_classes()
    torchaudio = _make_module("torchaudio")
    functional = _make_module("torchaudio.functional")
    transforms = _make_module("torchaudio.transforms")
    functional.resample = _resample  # type: ignore[attr-defined]
    transforms.Resample = resample_cls  # type: ignore[attr-defined]
    transforms.MelSpectrogram = mel_cls  # type: ignore[attr-defined]
    torchaudio.load = _load  # type: ignore[attr-defined]
    torchaudio.functional = functional  # type: ignore[attr-defined]
    torchaudio.transforms = transforms  # type: ignore[attr-defined]
    added = {"torchaudio": torchaudio, "torchaudio.functional": functional,
             "torchaudio.transforms": transforms}
    if "torchcodec" not in sys.modules:
        added["torchcodec"] = _make_module("torchcodec")
    previous = {name: sys.modules.get(name) for name in added}
    sys.modules.update(added)
    logger.info("torchaudio unavailable: importing Coqui TTS with vhuman's torchaudio shim")
    try:
        yield True
    finally:
        for name, module in previous.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
