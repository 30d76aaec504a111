"""Backing tracks: a score's other parts rendered with FluidSynth, and the vocal mix.

FluidSynth (Debian ``fluidsynth``) renders MIDI offline with a General MIDI soundfont
(Debian ``fluid-soundfont-gm``; ``VHUMAN_SOUNDFONT`` names another ``.sf2``). Missing
tools raise :class:`VhumanError` with the install hint only when a backing is asked for.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from vhuman.models.audio import db_to_gain, rms_dbfs, soft_limit
from vhuman.models.types import FloatArray, InputError, VhumanError

logger = logging.getLogger(__name__)

SOUNDFONTS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2",
              "/usr/share/soundfonts/default.sf2")
BACKING_BELOW_VOICE_DB = 7.0  # the accompaniment sits this far under the voice (RMS)


def find_soundfont() -> Path:
    """The GM soundfont to use (``VHUMAN_SOUNDFONT`` first), or VhumanError with the hint."""
    env = os.environ.get("VHUMAN_SOUNDFONT")
    for candidate in ([env] if env else []) + list(SOUNDFONTS):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise VhumanError("no General MIDI soundfont found: apt-get install fluid-soundfont-gm "
                      "(or set VHUMAN_SOUNDFONT to an .sf2 file)")


def render_midi(midi: bytes, sample_rate: int, *, source: str = "<score>",
                timeout: float = 600.0) -> FloatArray:
    """Mono float32 audio of a MIDI file (bytes) at ``sample_rate``, through FluidSynth."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise VhumanError("fluidsynth is not installed: apt-get install fluidsynth "
                          "fluid-soundfont-gm (or pass --backing an audio file)")
    import soundfile as sf

    font = find_soundfont()
    with tempfile.TemporaryDirectory(prefix="vhuman-backing-") as tmp:
        mid, wav = Path(tmp) / "backing.mid", Path(tmp) / "backing.wav"
        mid.write_bytes(midi)
        cmd = [exe, "-ni", "-q", "-g", "0.5", "-r", str(int(sample_rate)), "-F", str(wav),
               str(font), str(mid)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise VhumanError(f"{source}: fluidsynth took over {timeout:.0f} s") from None
        if proc.returncode != 0 or not wav.is_file():
            raise VhumanError(f"{source}: fluidsynth failed ({proc.returncode}): "
                              f"{proc.stderr.decode(errors='replace')[-300:]}")
        audio, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    y = audio.mean(axis=1)
    if rate != sample_rate:  # fluidsynth honours -r; this guards odd builds
        import librosa

        y = librosa.resample(y, orig_sr=rate, target_sr=sample_rate)
    return y.astype(np.float32)


def key_shift(transposed: int) -> int:
    """The semitones (-6..5) that put the accompaniment in the key of a voice moved by
    ``transposed``: octaves are left out, so a melody sung an octave down keeps its
    accompaniment where it is written, and one moved by -18 gets its backing moved by -6."""
    return (int(transposed) + 6) % 12 - 6


def transpose_midi(midi: bytes, semitones: int) -> bytes:
    """A MIDI file (bytes) with every pitched note moved by ``semitones`` (drums, channel 10,
    stay); the same bytes when there is nothing to move."""
    if not semitones:
        return midi
    from music21.midi import MidiFile

    mf = MidiFile()
    mf.readstr(midi)
    for track in mf.tracks:
        for ev in track.events:
            if (ev.isNoteOn() or ev.isNoteOff()) and ev.channel != 10 and ev.pitch is not None:
                ev.pitch = int(np.clip(ev.pitch + semitones, 0, 127))
    return bytes(mf.writestr())


def mix(vocal: np.ndarray, backing: np.ndarray | None, *, backing_offset: int = 0,
        backing_db: float | None = None) -> FloatArray:
    """Voice plus backing (starting ``backing_offset`` samples in), the backing set
    ``BACKING_BELOW_VOICE_DB`` under the voice unless ``backing_db`` (relative) is given;
    as long as the longer of the two."""
    v = np.asarray(vocal, np.float32).reshape(-1)
    if backing is None or np.asarray(backing).size == 0:
        return v.copy()
    b = np.asarray(backing, np.float32).reshape(-1)
    if not np.all(np.isfinite(b)):
        raise InputError("backing audio contains NaN or inf")
    if backing_offset < 0:
        b = b[-backing_offset:]
        backing_offset = 0
    n = max(v.size, backing_offset + b.size)
    out = np.zeros(n, np.float32)
    out[: v.size] += v
    loud_v = v[np.abs(v) > 1e-4]
    loud_b = b[np.abs(b) > 1e-4]
    if loud_b.size:
        target = backing_db if backing_db is not None else -BACKING_BELOW_VOICE_DB
        gain = db_to_gain(rms_dbfs(loud_v) + target - rms_dbfs(loud_b)) if loud_v.size else 1.0
        out[backing_offset : backing_offset + b.size] += gain * b
    return soft_limit(out)
