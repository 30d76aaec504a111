"""The live performer: an audio-clocked, interruptible character streaming to outputs."""

from vhuman.stage.metrics import Metrics

from .audio import AudioRing, AudioSegment, AudioSlice
from .clock import AudioClock
from .gestures import GestureOverlay
from .motion import LiveMotion, MotionMixer, MotionSource
from .overlay import OverlayPainter, draw_card
from .performer import LiveConfig, LivePerformer
from .procrender import ProcessRenderer
from .render import AvatarRenderer, FrameRenderer, PatternRenderer, parse_color
from .renderloop import RenderLoop
from .speech import SpeechQueue, Utterance
from .timeline import Shown, TickSlot, Timeline

__all__ = ["AudioClock", "AudioRing", "AudioSlice", "AvatarRenderer", "FrameRenderer",
           "GestureOverlay", "LiveConfig", "LiveMotion", "LivePerformer", "Metrics",
           "MotionMixer", "MotionSource", "OverlayPainter", "PatternRenderer", "ProcessRenderer", "RenderLoop",
           "AudioSegment", "Shown", "SpeechQueue", "TickSlot", "Timeline", "Utterance",
           "draw_card", "parse_color"]
