"""Pitch plot of a sung song: the score's notes against the F0 tracked from the audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vhuman.models.sing.score import hz_to_midi, note_name


def plot_pitch(song, out_png: str | Path, *, times: np.ndarray | None = None,
               f0: np.ndarray | None = None, seconds: float | None = None) -> Path:
    """Write a PNG: score notes (bars, with lyrics) and the sung F0 (pYIN) in semitones.

    ``song`` is a :class:`~models.sing.singer.SungSong`; ``times``/``f0`` a tracked F0
    (tracked here when not given); ``seconds`` limits the plot to the song's start.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vhuman.models.sing.evaluate import track_f0

    chunk = song.chunk
    if times is None or f0 is None:
        times, f0 = track_f0(chunk.samples, chunk.sample_rate)
    end = min(seconds or song.duration, song.duration)
    fig, ax = plt.subplots(figsize=(11, 3.6), dpi=110)
    pitches = []
    for n in song.score.notes:
        if n.midi is None or n.start + song.offset > end:
            continue
        a = n.start + song.offset
        ax.plot([a, min(n.end + song.offset, end)], [n.midi, n.midi], color="#f0a030", lw=7,
                alpha=0.55, solid_capstyle="butt")
        if n.lyric:
            ax.text(a, n.midi + 0.6, n.lyric, fontsize=7, color="#704000")
        pitches.append(n.midi)
    sel = times <= end
    ax.plot(times[sel], hz_to_midi(f0[sel]), color="#1f5fbf", lw=1.2, label="sung F0 (pYIN)")
    ax.plot([], [], color="#f0a030", lw=7, alpha=0.55, label="score")
    if pitches:
        lo, hi = int(min(pitches)) - 2, int(max(pitches)) + 3
        ax.set_ylim(lo, hi)
        ticks = list(range(lo, hi + 1, 2))
        ax.set_yticks(ticks, [note_name(t) for t in ticks])
    ax.set_xlim(0, end)
    ax.set_xlabel("time (s)")
    ax.set_title(f"{song.score.title}: score vs sung pitch"
                 + (f" (transposed {song.score.transposed:+d})" if song.score.transposed else ""))
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
