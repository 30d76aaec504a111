"""Safe low-level glTF 2.0 reading: GLB container, JSON, buffers, accessors and images.

The JSON is read as plain dicts with explicit checks (pygltflib's dataclass decoder either
accepts malformed fields silently or fails deep inside with unrelated errors), so every
problem becomes an :class:`AvatarError` naming the file and field. Sizes are checked
against :data:`LIMITS` before anything is allocated: a claimed 2 GB buffer is refused
before a byte of it is read, and external files may not escape the asset's folder.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np

from vhuman.avatar.errors import AvatarError

log = logging.getLogger(__name__)

LIMITS = {
    "file_bytes": 1 << 30,  # whole .glb / .gltf file
    "buffer_bytes": 1 << 29,  # one buffer
    "total_bytes": 1 << 30,  # all buffers together
    "accessor_count": 1 << 24,  # elements in one accessor
    "nodes": 1 << 16,
    "image_pixels": 8192 * 8192,
}

_GLB_MAGIC = b"glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942
COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
DTYPES: dict[int, type[np.number[Any]]] = {
    5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32,
    5126: np.float32}
SUPPORTED_EXTENSIONS = {
    "KHR_materials_unlit", "KHR_texture_transform", "KHR_materials_emissive_strength",
    "KHR_mesh_quantization", "KHR_materials_specular", "KHR_materials_ior",
    "KHR_texture_basisu_fallback", "VRM", "VRMC_vrm", "VRMC_springBone",
    "VRMC_materials_mtoon", "VRMC_node_constraint", "VRMC_materials_hdr_emissiveMultiplier",
}


@dataclass
class GltfData:
    """A parsed glTF: its JSON (``doc``), loaded buffers and where it came from."""

    path: Path
    doc: dict[str, Any]
    buffers: list[bytes] = field(default_factory=list)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def fail(self, where: str, problem: str) -> AvatarError:
        """An error naming the file and field (return value is meant to be raised)."""
        return AvatarError(f"{self.path.name}: {where}: {problem}")

    def items(self, key: str) -> list[Any]:
        """A top-level array (``nodes``, ``meshes``...), [] when absent."""
        value = self.doc.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, f"expected an array, got {type(value).__name__}")
        return value

    def get(self, key: str, index: Any, where: str) -> dict[str, Any]:
        """Element ``index`` of array ``key``, checked (``where`` names the reference)."""
        arr = self.items(key)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(arr):
            raise self.fail(where, f"refers to {key}[{index!r}], but there are {len(arr)}")
        obj = arr[index]
        if not isinstance(obj, dict):
            raise self.fail(f"{key}[{index}]", "expected an object")
        return obj


def as_int(data: GltfData, value: Any, where: str, lo: int = 0, hi: int | None = None) -> int:
    """An integer field within [lo, hi], else an error naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise data.fail(where, f"expected an integer, got {value!r}"[:200])
    if value < lo or (hi is not None and value > hi):
        raise data.fail(where, f"{value} is outside {lo}..{hi if hi is not None else 'inf'}")
    return value


def as_floats(data: GltfData, value: Any, where: str, n: int) -> np.ndarray:
    """A list of ``n`` finite numbers (e.g. a translation), else an error naming it."""
    if not isinstance(value, list) or len(value) != n or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise data.fail(where, f"expected {n} numbers")
    arr = np.array(value, np.float64)
    if not np.all(np.isfinite(arr)):
        raise data.fail(where, "contains NaN or infinity")
    return arr


