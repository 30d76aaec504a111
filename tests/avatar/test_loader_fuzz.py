"""Fuzzing the loader: mutated files raise AvatarError (never another exception), and claims of
huge data are refused before anything that size is allocated (measured in bytes, not seconds)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.avatar.fixtures import glb_parts, minimal_glb, mixamo_arkit_glb, write_glb
from vhuman.avatar.errors import AvatarError
from vhuman.avatar.loader import load_avatar

_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return mixamo_arkit_glb(tmp_path_factory.mktemp("seed")).read_bytes()


def _load(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fuzz.glb"
    path.write_bytes(raw)
    try:
        load_avatar(path)
    except AvatarError:
        pass


@_SETTINGS
@given(data=st.data())
def test_truncated_and_flipped_bytes(tmp_path: Path, seed: bytes, data: st.DataObject) -> None:
    raw = bytearray(seed)
    cut = data.draw(st.integers(0, len(raw)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)),
                               max_size=8))
    for pos, val in flips:
        raw[pos] = val
    _load(tmp_path, bytes(raw[:cut]) if data.draw(st.booleans()) else bytes(raw))


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
                    st.floats(allow_nan=True), st.text(max_size=5),
                    st.lists(st.integers(-5, 5), max_size=4), st.just({}))


@_SETTINGS
@given(data=st.data())
def test_corrupted_json_fields(tmp_path: Path, seed: bytes, data: st.DataObject) -> None:
    src = tmp_path / "src.glb"
    src.write_bytes(seed)
    doc, blob = glb_parts(src)
    for _ in range(data.draw(st.integers(1, 4))):
        key = data.draw(st.sampled_from(["accessors", "bufferViews", "nodes", "meshes", "skins",
                                         "buffers", "materials", "animations"]))
        items = doc.get(key) or []
        if not items:
            continue
        item = items[data.draw(st.integers(0, len(items) - 1))]
        fields = sorted(item) or ["x"]
        item[data.draw(st.sampled_from(fields))] = data.draw(_VALUES)
    raw = write_glb(tmp_path / "mut.glb", json.loads(json.dumps(doc, default=str)), blob)
    _load(tmp_path, raw.read_bytes())


def test_huge_claims_are_refused_before_reading(tmp_path: Path) -> None:
    doc, blob = glb_parts(minimal_glb(tmp_path))
    doc["buffers"][0]["byteLength"] = 2 * 1024**3
    huge = write_glb(tmp_path / "huge.glb", doc, blob)
    doc["buffers"][0]["byteLength"] = len(blob)
    doc["accessors"][0]["count"] = 2**31
    huge2 = write_glb(tmp_path / "huge2.glb", doc, blob)
    tracemalloc.start()
    try:
        with pytest.raises(AvatarError, match="byteLength"):
            load_avatar(huge)
        with pytest.raises(AvatarError, match="count"):
            load_avatar(huge2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024**2  # a 2 GiB buffer or 2^31-element accessor never allocated
