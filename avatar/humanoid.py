"""Humanoid bone map for any rig: VRM metadata > name conventions > skeleton heuristics.

``map_humanoid`` returns the map (humanoid bone → joint index) and, per bone, which route
found it (``"vrm"``, ``"name"`` or ``"heuristic"``), so ``vhuman avatar inspect`` can show
how much of a rig was understood. Name conventions cover Mixamo (``mixamorig:LeftUpLeg``),
Unity/Unreal (``thigh_l``, ``spine_02``), Blender (``upper_arm.L``, ``DEF-``), VRoid
(``J_Bip_L_UpperArm``) and plain VRM names.
"""

from __future__ import annotations

import re

import numpy as np

from vhuman.animation.skeleton import Skeleton
from vhuman.animation.vocabulary import HUMANOID_BONES

_PREFIXES = {"mixamorig", "j", "bip", "adj", "def", "org", "mch", "cc", "base", "armature",
             "bip01", "b", "c", "sec", "bone", "rig"}
_SIDED = {
    "Shoulder": {"shoulder", "clavicle", "collar", "collarbone"},
    "UpperArm": {"upperarm", "arm", "uparm"},
    "LowerArm": {"lowerarm", "forearm", "elbow", "lowarm"},
    "Hand": {"hand", "wrist", "palm", "palm1", "palm2"},
    "UpperLeg": {"upleg", "upperleg", "thigh"},
    "LowerLeg": {"leg", "lowerleg", "calf", "shin", "knee", "lowleg"},
    "Foot": {"foot", "ankle"},
    "Toes": {"toe", "toes", "toebase", "ball"},
    "Eye": {"eye", "faceeye"},
}
_CENTER = {"hips": {"hips", "pelvis", "hip", "cog", "centerofgravity"},
           "neck": {"neck", "neck01", "neck1", "neck0"},
           "head": {"head", "head01", "head1"}, "jaw": {"jaw", "jawbone", "mandible", "chin"},
           "spine": {"abdomen", "abdomen1", "belly", "waist", "lowerback", "lowerspine",
                     "stomach"},
           "chest": {"chest", "torso", "torso1", "ribcage", "thorax", "upperback",
                     "upperbody", "breast"},
           "upperChest": {"upperchest", "chest2", "upperchest1", "chestupper"}}
_SPINE = re.compile(r"^spine(\d*)$")


