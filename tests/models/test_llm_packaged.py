"""Chat models shipped in PyPI chunk packages: found, joined once, cached; int8 on CPU."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from vhuman.models.llm import get_llm, packaged
from vhuman.models.llm.packaged import PackagedModel, gguf_path
from vhuman.models.llm.testing import build_tiny_chat_model
from vhuman.models.types import InputError, VhumanError


def _fake_packages(root: Path, payload: bytes, parts: int) -> list[tuple[str, str]]:
    names = []
    size = len(payload) // parts + 1
    for i in range(parts):
        pkg = root / f"fakechunk_part{i + 1}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part0{i + 1}.bin").write_bytes(payload[i * size:(i + 1) * size])
        names.append((pkg.name, f"data/part0{i + 1}.bin"))
    return names


def test_chunks_are_joined_once_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = bytes(range(256)) * 41
    parts = _fake_packages(tmp_path / "site", payload, 3)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("VHUMAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(packaged.PACKAGED, "fake", PackagedModel("fake", tuple(parts), "pip install fake",
                                                                  ("en",), "MIT"))
    path = gguf_path("fake")
    assert path.read_bytes() == payload and path.parent == tmp_path / "cache" / "llm"
    mtime = path.stat().st_mtime_ns
    assert gguf_path("fake").stat().st_mtime_ns == mtime  # cached, not joined again
    with pytest.raises(InputError, match="known:"):
        gguf_path("no-such-model")
    monkeypatch.setitem(packaged.PACKAGED, "missing", PackagedModel(
        "missing", (("not_installed_pkg_xyz", "a.bin"),), "pip install xyz", ("en",), "MIT"))
    with pytest.raises(VhumanError, match="pip install xyz"):
        gguf_path("missing")


def test_int8_tiny_model_streams(tmp_path: Path) -> None:
    model_dir = build_tiny_chat_model(tmp_path / "tiny")
    llm = get_llm("transformers", model=str(model_dir), device="cpu", seed=0, quantize="int8")
    import torch

    assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in llm.model.modules())

    async def run() -> str:
        return "".join([p async for p in llm.stream([{"role": "user", "content": "hi"}], 8, 0.0)])
    assert isinstance(asyncio.run(run()), str)
    assert llm.count_tokens("hello there") > 0


def test_a_changed_package_never_swaps_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    payload = b"gguf-bytes" * 100
    parts = _fake_packages(tmp_path / "site", payload, 1)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("VHUMAN_CACHE", str(tmp_path / "cache"))
    good = hashlib.sha256(payload[: len(payload) // 1 + 1]).hexdigest()
    monkeypatch.setitem(packaged.PACKAGED, "signed", PackagedModel(
        "signed", tuple(parts), "pip install signed", ("en",), "MIT", sha256=(good,)))
    assert gguf_path("signed").read_bytes() == payload
    assert gguf_path("signed").is_file()  # verified once, remembered
    part = tmp_path / "site" / parts[0][0] / parts[0][1]
    part.write_bytes(b"another model!" * 50)
    with pytest.raises(VhumanError, match="sha256"):
        gguf_path("signed")
