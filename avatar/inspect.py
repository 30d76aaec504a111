"""``vhuman avatar inspect``: what the loader understood of an avatar, and a turnaround sheet.

``inspect_avatar(path)`` loads the file and summarises it (:class:`AvatarReport`, printable
with ``to_text()``); ``contact_sheet(character, out_png)`` renders the rest pose from
``views`` angles around the character side by side into one PNG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from vhuman.animation.vocabulary import (
    EXPRESSION_SHAPES,
    HUMANOID_BONES,
    VISEMES,
    viseme_shape_name,
)
from vhuman.avatar.character import Character
from vhuman.avatar.diagnose import avatar_warnings, moves
from vhuman.avatar.loader import load_avatar


@dataclass
class AvatarReport:
    """Summary of a loaded avatar (counts, maps found, and what is missing)."""

    name: str
    source: str
    format: str
    triangles: int
    vertices: int
    meshes: int
    materials: int
    joints: int  # scene nodes (every node is a joint of the engine's skeleton)
    height_m: float
    skin_joints: int = 0  # joints that skins list (the real skeleton)
    facing: str = ""
    turned: bool = False
    tpose: dict[str, float] = field(default_factory=dict)  # limb -> degrees turned
    bind: dict[str, float] = field(default_factory=dict)  # bone -> degrees back to bind pose
    bones: dict[str, str] = field(default_factory=dict)  # humanoid bone -> "joint (route)"
    missing_bones: list[str] = field(default_factory=list)
    visemes: dict[str, str] = field(default_factory=dict)  # viseme -> route
    expressions: dict[str, str] = field(default_factory=dict)
    morph_targets: int = 0
    material_features: dict[str, int] = field(default_factory=dict)  # feature -> materials
    clips: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what could not be resolved

    def to_text(self) -> str:
        """A human-readable multi-line summary."""
        lines = [
            f"{self.name} ({self.format}) from {self.source}",
            f"  geometry: {self.triangles} triangles, {self.vertices} vertices, "
            f"{self.meshes} mesh parts, {self.materials} materials, height {self.height_m:.2f} m",
            f"  skeleton: {self.skin_joints} skin joints of {self.joints} nodes, humanoid bones "
            f"{len(self.bones)}/{len(HUMANOID_BONES)}",
            f"  facing: {self.facing}" + (" -> turned to face the camera" if self.turned else ""),
        ]
        if self.bind:
            named = [b for b in self.bind if b in HUMANOID_BONES]
            others = len(self.bind) - len(named)
            lines.append("  rest pose turned back to the skin's bind pose: " + ", ".join(
                f"{b} {self.bind[b]:.0f} deg" for b in named)
                + (f" (and {others} other joints)" if others else ""))
        if self.tpose:
            lines.append("  rest pose turned into the T-pose: " + ", ".join(
                f"{b} {d:.0f} deg" for b, d in self.tpose.items()))
        lines += [f"    {b:<14} {j}" for b, j in self.bones.items()]
        if self.missing_bones:
            lines.append(f"    missing: {', '.join(self.missing_bones)}")
        if self.material_features:
            lines.append("  materials: " + ", ".join(
                f"{k} x{n}" for k, n in self.material_features.items()))
        lines.append(f"  morph targets: {self.morph_targets}")
        lines.append(f"  visemes {len(self.visemes)}/{len(VISEMES)}: "
                     + ", ".join(f"{v}({r})" for v, r in self.visemes.items()))
        lines.append(f"  expressions {len(self.expressions)}/{len(EXPRESSION_SHAPES)}: "
                     + ", ".join(f"{e}({r})" for e, r in self.expressions.items()))
        lines.append(f"  clips: {', '.join(self.clips) if self.clips else 'none'}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def report_for(character: Character) -> AvatarReport:
    """Build the report of an already loaded character."""
    sk = character.skeleton
    routes = character.meta.get("humanoid_source", {})
    shape_routes = character.meta.get("shape_source", {})
    from vhuman.avatar.rest_pose import mesh_points, rest_pose
    from vhuman.avatar.rig_detached import detached_bones

    rp = rest_pose(character)
    warnings = avatar_warnings(character)
    character.meta["_warned"] = True  # the report says them; the rig need not log them again
    detached = detached_bones(sk.humanoid, np.asarray(sk.parents))

    def route(bone: str) -> str:
        text = routes.get(bone, "?")
        if bone in detached:
            text += f"; IK target, follows {detached[bone]}"
        return text

    visemes = {v.value: shape_routes.get(viseme_shape_name(v), "?") for v in VISEMES
               if moves(character, viseme_shape_name(v))}
    if visemes and "sil" not in visemes:  # the neutral mouth: the others at rest
        visemes = {"sil": "neutral", **visemes}
    return AvatarReport(
        name=character.name, source=str(character.source or "built-in"),
        format=character.format, triangles=character.num_triangles,
        vertices=character.num_vertices, meshes=len(character.meshes),
        materials=len(character.materials), joints=sk.num_joints,
        skin_joints=int(character.meta.get("skin_joints", sk.num_joints)),
        facing=rp.facing.label, turned=rp.facing.turned, tpose=dict(rp.corrections),
        bind=dict(rp.bind_corrections), warnings=warnings,
        height_m=float(np.ptp(mesh_points(character, rp.world)[:, 1])),
        bones={b: f"{sk.names[j]} ({route(b)})" for b, j in sk.humanoid.items()},
        missing_bones=[b for b in HUMANOID_BONES if b not in sk.humanoid],
        visemes=visemes,
        expressions={e: shape_routes.get(e, "?") for e in EXPRESSION_SHAPES
                     if moves(character, e)},
        morph_targets=len({n for m in character.meshes for n in m.morph_names}),
        material_features=_material_features(character),
        clips=[f"{c.name} ({c.duration:.2f} s)" for c in character.clips],
    )


def _material_features(character: Character) -> dict[str, int]:
    """How many materials use each extension the renderer honours."""
    counts = {
        "MToon": sum(m.toon is not None for m in character.materials),
        "MToon UV animation": sum(m.toon is not None and (m.toon.uv_scroll != (0.0, 0.0)
                                                          or m.toon.uv_rotation != 0.0)
                                  for m in character.materials),
        "unlit": sum(m.unlit for m in character.materials),
        "texture transform": sum(tuple(m.uv_transform) != (0.0, 0.0, 1.0, 1.0, 0.0)
                                 for m in character.materials),
        "textured": sum(m.texture is not None for m in character.materials),
    }
    return {k: n for k, n in counts.items() if n}


def inspect_avatar(path: str | Path | None = None) -> AvatarReport:
    """Load ``path`` (None: the built-in character) and report what was found."""
    return report_for(load_avatar(path))


def contact_sheet(character: Character, out_png: str | Path, views: int = 4, size: int = 384,
                  backend: str = "moderngl") -> Path:
    """Render the normalized T-pose as the rig shows it (turned to face the camera) from
    ``views`` angles (front first, turning left) into one PNG."""
    from PIL import Image

    from vhuman.animation.clip import MotionClip
    from vhuman.avatar.render import create_renderer
    from vhuman.avatar.render.camera import camera_preset
    from vhuman.avatar.rig import Rig

    out = Path(out_png)
    views = max(1, int(views))
    posed = Rig(character, device="cpu").evaluate(MotionClip.rest(1, 30.0, [], []), as_numpy=True)
    renderer = create_renderer(backend, character, size, size, camera="full_body")
    try:
        base = camera_preset("full_body", character)
        target = np.asarray(base.target)
        offset = np.asarray(base.eye) - target
        tiles = []
        for k in range(views):
            a = 2 * math.pi * k / views
            c, s = math.cos(a), math.sin(a)
            eye = target + np.array([c * offset[0] + s * offset[2], offset[1],
                                     -s * offset[0] + c * offset[2]])
            renderer.set_camera(replace(base, eye=tuple(eye.tolist())))
            image = renderer.render([m.positions[0] for m in posed],
                                    [m.normals[0] for m in posed])
            tiles.append(image[..., :3])
    finally:
        renderer.close()
    sheet = np.concatenate(tiles, axis=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).save(out)
    return out
