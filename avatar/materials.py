"""glTF materials -> :class:`Material`: PBR base colour, alpha, and the extensions avatars use.

- ``KHR_texture_transform`` on the base colour texture (offset, scale, rotation: atlases),
- ``KHR_materials_unlit`` (flat colour, as toon and VRM avatars are authored),
- ``KHR_materials_emissive_strength`` (folded into the emissive colour),
- ``VRMC_materials_mtoon`` (VRM 1.0) and VRM 0.x ``materialProperties`` MToon: shade colour,
  shading shift/toony, rim, outline and UV animation for the renderer's approximation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vhuman.avatar.character import Material, MToon
from vhuman.avatar.gltf_read import GltfData, as_floats, read_image


def _num(value: Any, default: float = 1.0) -> float:
    return float(value) if isinstance(value, (int, float)) and np.isfinite(value) else default


def _vec(value: Any, n: int, default: tuple[float, ...]) -> tuple[float, ...]:
    if isinstance(value, list) and len(value) >= n and all(isinstance(v, (int, float))
                                                           for v in value[:n]):
        return tuple(float(v) for v in value[:n])
    return default


def texture_transform(ref: Any) -> tuple[float, ...]:
    """(offset u, offset v, scale u, scale v, rotation) of a texture reference's
    ``KHR_texture_transform`` (identity without one)."""
    ext = (ref.get("extensions") or {}) if isinstance(ref, dict) else {}
    tt = ext.get("KHR_texture_transform") if isinstance(ext, dict) else None
    if not isinstance(tt, dict):
        return (0.0, 0.0, 1.0, 1.0, 0.0)
    off = _vec(tt.get("offset"), 2, (0.0, 0.0))
    scale = _vec(tt.get("scale"), 2, (1.0, 1.0))
    return (off[0], off[1], scale[0], scale[1], _num(tt.get("rotation"), 0.0))


def uv_matrix(transform: tuple[float, ...]) -> np.ndarray:
    """The 3x3 UV matrix of a texture transform: translation · rotation · scale (glTF)."""
    ou, ov, su, sv, rot = transform
    c, s = np.cos(rot), np.sin(rot)
    t = np.array([[1.0, 0.0, ou], [0.0, 1.0, ov], [0.0, 0.0, 1.0]])
    r = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    k = np.diag([su, sv, 1.0])
    return t @ r @ k


def _texture(data: GltfData, ref: Any, where: str) -> np.ndarray | None:
    if not isinstance(ref, dict) or "index" not in ref:
        return None
    tex = data.get("textures", ref["index"], where)
    source = tex.get("source")
    ext = tex.get("extensions") or {}
    for alt in ext.values() if isinstance(ext, dict) and source is None else []:
        source = alt.get("source") if isinstance(alt, dict) else None
    if source is None:
        return None
    return read_image(data, source, f"textures[{ref['index']}].source")


def _mtoon(ext: dict[str, Any]) -> MToon:
    """VRM 1.0 ``VRMC_materials_mtoon`` parameters."""
    width_mode = ext.get("outlineWidthMode", "none")
    return MToon(
        shade_color=_vec(ext.get("shadeColorFactor"), 3, (0.0, 0.0, 0.0)),  # type: ignore[arg-type]
        shading_shift=_num(ext.get("shadingShiftFactor"), 0.0),
        shading_toony=_num(ext.get("shadingToonyFactor"), 0.9),
        rim_color=_vec(ext.get("parametricRimColorFactor"), 3, (0.0, 0.0, 0.0)),  # type: ignore[arg-type]
        rim_power=_num(ext.get("parametricRimFresnelPowerFactor"), 5.0),
        rim_lift=_num(ext.get("parametricRimLiftFactor"), 0.0),
        outline_width=_num(ext.get("outlineWidthFactor"), 0.0) if width_mode != "none" else 0.0,
        outline_color=_vec(ext.get("outlineColorFactor"), 3, (0.0, 0.0, 0.0)),  # type: ignore[arg-type]
        uv_scroll=(_num(ext.get("uvAnimationScrollXSpeedFactor"), 0.0),
                   _num(ext.get("uvAnimationScrollYSpeedFactor"), 0.0)),
        uv_rotation=_num(ext.get("uvAnimationRotationSpeedFactor"), 0.0),
    )


def _mtoon0(props: dict[str, Any]) -> MToon:
    """VRM 0.x ``materialProperties`` (floatProperties / vectorProperties) MToon."""
    f = props.get("floatProperties") or {}
    v = props.get("vectorProperties") or {}
    f = f if isinstance(f, dict) else {}
    v = v if isinstance(v, dict) else {}
    toony = _num(f.get("_ShadeToony"), 0.9)
    shift = _num(f.get("_ShadeShift"), 0.0)
    return MToon(
        shade_color=_vec(v.get("_ShadeColor"), 3, (0.0, 0.0, 0.0)),  # type: ignore[arg-type]
        shading_shift=shift,
        shading_toony=toony,
        rim_color=_vec(v.get("_RimColor"), 3, (0.0, 0.0, 0.0)),  # type: ignore[arg-type]
        rim_power=_num(f.get("_RimFresnelPower"), 5.0),
        rim_lift=_num(f.get("_RimLift"), 0.0),
        outline_width=_num(f.get("_OutlineWidth"), 0.0) * 0.01,
        outline_color=_vec(v.get("_OutlineColor"), 3, (0.0, 0.0, 0.0)),  # type: ignore[arg-type]
        uv_scroll=(_num(f.get("_UvAnimScrollX"), 0.0), -_num(f.get("_UvAnimScrollY"), 0.0)),
        uv_rotation=_num(f.get("_UvAnimRotation"), 0.0),
    )


def read_materials(data: GltfData) -> list[Material]:
    """Every material of the document (see the module docstring)."""
    vrm0 = ((data.doc.get("extensions") or {}).get("VRM") or {}) if isinstance(
        data.doc.get("extensions"), dict) else {}
    props0 = vrm0.get("materialProperties") if isinstance(vrm0, dict) else None
    props0 = props0 if isinstance(props0, list) else []
    out = []
    for i, _ in enumerate(data.items("materials")):
        mat = data.get("materials", i, "materials")
        pbr = mat.get("pbrMetallicRoughness") or {}
        where = f"materials[{i}]"
        color = pbr.get("baseColorFactor", [1.0, 1.0, 1.0, 1.0])
        rgba = np.clip(as_floats(data, color, f"{where}.baseColorFactor", 4), 0, 1)
        tex_ref = pbr.get("baseColorTexture")
        texture = _texture(data, tex_ref, f"{where}.baseColorTexture")
        mode = mat.get("alphaMode", "OPAQUE")
        if mode not in ("OPAQUE", "MASK", "BLEND"):
            raise data.fail(f"{where}.alphaMode", f"unknown alpha mode {mode!r}")
        exts = mat.get("extensions") or {}
        exts = exts if isinstance(exts, dict) else {}
        emissive = as_floats(data, mat.get("emissiveFactor", [0, 0, 0]), f"{where}.emissive", 3)
        strength = exts.get("KHR_materials_emissive_strength")
        if isinstance(strength, dict):
            emissive = emissive * max(_num(strength.get("emissiveStrength"), 1.0), 0.0)
        toon = None
        if isinstance(exts.get("VRMC_materials_mtoon"), dict):
            toon = _mtoon(exts["VRMC_materials_mtoon"])
        else:
            name = mat.get("name")
            for p in props0:
                if isinstance(p, dict) and p.get("name") == name and "MToon" in str(
                        p.get("shader", "")):
                    toon = _mtoon0(p)
        cutoff = mat.get("alphaCutoff", 0.5)
        out.append(Material(
            name=str(mat.get("name", f"material{i}")),
            base_color=(float(rgba[0]), float(rgba[1]), float(rgba[2]), float(rgba[3])),
            texture=texture, alpha_mode=mode,
            alpha_cutoff=float(cutoff) if isinstance(cutoff, (int, float)) else 0.5,
            double_sided=bool(mat.get("doubleSided", False)),
            metallic=float(np.clip(_num(pbr.get("metallicFactor", 1.0)), 0, 1)),
            roughness=float(np.clip(_num(pbr.get("roughnessFactor", 1.0)), 0, 1)),
            emissive=(float(emissive[0]), float(emissive[1]), float(emissive[2])),
            uv_transform=texture_transform(tex_ref),
            unlit=isinstance(exts.get("KHR_materials_unlit"), dict),
            toon=toon,
        ))
    return out
