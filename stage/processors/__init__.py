"""Pipeline processors that wrap the engine's models: voice, motion, render, record."""

from .motion import MotionProcessor
from .record import RecorderProcessor
from .render import RenderProcessor
from .voice import VoiceProcessor

__all__ = ["MotionProcessor", "RecorderProcessor", "RenderProcessor", "VoiceProcessor"]
