"""A skeleton as plain arrays: every node of the avatar's scene is a joint.

Unskinned meshes are bound rigidly to their node, so one skinning path renders everything.
Conventions: glTF axes (+Y up, the character faces +Z, its left is +X), quaternions as
(x, y, z, w), matrices column-vector style (``world = parent_world @ local``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vhuman.models.types import FloatArray


@dataclass
class Skeleton:
    """Joints in topological order (a parent always comes before its children).

    - ``names``: joint (node) names, length J
    - ``parents``: (J,) int, -1 for roots
    - ``rest_translation`` (J, 3), ``rest_rotation`` (J, 4) xyzw, ``rest_scale`` (J, 3):
      local rest transform of each joint
    - ``inverse_bind`` (J, 4, 4): inverse bind matrix per joint (identity where unused)
    - ``humanoid``: humanoid bone name (see ``vhuman.animation.vocabulary.HUMANOID_BONES``) -> joint index
    """

    names: list[str]
    parents: np.ndarray
    rest_translation: FloatArray
    rest_rotation: FloatArray
    rest_scale: FloatArray
    inverse_bind: FloatArray
    humanoid: dict[str, int] = field(default_factory=dict)

    @property
    def num_joints(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """Joint index by node name (raises KeyError naming the joint)."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no joint named {name!r}") from None

    def validate(self) -> None:
        """Check shapes and that parents precede children; raises ValueError."""
        j = self.num_joints
        shapes = {
            "parents": (self.parents.shape, (j,)),
            "rest_translation": (self.rest_translation.shape, (j, 3)),
            "rest_rotation": (self.rest_rotation.shape, (j, 4)),
            "rest_scale": (self.rest_scale.shape, (j, 3)),
            "inverse_bind": (self.inverse_bind.shape, (j, 4, 4)),
        }
        for name, (got, want) in shapes.items():
            if tuple(got) != want:
                raise ValueError(f"skeleton {name} has shape {tuple(got)}, expected {want}")
        for i, p in enumerate(self.parents.tolist()):
            if p >= i:
                raise ValueError(f"joint {self.names[i]!r} comes before its parent {p}")
        for bone, idx in self.humanoid.items():
            if not 0 <= idx < j:
                raise ValueError(f"humanoid bone {bone!r} maps to missing joint {idx}")
