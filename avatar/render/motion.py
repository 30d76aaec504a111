"""Pictures of a motion clip: one skinning pass for the batch, then one draw per frame."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


def render_motion(
    rig: Any, renderer: Any, clip: Any, start_time: float | None = None,
    fps: float | None = None,
) -> Iterator[np.ndarray]:
    """Yield one image per frame of ``clip`` (an ``animation.clip.MotionClip``, or a rig
    ``PoseBatch`` of local joint transforms with ``fps`` given).

    ``start_time`` (s) is when the clip's first frame is shown, for cameras that move with
    time (``orbit``) and animated materials; None continues from the renderer's clock.

    ``rig`` is an :class:`avatar.rig.Rig`; ``renderer`` any renderer from
    :func:`create_renderer`. Renderers with ``render_packed`` get the whole character as
    one vertex buffer per frame (one upload); others get per-mesh arrays.
    """
    step = 1.0 / float(fps if fps is not None else clip.fps)
    t0 = float(getattr(renderer, "clock", 0.0)) if start_time is None else float(start_time)
    is_motion = hasattr(clip, "morph_names")
    mats = rig.material_frames(clip) if is_motion and hasattr(rig, "material_frames") else None
    if mats is None and getattr(renderer, "material_frame", None) is not None:
        renderer.set_material_frame(None)  # a clip without material binds: materials as authored

    def tick(i: int) -> None:
        if hasattr(renderer, "at_time"):
            renderer.at_time(t0 + i * step)
        if mats is not None and hasattr(renderer, "set_material_frame"):
            renderer.set_material_frame(mats.frame(i))

    if hasattr(renderer, "render_packed"):
        packed = rig.evaluate_packed(clip, as_numpy=True)
        for t in range(packed.num_frames):
            tick(t)
            yield renderer.render_packed(packed.positions[t], packed.normals[t])
    else:
        meshes = rig.evaluate(clip, as_numpy=True)
        frames = meshes[0].positions.shape[0] if meshes else 0
        for t in range(frames):
            tick(t)
            yield renderer.render([m.positions[t] for m in meshes],
                                  [m.normals[t] for m in meshes])
    if hasattr(renderer, "at_time"):
        renderer.at_time(renderer.clock + step)
