"""VRM 0.x (``VRM``) and VRM 1.0 (``VRMC_vrm``) metadata: humanoid, expressions, look-at.

Expressions are normalised to VRM 1.0 preset names (VRM 0.x ``a/i/u/e/o`` become
``aa/ih/ou/ee/oh``, ``joy`` → ``happy``, ``sorrow`` → ``sad``, ``fun`` → ``relaxed``,
``blink_l`` → ``blinkLeft``...) and their morph binds are resolved to mesh parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from avatar.gltf_mesh import MorphLookup
from avatar.gltf_read import GltfData

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
            if binds:
                info.expressions[str(name)] = binds
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
        if binds and name not in info.expressions:
            info.expressions[name] = binds
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
