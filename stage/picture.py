"""Pixel helpers shared by everything that paints on the program picture (overlay cards,
burned-in captions, guest tiles)."""

from __future__ import annotations

import numpy as np


def blend_patch(image: np.ndarray, colour: np.ndarray, alpha: np.ndarray, top: int,
                left: int) -> np.ndarray:
    """A copy of ``image`` with a premultiplied patch (``colour`` = RGB x alpha, float32;
    ``alpha`` (h, w, 1) in 0..1) drawn at ``top``/``left`` (clipped to the frame)."""
    h = min(colour.shape[0], image.shape[0] - top)
    w = min(colour.shape[1], image.shape[1] - left)
    if h <= 0 or w <= 0:
        return image
    out = image.copy()
    region = out[top:top + h, left:left + w]
    a = alpha[:h, :w]
    blended = colour[:h, :w] + region[..., :3].astype(np.float32) * (1.0 - a)
    region[..., :3] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    if out.shape[2] == 4:  # transparent output: the patch is opaque where drawn
        cover = region[..., 3:4].astype(np.float32) / 255.0
        region[..., 3:4] = np.clip(255 * (a + cover * (1 - a)) + 0.5, 0, 255).astype(np.uint8)
    return out