def read_gltf(path: str | Path) -> GltfData:
    """Read a .glb/.vrm (binary) or .gltf (JSON) file and all its buffers."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AvatarError(f"{path}: cannot read avatar file ({exc.strerror or exc})") from None
    if size > LIMITS["file_bytes"]:
        raise AvatarError(f"{path.name}: file is {size} bytes, over the "
                          f"{LIMITS['file_bytes']}-byte limit")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AvatarError(f"{path}: cannot read avatar file ({exc.strerror or exc})") from None
    bin_chunk: bytes | None = None
    if raw[:4] == _GLB_MAGIC:
        json_bytes, bin_chunk = _split_glb(path, raw)
    elif raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        json_bytes = raw
    else:
        raise AvatarError(f"{path.name}: not a glTF file (no 'glTF' magic and not JSON)")
    try:
        doc = json.loads(json_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise AvatarError(f"{path.name}: glTF JSON is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise AvatarError(f"{path.name}: invalid glTF JSON at line {exc.lineno} column "
                          f"{exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise AvatarError(f"{path.name}: glTF JSON is nested too deeply") from None
    if not isinstance(doc, dict):
        raise AvatarError(f"{path.name}: glTF JSON must be an object")
    data = GltfData(path, doc)
    asset = doc.get("asset")
    version = asset.get("version") if isinstance(asset, dict) else None
    if not isinstance(version, str) or not version.startswith("2."):
        raise data.fail("asset.version", f"only glTF 2.x is supported, got {version!r}")
    _check_extensions(data)
    if len(data.items("nodes")) > LIMITS["nodes"]:
        raise data.fail("nodes", f"{len(data.items('nodes'))} nodes exceed the limit")
    data.buffers = _load_buffers(data, bin_chunk)
    return data


def _split_glb(path: Path, raw: bytes) -> tuple[bytes, bytes | None]:
    if len(raw) < 20:
        raise AvatarError(f"{path.name}: truncated GLB ({len(raw)} bytes, header needs 20)")
    _, version, length = struct.unpack_from("<4sII", raw, 0)
    if version != 2:
        raise AvatarError(f"{path.name}: GLB container version {version}, expected 2")
    if length > len(raw):
        raise AvatarError(f"{path.name}: truncated GLB: header says {length} bytes, "
                          f"file has {len(raw)}")
    pos = 12
    chunks: list[tuple[int, bytes]] = []
    while pos + 8 <= length:
        clen, ctype = struct.unpack_from("<II", raw, pos)
        if pos + 8 + clen > length:
            raise AvatarError(f"{path.name}: GLB chunk {len(chunks)} claims {clen} bytes "
                              f"past the end of the file")
        chunks.append((ctype, raw[pos + 8: pos + 8 + clen]))
        pos += 8 + clen + (-clen % 4 if pos + 8 + clen + (-clen % 4) <= length else 0)
    if not chunks or chunks[0][0] != _CHUNK_JSON:
        raise AvatarError(f"{path.name}: GLB does not start with a JSON chunk")
    bins = [c for t, c in chunks[1:] if t == _CHUNK_BIN]
    return chunks[0][1], (bins[0] if bins else None)


def _check_extensions(data: GltfData) -> None:
    for key in ("extensionsRequired", "extensionsUsed"):
        names = data.doc.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise data.fail(key, "expected an array of names")
        unknown = sorted(set(names) - SUPPORTED_EXTENSIONS)
        if unknown and key == "extensionsRequired":
            raise data.fail(key, f"requires unsupported extension(s) {', '.join(unknown)}")
        if unknown:
            log.info("%s: ignoring unsupported extension(s) %s", data.path.name, unknown)


def _load_buffers(data: GltfData, bin_chunk: bytes | None) -> list[bytes]:
    out: list[bytes] = []
    total = 0
    for i, buf in enumerate(data.items("buffers")):
        where = f"buffers[{i}]"
        if not isinstance(buf, dict):
            raise data.fail(where, "expected an object")
        length = as_int(data, buf.get("byteLength"), f"{where}.byteLength", 0,
                        LIMITS["buffer_bytes"])
        total += length
        if total > LIMITS["total_bytes"]:
            raise data.fail(where, "buffers together exceed the size limit")
        uri = buf.get("uri")
        if uri is None:
            if i != 0 or bin_chunk is None:
                raise data.fail(where, "has no uri and the file has no GLB binary chunk")
            blob = bin_chunk
        else:
            blob = read_uri(data, uri, where, length)
        if len(blob) < length:
            raise data.fail(where, f"byteLength is {length} but only {len(blob)} bytes exist")
        out.append(blob[:length])
    return out


def read_uri(data: GltfData, uri: Any, where: str, max_len: int | None = None) -> bytes:
    """Bytes of a data: URI or of a file inside the asset folder (never outside it)."""
    if not isinstance(uri, str):
        raise data.fail(f"{where}.uri", "expected a string")
    if uri.startswith("data:"):
        head, _, payload = uri.partition(",")
        if max_len is not None and len(payload) > 4 * (max_len // 3 + 4):
            raise data.fail(f"{where}.uri", "data URI is larger than the declared byteLength")
        try:
            return base64.b64decode(payload, validate=True) if ";base64" in head else \
                unquote(payload).encode("latin-1")
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise data.fail(f"{where}.uri", "malformed data URI") from None
    if "://" in uri or uri.startswith(("/", "\\")) or ":" in uri.split("/")[0]:
        raise data.fail(f"{where}.uri", f"{uri!r} is not a relative path in the asset folder")
    base = data.base_dir.resolve()
    target = (base / unquote(uri)).resolve()
    if not target.is_relative_to(base):
        raise data.fail(f"{where}.uri", f"{uri!r} escapes the asset folder")
    try:
        size = target.stat().st_size
        if max_len is not None and size < max_len:
            raise data.fail(f"{where}.uri", f"{uri!r} has {size} bytes, {max_len} declared")
        with target.open("rb") as fh:
            return fh.read(max_len if max_len is not None else LIMITS["buffer_bytes"] + 1)
    except OSError as exc:
        raise data.fail(f"{where}.uri", f"cannot read {uri!r}: {exc.strerror or exc}") from None


def buffer_view_bytes(data: GltfData, index: Any, where: str) -> tuple[memoryview, int | None]:
    """The bytes of a buffer view (bounds-checked) and its byteStride."""
    bv = data.get("bufferViews", index, where)
    bw = f"bufferViews[{index}]"
    buf_i = as_int(data, bv.get("buffer"), f"{bw}.buffer", 0, len(data.buffers) - 1)
    offset = as_int(data, bv.get("byteOffset", 0), f"{bw}.byteOffset")
    length = as_int(data, bv.get("byteLength"), f"{bw}.byteLength")
    if offset + length > len(data.buffers[buf_i]):
        raise data.fail(bw, f"range {offset}+{length} exceeds buffer {buf_i} "
                            f"({len(data.buffers[buf_i])} bytes)")
    stride = bv.get("byteStride")
    if stride is not None:
        stride = as_int(data, stride, f"{bw}.byteStride", 4, 252)
    return memoryview(data.buffers[buf_i])[offset: offset + length], stride


def read_accessor(data: GltfData, index: Any, where: str, float_out: bool = True) -> np.ndarray:
    """Accessor ``index`` as an (count, components) array (float64 unless ``float_out`` is
    False), with normalization, sparse substitution, bounds and NaN checks."""
    acc = data.get("accessors", index, where)
    aw = f"accessors[{index}]"
    ctype = acc.get("componentType")
    if ctype not in DTYPES:
        raise data.fail(f"{aw}.componentType", f"unknown component type {ctype!r}")
    kind = acc.get("type")
    if kind not in COMPONENTS:
        raise data.fail(f"{aw}.type", f"unknown accessor type {kind!r}")
    count = as_int(data, acc.get("count"), f"{aw}.count", 0, LIMITS["accessor_count"])
    dtype = np.dtype(DTYPES[ctype]).newbyteorder("<")
    ncomp = COMPONENTS[kind]
    elem = ncomp * dtype.itemsize
    if kind.startswith("MAT") and dtype.itemsize < 4:
        raise data.fail(aw, "byte/short matrices are not supported")
    if acc.get("bufferView") is None:
        arr = np.zeros((count, ncomp), dtype)
    else:
        view, stride = buffer_view_bytes(data, acc["bufferView"], f"{aw}.bufferView")
        offset = as_int(data, acc.get("byteOffset", 0), f"{aw}.byteOffset")
        step = stride or elem
        need = offset + step * (count - 1) + elem if count else 0
        if need > len(view):
            raise data.fail(aw, f"{count} x {kind} needs {need} bytes, buffer view has "
                                f"{len(view)}")
        arr = np.ndarray((count, ncomp), dtype, buffer=view, offset=offset,
                         strides=(step, dtype.itemsize)).copy() if count else \
            np.zeros((0, ncomp), dtype)
    if "sparse" in acc:
        arr = _apply_sparse(data, acc["sparse"], arr, aw)
    if not float_out:
        return arr
    out = arr.astype(np.float64)
    scalar = dtype.type
    if acc.get("normalized") and issubclass(scalar, np.integer):
        info = np.iinfo(scalar)
        out = np.maximum(out / info.max, -1.0)
    if not np.all(np.isfinite(out)):
        raise data.fail(aw, "contains NaN or infinite values")
    return out


def _apply_sparse(data: GltfData, sparse: Any, arr: np.ndarray, aw: str) -> np.ndarray:
    if not isinstance(sparse, dict):
        raise data.fail(f"{aw}.sparse", "expected an object")
    n = as_int(data, sparse.get("count"), f"{aw}.sparse.count", 1, max(len(arr), 1))
    idx_spec, val_spec = sparse.get("indices"), sparse.get("values")
    if not isinstance(idx_spec, dict) or not isinstance(val_spec, dict):
        raise data.fail(f"{aw}.sparse", "needs indices and values objects")
    ictype = idx_spec.get("componentType")
    if ictype not in (5121, 5123, 5125):
        raise data.fail(f"{aw}.sparse.indices.componentType", f"invalid {ictype!r}")
    parts = []
    for spec, dtype, width, name in ((idx_spec, np.dtype(DTYPES[ictype]), 1, "indices"),
                                     (val_spec, arr.dtype, arr.shape[1], "values")):
        view, _ = buffer_view_bytes(data, spec.get("bufferView"), f"{aw}.sparse.{name}")
        off = as_int(data, spec.get("byteOffset", 0), f"{aw}.sparse.{name}.byteOffset")
        size = n * width * dtype.itemsize
        if off + size > len(view):
            raise data.fail(f"{aw}.sparse.{name}", "runs past its buffer view")
        parts.append(np.frombuffer(view, dtype.newbyteorder("<"), n * width, off))
    idx = parts[0].astype(np.int64)
    if idx.size and (idx.max() >= len(arr)):
        raise data.fail(f"{aw}.sparse.indices", f"index {int(idx.max())} >= count {len(arr)}")
    arr = arr.copy()
    arr[idx] = parts[1].reshape(n, arr.shape[1])
    return arr


def read_image(data: GltfData, index: Any, where: str) -> np.ndarray | None:
    """Decode image ``index`` to (H, W, 4) uint8 RGBA; None (with a warning) if unusable."""
    from PIL import Image

    try:
        img = data.get("images", index, where)
        if img.get("bufferView") is not None:
            raw = bytes(buffer_view_bytes(data, img["bufferView"], f"images[{index}]")[0])
        else:
            raw = read_uri(data, img.get("uri"), f"images[{index}]")
        with Image.open(io.BytesIO(raw)) as im:
            w, h = im.size
            if w * h > LIMITS["image_pixels"]:
                raise data.fail(f"images[{index}]", f"{w}x{h} image is too large")
            return np.asarray(im.convert("RGBA"), np.uint8).copy()
    except (AvatarError, OSError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("%s: texture %s unusable, using the base colour: %s", data.path.name,
                    index, exc)
        return None
