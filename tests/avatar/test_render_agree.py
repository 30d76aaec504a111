"""The two backends draw the same frame alike: same silhouette, similar colours."""

from __future__ import annotations

import numpy as np

from tests.avatar.rig_fixtures import make_box_character, posed_frames
from vhuman.avatar.render import create_renderer


def test_moderngl_and_pyrender_agree_on_a_posed_frame() -> None:
    character = make_box_character()
    frame = posed_frames(
        character, morphs={"viseme_aa": 0.8}, bones={"chest": [0.0, 0.0, 0.1736, 0.9848]}
    )
    images = {}
    for backend in ("moderngl", "pyrender"):
        with create_renderer(
            backend, character, 128, 128, camera="half_body", transparent=True
        ) as r:
            images[backend] = r.render(*frame)
    a, b = images["moderngl"], images["pyrender"]
    sil_a, sil_b = a[..., 3] > 127, b[..., 3] > 127
    iou = (sil_a & sil_b).sum() / (sil_a | sil_b).sum()
    assert iou > 0.95
    both = sil_a & sil_b
    diff = np.abs(a[both, :3].astype(int) - b[both, :3].astype(int)).mean()
    assert diff < 25, f"backends differ by {diff:.1f} grey levels on the character"
