"""Pictures of a motion clip: one skinning pass for the batch, then one draw per frame."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


def render_motion(rig: Any, renderer: Any, clip: Any) -> Iterator[np.ndarray]:
    """Yield one image per frame of ``clip`` (an ``animation.clip.MotionClip``).

    ``rig`` is an :class:`avatar.rig.Rig`; ``renderer`` any renderer from
    :func:`create_renderer`. Renderers with ``render_packed`` get the whole character as
    one vertex buffer per frame (one upload); others get per-mesh arrays.
    """
    if hasattr(renderer, "render_packed"):
        packed = rig.evaluate_packed(clip, as_numpy=True)
        for t in range(packed.num_frames):
            yield renderer.render_packed(packed.positions[t], packed.normals[t])
        return
    meshes = rig.evaluate(clip, as_numpy=True)
    for t in range(clip.num_frames):
        yield renderer.render([m.positions[t] for m in meshes], [m.normals[t] for m in meshes])
