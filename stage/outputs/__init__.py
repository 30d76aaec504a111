"""Live outputs fed by the performer's clock: RTMP, recording, WebRTC viewer, parameters."""

from .base import AsyncTickQueue, Output, ThreadedOutput, Tick
from .recorder import RecorderOutput
from .rtmp import RtmpOutput

__all__ = ["AsyncTickQueue", "Output", "RecorderOutput", "RtmpOutput", "ThreadedOutput", "Tick"]
