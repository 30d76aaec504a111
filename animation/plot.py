"""A viseme timeline plot (``vhuman say --plot``): waveform, phonemes and viseme weights."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vhuman.animation.clip import VISEME_SHAPES, MotionClip
from vhuman.animation.phonemes import fold_phonemes, ipa_to_visemes, is_pause
from vhuman.animation.vocabulary import VISEMES
from vhuman.models.types import InputError, PhonemeTiming


def plot_viseme_timeline(
    clip_or_track: MotionClip | np.ndarray,
    phonemes: Sequence[PhonemeTiming],
    audio: np.ndarray | None,
    sr: int,
    out_png: str | Path,
    *,
    fps: float = 30.0,
    title: str = "",
) -> Path:
    """Write a PNG: the waveform with phoneme labels above a heat map of viseme weights.

    ``clip_or_track`` is a MotionClip (its ``viseme_*`` columns are used) or a (T, 15)
    array at ``fps``; ``phonemes`` are in samples at ``sr`` from time 0.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if isinstance(clip_or_track, MotionClip):
        fps = clip_or_track.fps
        cols = [
            clip_or_track.morph_names.index(n)
            for n in VISEME_SHAPES
            if n in clip_or_track.morph_names
        ]
        if len(cols) != len(VISEME_SHAPES):
            raise InputError("clip has no viseme_* columns to plot")
        track = clip_or_track.morph[:, cols]
    else:
        track = np.asarray(clip_or_track, np.float32)
        if track.ndim != 2 or track.shape[1] != len(VISEMES):
            raise InputError(f"viseme track must be (T, {len(VISEMES)}), got {track.shape}")
    if sr <= 0:
        raise InputError(f"sr must be positive, got {sr}")
    duration = track.shape[0] / fps
    fig, (ax_w, ax_v) = plt.subplots(
        2,
        1,
        figsize=(max(8.0, duration * 2.5), 5.5),
        sharex=True,
        gridspec_kw={"height_ratios": [1, 2]},
    )
    if audio is not None and len(audio):
        a = np.asarray(audio, np.float32).reshape(-1)
        ax_w.plot(np.arange(a.size) / sr, a, lw=0.5, color="0.4")
    for k, p in enumerate(fold_phonemes(phonemes)):
        t0 = p.start / sr
        ax_w.axvline(t0, color="tab:blue", lw=0.4, alpha=0.5)
        if not is_pause(p.phoneme):
            vis = ipa_to_visemes(p.phoneme)
            label = p.phoneme.strip() + ("\n" + vis[0][0].value if vis else "")
            ax_w.text(
                t0 + p.duration / sr / 2,
                0.97 if k % 2 else 0.8,  # alternate rows so neighbours do not overlap
                label,
                ha="center",
                va="top",
                fontsize=7,
                transform=ax_w.get_xaxis_transform(),
            )
    ax_w.set_ylabel("audio")
    ax_v.imshow(
        track.T,
        aspect="auto",
        origin="lower",
        cmap="magma",
        vmin=0,
        vmax=1,
        extent=(-0.5 / fps, duration - 0.5 / fps, -0.5, len(VISEMES) - 0.5),
        interpolation="nearest",
    )
    ax_v.set_yticks(range(len(VISEMES)), [v.value for v in VISEMES])
    ax_v.set_xlabel("time (s)")
    ax_v.set_ylabel("viseme")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = Path(out_png)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
