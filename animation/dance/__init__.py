"""Dance from music: analysis (tempo, beats, bars, energy, sections), moves, choreography."""

from vhuman.animation.dance.demo_track import synth_demo_track, write_demo_track

__all__ = ["synth_demo_track", "write_demo_track"]
