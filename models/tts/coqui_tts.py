"""Coqui TTS backend (``pip install 'vhuman[coqui]'``): VITS and XTTS models from local paths.

- **VITS** (any Coqui VITS checkpoint + ``config.json``): the model's own duration
  predictor gives per-token frame counts, so timings are exact (× hop length); tokens are
  IPA phonemes for phoneme models, letters for character models. Emotion is native for
  tempo (``length_scale``) and expressiveness (noise scales); the rest is the signal stage.
- **XTTS** (a directory with ``model.pth``, ``config.json``, ``vocab.json``): emotion comes
  from per-emotion reference clips (``emotion_clips={"happy": "happy.wav", ...}``, plus
  ``speaker_wav`` as the neutral voice). XTTS gives no alignment, so phoneme timings are
  eSpeak's phonemes for the same text, rescaled to the XTTS audio (approximate).

Importing Coqui here: ``coqui-tts`` refuses to import without ``torchaudio`` and
``torchcodec``; PyPI's torchaudio for torch 2.13 is a CUDA build that fails beside the CPU
torch. :mod:`models.tts.torchaudio_shim` provides the four torchaudio functions Coqui's
VITS/XTTS inference uses, only while Coqui's modules import, and only when the real
torchaudio cannot load. Coqui also imports ``six`` without declaring it.
"""

from __future__ import annotations

import logging
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.models.audio import scale_durations
from vhuman.models.tts.base import BaseTTS, RawSpeech
from vhuman.models.tts.phonemes import fold_alignment
from vhuman.models.tts.prosody import Prosody
from vhuman.models.types import InputError, SpeakingStyle, VhumanError

logger = logging.getLogger(__name__)
INSTALL_HINT = "pip install 'vhuman[coqui]' six  (coqui-tts; torchaudio is not needed)"
_CHECKPOINT_NAMES = ("model.pth", "model_file.pth", "best_model.pth", "checkpoint.pth")


