"""Build a tiny random-weight Coqui VITS (character input) for tests and benchmarks.

Durations are deterministic (~4 frames per token) so tempo changes are testable.
It speaks noise, not words, but it exercises the whole loading and inference path of
:class:`models.tts.coqui_tts.CoquiTTS` (config, checkpoint, tokenizer, duration
predictor, decoder) without any download. Writes ``model.pth`` + ``config.json``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

from vhuman.models.tts.coqui_tts import import_coqui
from vhuman.models.tts.torchaudio_shim import shimmed


def build_tiny_vits(directory: str | Path, seed: int = 0, sample_rate: int = 22050) -> Path:
    """Write a random tiny VITS into ``directory``; returns the directory."""
    import torch

    import_coqui()
    with shimmed(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from TTS.tts.configs.shared_configs import CharactersConfig
        from TTS.tts.configs.vits_config import VitsConfig
        from TTS.tts.models.vits import Vits, VitsArgs

    args = VitsArgs(
        hidden_channels=16, hidden_channels_ffn_text_encoder=32, num_heads_text_encoder=2,
        num_layers_text_encoder=1, kernel_size_text_encoder=3, resblock_type_decoder="2",
        resblock_kernel_sizes_decoder=[3], resblock_dilation_sizes_decoder=[[1, 3]],
        upsample_rates_decoder=[8, 8, 4], upsample_initial_channel_decoder=32,
        upsample_kernel_sizes_decoder=[16, 16, 8], num_layers_flow=1,
        num_layers_posterior_encoder=1, out_channels=513, spec_segment_size=8,
        init_discriminator=False, use_sdp=False,
    )
    characters = CharactersConfig(
        characters_class="TTS.tts.models.vits.VitsCharacters", pad="<PAD>", eos="<EOS>",
        bos="<BOS>", blank="<BLNK>", characters="abcdefghijklmnopqrstuvwxyz",
        punctuations="!'(),-.:;? ", phonemes=None, is_unique=True, is_sorted=True,
    )
    config = VitsConfig(model_args=args, use_phonemes=False, text_cleaner="basic_cleaners",
                        characters=characters, add_blank=True)
    config.audio.sample_rate = sample_rate
    config.audio.hop_length, config.audio.win_length, config.audio.fft_size = 256, 1024, 1024
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Vits.init_from_config(config)
    with torch.no_grad():  # ~4 frames (46 ms) per token, like real speech, not random
        model.duration_predictor.proj.weight.mul_(0.01)
        model.duration_predictor.proj.bias.fill_(math.log(4.0))
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict()}, out / "model.pth")
    config.save_json(str(out / "config.json"))
    return out
