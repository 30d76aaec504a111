"""The loaded character as plain data: meshes, materials, skeleton, morphs, maps, clips.

Every loader (built-in generator, glTF, VRM, Ready-Player-Me) produces a
:class:`Character`; renderers and the rig evaluator consume only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.animation.skeleton import Skeleton
from vhuman.models.types import FloatArray


@dataclass
class Material:
    """PBR metallic-roughness subset that the renderers support."""

    name: str = ""
    base_color: tuple[float, float, float, float] = (0.8, 0.8, 0.8, 1.0)
    texture: np.ndarray | None = None  # (H, W, 4) uint8 RGBA base-colour texture
    alpha_mode: str = "OPAQUE"  # OPAQUE | MASK | BLEND
    alpha_cutoff: float = 0.5
    double_sided: bool = False
    metallic: float = 0.0
    roughness: float = 0.8
    emissive: tuple[float, float, float] = (0.0, 0.0, 0.0)  # emissive strength included
    uv_transform: tuple[float, ...] = (0.0, 0.0, 1.0, 1.0, 0.0)  # offset u, v, scale u, v, rotation
    unlit: bool = False  # KHR_materials_unlit: colour as authored, no lighting
    toon: MToon | None = None  # VRMC_materials_mtoon parameters, when present


@dataclass
class MToon:
    """The VRM toon material's parameters the renderer approximates: a shade colour below a
    light threshold (``shading_shift``/``shading_toony``), a parametric rim, an outline, and
    UV animation (scroll in UV per second, rotation in turns per second)."""

    shade_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    shading_shift: float = 0.0
    shading_toony: float = 0.9
    rim_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rim_power: float = 5.0
    rim_lift: float = 0.0
    outline_width: float = 0.0  # metres (worldCoordinates mode)
    outline_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    uv_scroll: tuple[float, float] = (0.0, 0.0)
    uv_rotation: float = 0.0


@dataclass
class MeshPart:
    """One glTF primitive, skinned to the skeleton.

    - ``positions``/``normals`` (V, 3) float32 in the bind pose; ``uvs`` (V, 2) or None
    - ``indices`` (F, 3) uint32 triangles
    - ``joints`` (V, 4) int32 joint indices into the skeleton; ``weights`` (V, 4) float32
      (rigid parts have weight 1 on their node's joint)
    - ``morph_names`` (M,), ``morph_positions`` (M, V, 3) deltas, ``morph_normals`` or None
    """

    name: str
    positions: FloatArray
    normals: FloatArray
    indices: np.ndarray
    joints: np.ndarray
    weights: FloatArray
    material: int = 0
    uvs: FloatArray | None = None
    morph_names: list[str] = field(default_factory=list)
    morph_positions: FloatArray | None = None
    morph_normals: FloatArray | None = None

    @property
    def num_vertices(self) -> int:
        return int(self.positions.shape[0])

    @property
    def num_triangles(self) -> int:
        return int(self.indices.shape[0])


@dataclass
class MaterialBind:
    """A VRM expression's pull on a material property: ``kind`` is ``color`` (base colour),
    ``emissionColor``, ``shadeColor``, ``rimColor``, ``outlineColor`` or ``matcapColor``
    (RGBA ``target``), or ``uv`` (``target`` = offset u, v, scale u, v)."""

    material: int
    kind: str
    target: tuple[float, float, float, float]
    weight: float = 1.0


@dataclass
class ShapeBinding:
    """One internal face shape expressed on the avatar: weighted morphs, a jaw rotation,
    material colour / texture-transform binds, and VRM's binary and override rules."""

    morphs: list[tuple[int, int, float]] = field(default_factory=list)  # (mesh, morph, w)
    jaw_open: float = 0.0  # radians of jaw rotation at full weight (no-morph fallback)
    materials: list[MaterialBind] = field(default_factory=list)
    is_binary: bool = False  # weight > 0.5 shows fully, else not at all
    override_blink: str = "none"  # none | block | blend: what this shape does to blinking
    override_look_at: str = "none"
    override_mouth: str = "none"
    # VRM expression -> weight: a shape shown through the avatar's VRM expressions, which
    # are driven as a whole (``avatar.expressions``) rather than through ``morphs`` above
    expressions: dict[str, float] = field(default_factory=dict)

    @property
    def has_rules(self) -> bool:
        """Whether binary or override rules apply to this shape."""
        return self.is_binary or any(o != "none" for o in (
            self.override_blink, self.override_look_at, self.override_mouth))


@dataclass
class AnimationChannel:
    """Keyframes for one joint property (``path``: rotation | translation | scale)."""

    joint: int
    path: str
    times: FloatArray
    values: FloatArray
    interpolation: str = "LINEAR"


@dataclass
class AnimationClip:
    """A glTF animation (or imported mocap) on this character's skeleton."""

    name: str
    channels: list[AnimationChannel]

    @property
    def duration(self) -> float:
        return max((float(c.times[-1]) for c in self.channels if len(c.times)), default=0.0)


@dataclass
class Character:
    """Everything the engine knows about an avatar.

    ``shapes`` maps the internal vocabulary (``viseme_<v>`` for the 15 visemes, and the
    names in ``vhuman.animation.vocabulary.EXPRESSION_SHAPES``) to what this avatar can do.
    """

    name: str
    meshes: list[MeshPart]
    materials: list[Material]
    skeleton: Skeleton
    shapes: dict[str, ShapeBinding] = field(default_factory=dict)
    clips: list[AnimationClip] = field(default_factory=list)
    source: Path | None = None
    format: str = "gltf"  # gltf | vrm0 | vrm1 | builtin
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def num_triangles(self) -> int:
        return sum(m.num_triangles for m in self.meshes)

    @property
    def num_vertices(self) -> int:
        return sum(m.num_vertices for m in self.meshes)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bind-pose axis-aligned bounds (min, max) over all meshes."""
        mins = np.min([m.positions.min(axis=0) for m in self.meshes], axis=0)
        maxs = np.max([m.positions.max(axis=0) for m in self.meshes], axis=0)
        return mins, maxs
