"""The live performer: an audio-clocked, interruptible character streaming to outputs."""

from .audio import AudioRing, AudioSlice, Segment
from .metrics import Metrics
from .motion import LiveMotion, MotionMixer, MotionSource, estimate_tempo
from .performer import LiveConfig, LivePerformer
from .render import AvatarRenderer, FrameRenderer, PatternRenderer, parse_color

__all__ = ["AudioRing", "AudioSlice", "AvatarRenderer", "FrameRenderer", "LiveConfig",
           "LiveMotion", "LivePerformer", "Metrics", "MotionMixer", "MotionSource",
           "PatternRenderer", "Segment", "estimate_tempo", "parse_color"]
