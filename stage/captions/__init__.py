"""Captions: what the host says (from its words' timings) and what people say (from
recognition), as files beside recordings, live cues for viewers, and burned-in text."""

from .files import caption_paths, srt_text, vtt_text, write_captions
from .track import CaptionTrack, Cue, Turn
from .words import Heard, SpokenLine, Word, line_from_chunk

__all__ = ["CaptionTrack", "Cue", "Heard", "SpokenLine", "Turn", "Word", "caption_paths",
           "line_from_chunk", "srt_text", "vtt_text", "write_captions"]
