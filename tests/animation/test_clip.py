import numpy as np
import pytest

from vhuman.animation.clip import MORPH_NAMES, MotionClip, concat_clips
from vhuman.animation.vocabulary import HUMANOID_BONES
from vhuman.models.types import InputError


def test_rest_clip_has_the_full_vocabulary_and_identity_rotations():
    clip = MotionClip.rest(12, fps=25)
    assert clip.num_frames == 12 and clip.duration == pytest.approx(12 / 25)
    assert clip.morph_names[:2] == ["viseme_sil", "viseme_PP"] and "blink" in clip.morph_names
    assert clip.bone_names == list(HUMANOID_BONES)
    assert np.allclose(clip.rotations[..., 3], 1.0) and not clip.morph.any()


def test_slice_and_concat_keep_frames_and_merge_vocabularies():
    a = MotionClip.rest(10)
    a.morph[:, a.morph_index("blink")] = np.linspace(0, 1, 10)
    b = MotionClip.rest(5, morph_names=["smile", "extra"], bone_names=["head"])
    b.morph[:, 1] = 0.5
    part = a.slice(2, 6)
    assert part.num_frames == 4 and part.weights("blink")[0] == pytest.approx(2 / 9)
    joined = concat_clips([a, b])
    assert joined.num_frames == 15 and "extra" in joined.morph_names
    assert np.allclose(joined.weights("extra")[10:], 0.5) and np.allclose(
        joined.weights("extra")[:10], 0
    )
    assert joined.slice_time(0.0, 0.2).num_frames == 6


def test_bad_shapes_and_values_raise_input_errors_naming_the_field():
    with pytest.raises(InputError, match="rotations"):
        MotionClip(
            30,
            list(MORPH_NAMES),
            np.zeros((3, len(MORPH_NAMES))),
            ["hips"],
            np.zeros((3, 2, 4)),
            np.zeros((3, 3)),
        )
    clip = MotionClip.rest(3)
    clip.morph[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        clip.validate()
    with pytest.raises(InputError, match="concat"):
        MotionClip.rest(2, fps=30).concat(MotionClip.rest(2, fps=25))
