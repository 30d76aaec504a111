"""Pictures of a motion clip: one skinning pass for the batch, then one draw per frame."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


def render_motion(
    rig: Any, renderer: Any, clip: Any, start_time: float | None = None
) -> Iterator[np.ndarray]:
    """Yield one image per frame of ``clip`` (an ``animation.clip.MotionClip``).

    ``start_time`` (s) is when the clip's first frame is shown, for cameras that move with
    time (``orbit``); None continues from the renderer's own clock.

    ``rig`` is an :class:`avatar.rig.Rig`; ``renderer`` any renderer from
    :func:`create_renderer`. Renderers with ``render_packed`` get the whole character as
    one vertex buffer per frame (one upload); others get per-mesh arrays.
    """
    step = 1.0 / float(clip.fps)
    t0 = float(getattr(renderer, "clock", 0.0)) if start_time is None else float(start_time)

    def tick(i: int) -> None:
        if hasattr(renderer, "at_time"):
            renderer.at_time(t0 + i * step)

    if hasattr(renderer, "render_packed"):
        packed = rig.evaluate_packed(clip, as_numpy=True)
        for t in range(packed.num_frames):
            tick(t)
            yield renderer.render_packed(packed.positions[t], packed.normals[t])
    else:
        meshes = rig.evaluate(clip, as_numpy=True)
        for t in range(clip.num_frames):
            tick(t)
            yield renderer.render([m.positions[t] for m in meshes],
                                  [m.normals[t] for m in meshes])
    if hasattr(renderer, "at_time"):
        renderer.at_time(t0 + clip.num_frames * step)