@lru_cache(maxsize=1)
def import_coqui() -> dict[str, Any]:
    """Import the Coqui classes this backend uses (through the torchaudio shim if needed)."""
    from vhuman.models.tts.torchaudio_shim import shimmed

    try:
        with shimmed(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from TTS.config import load_config
            from TTS.tts.models.vits import Vits
            try:
                from TTS.tts.models.xtts import Xtts
            except Exception as exc:  # XTTS needs more (transformers GPT); VITS still works
                logger.info("Coqui XTTS unavailable: %s", exc)
                Xtts = None  # noqa: N806
    except ImportError as exc:
        raise VhumanError(f"Coqui TTS is not available ({exc}); install it: {INSTALL_HINT}") from exc
    return {"load_config": load_config, "Vits": Vits, "Xtts": Xtts}


def _find_files(model_path: str | Path, config_path: str | Path | None) -> tuple[Path, Path]:
    path = Path(model_path).expanduser()
    if not path.exists():
        raise InputError(f"coqui model not found: {path} (give a checkpoint .pth or its folder)")
    if path.is_dir():
        found = [path / n for n in _CHECKPOINT_NAMES if (path / n).is_file()]
        if not found:
            raise InputError(f"no checkpoint ({', '.join(_CHECKPOINT_NAMES)}) in {path}")
        checkpoint = found[0]
    else:
        checkpoint = path
    config = Path(config_path).expanduser() if config_path else checkpoint.parent / "config.json"
    if not config.is_file():
        raise InputError(f"coqui config not found: {config}")
    return checkpoint, config


class CoquiTTS(BaseTTS):
    """A Coqui VITS or XTTS model from local files; nothing is downloaded."""

    name = "coqui"
    native_prosody = frozenset({"tempo", "expressiveness"})

    def __init__(self, model_path: str | Path, config_path: str | Path | None = None,
                 speaker: str | int | None = None, language: str | None = None,
                 speaker_wav: str | Path | None = None,
                 emotion_clips: dict[str, str | Path] | None = None) -> None:
        coqui = import_coqui()
        checkpoint, config_file = _find_files(model_path, config_path)
        try:
            self.config = coqui["load_config"](str(config_file))
        except Exception as exc:
            raise InputError(f"cannot read coqui config {config_file}: {exc}") from exc
        self.kind = str(getattr(self.config, "model", "")).lower()
        self._lock = threading.Lock()
        self._latents: dict[str, Any] = {}
        self.clips = {k.lower(): Path(v) for k, v in (emotion_clips or {}).items()}
        if speaker_wav is not None:
            self.clips.setdefault("neutral", Path(speaker_wav))
        for emotion, clip in self.clips.items():
            if not clip.is_file():
                raise InputError(f"emotion_clips[{emotion!r}]: file not found: {clip}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if self.kind == "xtts":
                    self._load_xtts(coqui, checkpoint)
                else:
                    self._load_vits(coqui, checkpoint)
        except (InputError, VhumanError):
            raise
        except Exception as exc:
            raise InputError(f"cannot load coqui model {checkpoint}: {exc}") from exc
        self.speaker, self.language = speaker, language or "en"
        logger.info("loaded coqui %s model %s (%d Hz)", self.kind or "vits", checkpoint,
                    self.sample_rate)

    def _load_vits(self, coqui: dict[str, Any], checkpoint: Path) -> None:
        model = coqui["Vits"].init_from_config(self.config)
        model.load_checkpoint(self.config, str(checkpoint), eval=True)
        self.model = model
        self.sample_rate = int(self.config.audio.sample_rate)
        self._base = (float(model.length_scale), float(model.inference_noise_scale),
                      float(model.inference_noise_scale_dp))

    def _load_xtts(self, coqui: dict[str, Any], checkpoint: Path) -> None:
        if coqui["Xtts"] is None:
            raise VhumanError(f"Coqui XTTS could not be imported; {INSTALL_HINT}")
        if "neutral" not in self.clips:
            raise InputError("XTTS needs speaker_wav (or emotion_clips['neutral']): a voice clip")
        model = coqui["Xtts"].init_from_config(self.config)
        model.load_checkpoint(self.config, checkpoint_dir=str(checkpoint.parent), eval=True)
        self.model = model
        self.sample_rate = int(self.config.audio.output_sample_rate)

    def _speak(self, text: str, style: SpeakingStyle, prosody: Prosody) -> RawSpeech:
        import torch

        with self._lock, torch.inference_mode():
            if self.kind == "xtts":
                return self._speak_xtts(text, style, prosody)
            return self._speak_vits(text, prosody)

    def _speak_vits(self, text: str, prosody: Prosody) -> RawSpeech:
        import torch

        model = self.model
        length, noise, noise_dp = self._base
        model.length_scale = length / prosody.tempo
        model.inference_noise_scale = noise * prosody.expressiveness
        model.inference_noise_scale_dp = noise_dp * prosody.expressiveness
        ids = model.tokenizer.text_to_ids(text)
        if not ids:
            raise InputError(f"coqui tokenizer produced no tokens for {text[:60]!r}")
        aux: dict[str, Any] = {"x_lengths": torch.tensor([len(ids)])}
        if self.speaker is not None and getattr(model, "speaker_manager", None):
            sid = model.speaker_manager.name_to_id.get(self.speaker, self.speaker)
            aux["speaker_ids"] = torch.tensor([int(sid)])
        out = model.inference(torch.LongTensor(ids)[None], aux_input=aux)
        wav = out["model_outputs"][0, 0].float().cpu().numpy().astype(np.float32)
        frames = out["durations"][0, 0].cpu().numpy().astype(np.int64)
        chars = model.tokenizer.characters
        blank = getattr(chars, "blank", None)
        symbols = []
        for i in ids:
            symbol = chars.id_to_char(int(i))
            symbols.append(" " if symbol == blank else "_" if symbol.startswith("<") else symbol)
        durations = scale_durations([int(f) for f in frames], wav.size)  # exact × hop
        timings = fold_alignment(list(zip(symbols, durations, strict=True)))
        return RawSpeech(wav, [t.phoneme for t in timings], [t.duration for t in timings])

    def _latent(self, emotion: str) -> Any:
        key = emotion if emotion in self.clips else "neutral"
        if key not in self._latents:
            self._latents[key] = self.model.get_conditioning_latents(
                audio_path=[str(self.clips[key])])
        return self._latents[key]

    def _speak_xtts(self, text: str, style: SpeakingStyle, prosody: Prosody) -> RawSpeech:
        gpt_latent, speaker_embedding = self._latent(style.emotion.value)
        out = self.model.inference(text, self.language, gpt_latent, speaker_embedding,
                                   speed=float(np.clip(prosody.tempo, 0.5, 2.0)),
                                   temperature=0.75 * prosody.expressiveness)
        wav = np.asarray(out["wav"], dtype=np.float32).reshape(-1)
        from vhuman.models.tts.espeak_tts import EspeakTTS

        guide = EspeakTTS("en-us" if self.language.startswith("en") else self.language)
        raw = guide._speak(text, style, Prosody())
        return RawSpeech(wav, raw.phonemes, scale_durations(raw.durations, wav.size))

    def native_for(self, style: SpeakingStyle) -> frozenset[str]:
        """XTTS with a clip for this emotion already sounds it: only loudness stays signal."""
        if self.kind == "xtts" and style.emotion.value in self.clips:
            return frozenset({"tempo", "expressiveness", "pitch_semitones", "pitch_range",
                              "brightness_db"})
        return self.native_prosody