def _tokens(name: str) -> tuple[str | None, str]:
    """(side or None, normalized remainder) of a joint name."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    toks = [t.lower() for t in re.split(r"[^A-Za-z0-9]+", name) if t]
    while len(toks) > 1 and (toks[0] in _PREFIXES or re.fullmatch(r"mixamorig\d*", toks[0])):
        toks = toks[1:]
    side = None
    rest = []
    for t in toks:
        if t in ("left", "l") and side is None:
            side = "left"
        elif t in ("right", "r") and side is None:
            side = "right"
        else:
            rest.append(t)
    return side, "".join(rest)


def _depth(parents: np.ndarray, j: int) -> int:
    d = 0
    while parents[j] >= 0:
        j, d = int(parents[j]), d + 1
    return d


def map_by_name(skeleton: Skeleton, candidates: set[int] | None = None) -> dict[str, int]:
    """Humanoid bones recognised from joint names alone (among ``candidates``: all joints
    when None)."""
    found: dict[str, int] = {}
    spine: list[tuple[int, int, int]] = []  # (depth, number, joint)
    for j, raw in enumerate(skeleton.names):
        if candidates is not None and j not in candidates:
            continue
        if raw in HUMANOID_BONES:
            found.setdefault(raw, j)
            continue
        side, key = _tokens(raw)
        if side is not None:
            for bone, words in _SIDED.items():
                if key in words:
                    found.setdefault(side + bone, j)
        else:
            for bone, words in _CENTER.items():
                if key in words:
                    found.setdefault(bone, j)
            m = _SPINE.match(key)
            if m:
                spine.append((_depth(skeleton.parents, j), int(m.group(1) or 0), j))
    spine = [s for s in sorted(spine) if "hips" not in found or s[2] != found["hips"]]
    chain = [j for _, _, j in spine]
    if chain and "hips" not in found and len(chain) >= 2:
        found["hips"] = chain.pop(0)  # Blender metarig: the first "spine" is the pelvis
    slots = ["spine", "chest", "upperChest"]
    if len(chain) > 3:  # long spines: keep the first, middle and last segment
        chain = [chain[0], chain[len(chain) // 2], chain[-1]]
    for bone, j in zip(slots, chain, strict=False):
        found.setdefault(bone, j)
    return {b: j for b, j in found.items() if b in HUMANOID_BONES}


def map_by_heuristics(skeleton: Skeleton, world_pos: np.ndarray,
                      candidates: set[int] | None = None) -> dict[str, int]:
    """Humanoid bones from the shape of the skeleton (for rigs with meaningless names).

    Hips: the joint whose children branch into two downward chains (legs) and one upward
    chain (spine); the spine climbs to the first joint with three branches (arms + neck).
    """
    parents = skeleton.parents
    children: dict[int, list[int]] = {j: [] for j in range(len(parents))}
    for j, p in enumerate(parents.tolist()):
        if p >= 0 and (candidates is None or j in candidates):
            children[p].append(j)

    def chain(j: int, n: int) -> list[int]:
        out = [j]
        while len(out) < n and children[out[-1]]:
            out.append(max(children[out[-1]], key=lambda c: _subtree(c)))
        return out

    sizes: dict[int, int] = {}

    def _subtree(j: int) -> int:
        if j not in sizes:
            sizes[j] = 1 + sum(_subtree(c) for c in children[j])
        return sizes[j]

    height = float(np.ptp(world_pos[:, 1])) if len(world_pos) else 0.0
    if height <= 0:
        return {}
    found: dict[str, int] = {}
    for j in sorted(range(len(parents)), key=lambda k: -_subtree(k)):
        kids = [c for c in children[j] if _subtree(c) >= 3]
        down = [c for c in kids if world_pos[chain(c, 3)[-1], 1] < world_pos[j, 1] - 0.2 * height]
        up = [c for c in kids if world_pos[chain(c, 3)[-1], 1] > world_pos[j, 1]]
        if len(down) == 2 and up:
            found["hips"] = j
            for c in down:
                side = "left" if world_pos[c, 0] > world_pos[j, 0] else "right"
                for bone, k in zip(("UpperLeg", "LowerLeg", "Foot", "Toes"), chain(c, 4), strict=False):
                    found[side + bone] = k
            node: int | None = max(up, key=_subtree)
            spine: list[int] = []
            while node is not None and len([c for c in children[node] if _subtree(c) >= 2]) < 3:
                spine.append(node)
                node = max(children[node], key=_subtree) if children[node] else None
            if node is None:
                break
            spine.append(node)
            for bone, k in zip(("spine", "chest", "upperChest"), spine[:3], strict=False):
                found[bone] = k
            branches = [c for c in children[node] if _subtree(c) >= 2]
            neck = max(branches, key=lambda c: world_pos[c, 1])
            found["neck"] = neck
            if children[neck]:
                found["head"] = max(children[neck], key=_subtree)
            for c in branches:
                if c == neck:
                    continue
                side = "left" if world_pos[c, 0] > world_pos[node, 0] else "right"
                arm = chain(c, 4)
                names = ("Shoulder", "UpperArm", "LowerArm", "Hand")[4 - len(arm):] \
                    if len(arm) < 4 else ("Shoulder", "UpperArm", "LowerArm", "Hand")
                for bone, k in zip(names, arm, strict=False):
                    found[side + bone] = k
            break
    return found


def skeleton_joints(parents: np.ndarray, skin_joints: set[int]) -> set[int]:
    """The joints that can be humanoid bones: those a skin lists, and their ancestors (a
    mesh container or an IK target outside the skin is not a bone)."""
    out: set[int] = set()
    for j in skin_joints:
        while j >= 0 and j not in out:
            out.add(j)
            j = int(parents[j])
    return out


def map_humanoid(skeleton: Skeleton, world_pos: np.ndarray, vrm: dict[str, int] | None = None,
                 candidates: set[int] | None = None) -> tuple[dict[str, int], dict[str, str]]:
    """(bone -> joint, bone -> route) merging VRM metadata, names, then heuristics.

    ``candidates`` (see :func:`skeleton_joints`) limits the name and shape routes to real
    skeleton joints; VRM metadata is trusted as given. A route reads e.g. ``name: Torso_1``.
    """
    result: dict[str, int] = {}
    source: dict[str, str] = {}
    routes = [("vrm", {b: j for b, j in (vrm or {}).items() if b in HUMANOID_BONES}),
              ("name", map_by_name(skeleton, candidates))]
    for route, table in routes:
        for bone, j in table.items():
            if bone not in result and j not in result.values():
                result[bone], source[bone] = j, route
    if "hips" not in result or len(result) < 10:
        for bone, j in map_by_heuristics(skeleton, world_pos, candidates).items():
            if bone not in result and j not in result.values():
                result[bone], source[bone] = j, "heuristic"
    order = {b: i for i, b in enumerate(HUMANOID_BONES)}
    result = dict(sorted(result.items(), key=lambda kv: order[kv[0]]))
    return result, {b: source[b] for b in result}
