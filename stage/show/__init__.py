"""Show rundowns: schema, parser, clock and runner."""

from .api import live_performer_factory, run_show, run_show_async
from .clock import ShowClock
from .loader import check_rundown, load_rundown, parse_rundown
from .rundown import (
    Line,
    Preemption,
    Problem,
    Rundown,
    RundownError,
    RundownSegment,
    SegmentBase,
    parse_time,
)
from .runner import ShowRunner
from .schema import RUNDOWN_SCHEMA, SEGMENT_TYPES, schema_json

__all__ = ["RUNDOWN_SCHEMA", "SEGMENT_TYPES", "Line", "Preemption", "Problem", "Rundown",
           "RundownError", "RundownSegment", "SegmentBase", "ShowClock", "ShowRunner", "check_rundown",
           "live_performer_factory", "load_rundown", "parse_rundown", "parse_time",
           "run_show", "run_show_async", "schema_json"]
