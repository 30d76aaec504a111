import numpy as np

from tests.animation.speech_fixtures import SR, chunk
from vhuman.animation.lipsync import lipsync
from vhuman.animation.performance import perform
from vhuman.animation.plot import plot_viseme_timeline


def test_viseme_timeline_png_from_a_track_and_from_a_clip(tmp_path):
    from PIL import Image

    c = chunk([(" ", 0.1), ("h", 0.05), ("ɛ", 0.1), ("l", 0.05), ("oʊ", 0.2), (" ", 0.1)])
    out = plot_viseme_timeline(
        lipsync([c]), c.phonemes, c.samples, SR, tmp_path / "t.png", title="hello"
    )
    img = np.asarray(Image.open(out))
    assert img.shape[0] > 300 and img.shape[1] >= 800 and img.std() > 10  # a real picture
    out2 = plot_viseme_timeline(perform([c]), c.phonemes, None, SR, tmp_path / "c.png")
    assert out2.stat().st_size > 5000
