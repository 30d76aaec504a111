"""VRM 0.x (``VRM``) and VRM 1.0 (``VRMC_vrm``) metadata: humanoid, expressions, look-at.

Expressions are normalised to VRM 1.0 preset names (VRM 0.x ``a/i/u/e/o`` become
``aa/ih/ou/ee/oh``, ``joy`` → ``happy``, ``sorrow`` → ``sad``, ``fun`` → ``relaxed``,
``blink_l`` → ``blinkLeft``...) and their morph binds are resolved to mesh parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from vhuman.avatar.character import MaterialBind, ShapeBinding
from vhuman.avatar.gltf_mesh import MorphLookup
from vhuman.avatar.gltf_read import GltfData

log = logging.getLogger(__name__)

VRM0_PRESETS = {"a": "aa", "i": "ih", "u": "ou", "e": "ee", "o": "oh", "joy": "happy",
                "angry": "angry", "sorrow": "sad", "fun": "relaxed", "surprised": "surprised",
                "blink": "blink", "blink_l": "blinkLeft", "blink_r": "blinkRight",
                "neutral": "neutral", "lookup": "lookUp", "lookdown": "lookDown",
                "lookleft": "lookLeft", "lookright": "lookRight"}
VRM0_BONE_RENAMES = {"leftThumbIntermediate": "leftThumbProximal",
                     "rightThumbIntermediate": "rightThumbProximal"}

Binds = list[tuple[int, int, float]]


@dataclass
class VrmInfo:
    """What the VRM extension says; empty for plain glTF (``format`` = ``"gltf"``)."""

    format: str = "gltf"  # gltf | vrm0 | vrm1
    humanoid: dict[str, int] = field(default_factory=dict)  # bone -> joint index
    expressions: dict[str, Binds] = field(default_factory=dict)  # name -> (part, morph, w)
    # name -> material binds and binary/override rules (morphs stay in ``expressions``)
    rules: dict[str, ShapeBinding] = field(default_factory=dict)
    look_at: dict[str, Any] = field(default_factory=dict)
    first_person: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def read_vrm(data: GltfData, joint_of: dict[int, int], lookup: MorphLookup) -> VrmInfo:
    """Parse the VRM extension of ``data`` (tolerant: malformed entries are skipped, logged)."""
    exts = data.doc.get("extensions")
    if not isinstance(exts, dict):
        return VrmInfo()
    if isinstance(exts.get("VRMC_vrm"), dict):
        return _vrm1(data, exts["VRMC_vrm"], joint_of, lookup)
    if isinstance(exts.get("VRM"), dict):
        return _vrm0(data, exts["VRM"], joint_of, lookup)
    return VrmInfo()


def _joint(joint_of: dict[int, int], node: Any) -> int | None:
    if isinstance(node, int) and not isinstance(node, bool) and node in joint_of:
        return joint_of[node]
    return None


def _vrm1(data: GltfData, ext: dict, joint_of: dict[int, int], lookup: MorphLookup) -> VrmInfo:
    info = VrmInfo(format="vrm1")
    bones = (ext.get("humanoid") or {}).get("humanBones") or {}
    if isinstance(bones, dict):
        for bone, spec in bones.items():
            j = _joint(joint_of, spec.get("node") if isinstance(spec, dict) else None)
            if j is None:
                log.warning("%s: VRMC_vrm humanBones.%s has no valid node", data.path.name, bone)
                continue
            info.humanoid[str(bone)] = j
    exprs = ext.get("expressions") or {}
    for group in ("preset", "custom"):
        table = exprs.get(group) if isinstance(exprs, dict) else None
        for name, spec in (table.items() if isinstance(table, dict) else []):
            binds: Binds = []
            raw = spec.get("morphTargetBinds", []) if isinstance(spec, dict) else []
            for b in raw if isinstance(raw, list) else []:
                if not isinstance(b, dict):
                    continue
                weight = b.get("weight", 1.0)
                key = (b.get("node"), b.get("index"))
                for part, morph in lookup.get(key, []):  # type: ignore[arg-type]
                    binds.append((part, morph, float(weight) if isinstance(weight, (int, float))
                                  else 1.0))
            rules = _rules1(spec) if isinstance(spec, dict) else ShapeBinding()
            if binds or rules.materials or rules.has_rules:
                info.expressions[str(name)] = binds
                info.rules[str(name)] = rules
    look_at = ext.get("lookAt")
    info.look_at = look_at if isinstance(look_at, dict) else {}
    first_person = ext.get("firstPerson")
    info.first_person = first_person if isinstance(first_person, dict) else {}
    meta = ext.get("meta")
    info.meta = {"spec": str(ext.get("specVersion", "1.0")),
                 **({k: meta[k] for k in ("name", "version", "authors", "licenseUrl")
                     if k in meta} if isinstance(meta, dict) else {})}
    return info


def _vrm0(data: GltfData, ext: dict, joint_of: dict[int, int], lookup: MorphLookup) -> VrmInfo:
    info = VrmInfo(format="vrm0")
    bones = (ext.get("humanoid") or {}).get("humanBones") or []
    for spec in bones if isinstance(bones, list) else []:
        if not isinstance(spec, dict):
            continue
        j = _joint(joint_of, spec.get("node"))
        bone = spec.get("bone")
        if j is None or not isinstance(bone, str):
            continue
        info.humanoid[VRM0_BONE_RENAMES.get(bone, bone)] = j
    # VRM 0.x binds by *mesh* index; map mesh -> the nodes that instance it.
    mesh_nodes: dict[int, list[int]] = {}
    for n, node in enumerate(data.items("nodes")):
        if isinstance(node, dict) and isinstance(node.get("mesh"), int):
            mesh_nodes.setdefault(node["mesh"], []).append(n)
    groups = (ext.get("blendShapeMaster") or {}).get("blendShapeGroups") or []
    for g in groups if isinstance(groups, list) else []:
        if not isinstance(g, dict):
            continue
        preset = str(g.get("presetName", "unknown")).lower()
        name = VRM0_PRESETS.get(preset) or str(g.get("name", preset))
        binds: Binds = []
        for b in g.get("binds", []) if isinstance(g.get("binds"), list) else []:
            if not isinstance(b, dict):
                continue
            weight = b.get("weight", 100.0)
            w = float(weight) / 100.0 if isinstance(weight, (int, float)) else 1.0
            for node in mesh_nodes.get(b.get("mesh"), []):  # type: ignore[arg-type]
                for part, morph in lookup.get((node, b.get("index")), []):  # type: ignore
                    binds.append((part, morph, w))
        rules = _rules0(g, data)
        if (binds or rules.materials or rules.has_rules) and name not in info.expressions:
            info.expressions[name] = binds
            info.rules[name] = rules
    first_person = ext.get("firstPerson")
    fp: dict[str, Any] = first_person if isinstance(first_person, dict) else {}
    info.first_person = fp
    info.look_at = {"type": str(fp.get("lookAtTypeName", "Bone")).lower(),
                    "offsetFromHeadBone": _vec(fp.get("firstPersonBoneOffset"))}
    meta = ext.get("meta")
    info.meta = {"spec": "0.x", **({k: meta[k] for k in ("title", "version", "author")
                                    if k in meta} if isinstance(meta, dict) else {})}
    return info


def _vec(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [float(value.get(k, 0.0)) if isinstance(value.get(k, 0.0), (int, float))
                else 0.0 for k in ("x", "y", "z")]
    return [0.0, 0.0, 0.0]


_OVERRIDES = ("none", "block", "blend")
_COLOR_KINDS = ("color", "emissionColor", "shadeColor", "rimColor", "outlineColor",
                "matcapColor")
# VRM 0.x material property -> VRM 1.0 colour kind
_VRM0_COLORS = {"_Color": "color", "_EmissionColor": "emissionColor", "_ShadeColor": "shadeColor",
                "_RimColor": "rimColor", "_OutlineColor": "outlineColor"}


def _floats(value: Any, n: int) -> list[float] | None:
    if isinstance(value, list) and len(value) >= n and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value[:n]):
        return [float(v) for v in value[:n]]
    return None


def _rules1(spec: dict[str, Any]) -> ShapeBinding:
    """VRM 1.0 expression: materialColorBinds, textureTransformBinds, isBinary, overrides."""
    out = ShapeBinding(is_binary=bool(spec.get("isBinary", False)))
    for key in ("overrideBlink", "overrideLookAt", "overrideMouth"):
        value = spec.get(key, "none")
        attr = {"overrideBlink": "override_blink", "overrideLookAt": "override_look_at",
                "overrideMouth": "override_mouth"}[key]
        setattr(out, attr, value if value in _OVERRIDES else "none")
    for b in spec.get("materialColorBinds") or []:
        if not isinstance(b, dict) or not isinstance(b.get("material"), int):
            continue
        target = _floats(b.get("targetValue"), 3)
        kind = b.get("type")
        if target is None or kind not in _COLOR_KINDS:
            continue
        rgba = (target + [1.0])[:4]
        out.materials.append(MaterialBind(b["material"], str(kind), tuple(rgba)))  # type: ignore[arg-type]
    for b in spec.get("textureTransformBinds") or []:
        if not isinstance(b, dict) or not isinstance(b.get("material"), int):
            continue
        scale = _floats(b.get("scale", [1.0, 1.0]), 2) or [1.0, 1.0]
        offset = _floats(b.get("offset", [0.0, 0.0]), 2) or [0.0, 0.0]
        out.materials.append(MaterialBind(b["material"], "uv", (offset[0], offset[1],
                                                                 scale[0], scale[1])))
    return out


def _rules0(group: dict[str, Any], data: GltfData) -> ShapeBinding:
    """VRM 0.x blendShapeGroup: materialValues (by material name) and isBinary."""
    out = ShapeBinding(is_binary=bool(group.get("isBinary", False)))
    names = {m.get("name"): i for i, m in enumerate(data.items("materials"))
             if isinstance(m, dict)}
    for v in group.get("materialValues") or []:
        if not isinstance(v, dict) or v.get("materialName") not in names:
            continue
        target = _floats(v.get("targetValue"), 4)
        prop = str(v.get("propertyName", ""))
        if target is None:
            continue
        material = names[v["materialName"]]
        if prop in _VRM0_COLORS:
            out.materials.append(MaterialBind(material, _VRM0_COLORS[prop], tuple(target)))  # type: ignore[arg-type]
        elif prop == "_MainTex_ST":  # Unity (scale u, v, offset u, v), V from the bottom
            su, sv, ou, ov = target
            out.materials.append(MaterialBind(material, "uv", (ou, 1.0 - ov - sv, su, sv)))
    return out
