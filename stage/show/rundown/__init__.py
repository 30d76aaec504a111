"""Rundowns: a show's YAML as typed pydantic models (one model per segment type).

The models are the single source of truth: they validate the file, they are what the
show runner plays, and they generate the published JSON Schema
(``schemas/rundown.schema.json``, see :mod:`stage.show.schema`). A segment is a
discriminated union on ``type``; adding a segment type is one class in the union.
:mod:`stage.show.loader` locates every validation problem by file, line and column.

By job: ``errors`` (located problems), ``fields`` (times, names, files, the strict base
model), ``lines`` (a line to speak), ``segments`` (one class per segment type),
``document`` (the rundown itself: show info, voice, preemption, clock).
"""

from .document import Preemption, Rundown, ShowInfo, TTSName, VoiceSection
from .errors import Problem, RundownError
from .fields import Name, RundownModel, Seconds, parse_time, resolve_file
from .lines import WORDS_PER_SECOND, Line, Lines, parse_line, speech_seconds
from .segments import (
    SEGMENT_TYPES,
    ChatSegment,
    DanceSegment,
    InterviewSegment,
    Overlay,
    PauseSegment,
    Product,
    PromoSegment,
    QASegment,
    Question,
    RundownSegment,
    SaySegment,
    SegmentBase,
    SingSegment,
)

__all__ = ["SEGMENT_TYPES", "WORDS_PER_SECOND", "ChatSegment", "DanceSegment",
           "InterviewSegment", "Line", "Lines", "Name", "Overlay", "PauseSegment",
           "Preemption", "Problem", "Product", "PromoSegment", "QASegment", "Question",
           "Rundown", "RundownError", "RundownModel", "RundownSegment", "SaySegment",
           "Seconds", "SegmentBase", "ShowInfo", "SingSegment", "TTSName", "VoiceSection",
           "parse_line", "parse_time", "resolve_file", "speech_seconds"]
