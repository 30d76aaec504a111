"""The rundown JSON Schema (draft 2020-12), kept here as data and published as
``schemas/rundown.schema.json`` (a test checks the file matches; regenerate it with
``python -m stage.show.schema``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SEGMENT_TYPES = ("say", "dance", "chat", "qa", "promo", "pause", "break")

_TIME = {"description": "seconds, or 'mm:ss' / 'hh:mm:ss'",
         "oneOf": [{"type": "number", "minimum": 0},
                   {"type": "string", "pattern": r"^\d+(:\d{1,2}){0,2}(\.\d+)?$"}]}
_NAME = {"type": "string", "minLength": 1, "maxLength": 64}
_EMOTION = {"enum": ["neutral", "happy", "excited", "sad", "angry", "surprised", "calm"]}
_LINE = {
    "description": "a line to speak: text (inline [tags] allowed) or an object",
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 2000},
        {"type": "object", "additionalProperties": False, "required": ["text"],
         "properties": {
             "text": {"type": "string", "minLength": 1, "maxLength": 2000},
             "emotion": _EMOTION,
             "intensity": {"type": "number", "minimum": 0, "maximum": 1},
             "gestures": {"type": "array", "items": _NAME, "maxItems": 8},
             "pause_after": {"type": "number", "minimum": 0, "maximum": 60}}},
    ]}
_LINES = {"type": "array", "items": _LINE, "minItems": 1, "maxItems": 500}
_COMMON = {
    "type": {"enum": list(SEGMENT_TYPES)},
    "id": {"type": "string", "pattern": r"^[A-Za-z0-9_.\-]{1,64}$"},
    "at": {**_TIME, "description": "cue: start at this show time (else after the previous)"},
    "repeat": {"type": "integer", "minimum": 1, "maximum": 1000},
    "interruptible": {"type": "boolean",
                      "description": "may viewer messages interrupt it (overrides preemption)"},
    "priority": {"type": "integer", "minimum": 0, "maximum": 1000,
                 "description": "host overrides need a higher priority to cut this segment"},
    "notes": {"type": "string"},
}


def _segment(required: list[str], props: dict[str, Any],
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False,
                              "required": ["type", *required],
                              "properties": {**_COMMON, **props}}
    schema.update(extra or {})
    return schema


_PAUSE = _segment(["duration"], {
    "duration": _TIME, "music": {"type": "string", "minLength": 1},
    "card": {"type": "string", "maxLength": 500}, "volume": {"type": "number", "minimum": 0,
                                                            "maximum": 1}})

SEGMENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "say": _segment(["lines"], {"lines": _LINES, "emotion": _EMOTION}),
    "dance": _segment(["music"], {
        "music": {"type": "string", "minLength": 1},
        "style": _NAME, "duration": _TIME,
        "finale": {"type": "boolean", "description": "a finale is never interrupted by viewers"},
        "intro": _LINE}),
    "chat": _segment([], {
        "minutes": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
        "messages": {"type": "integer", "minimum": 1, "maximum": 10000},
        "intro": _LINE, "outro": _LINE,
        "idle_lines": {**_LINES, "description": "said when nobody writes for a while"}},
        {"anyOf": [{"required": ["minutes"]}, {"required": ["messages"]}]}),
    "qa": _segment(["questions"], {
        "questions": {"type": "array", "minItems": 1, "maxItems": 200, "items": {"oneOf": [
            {"type": "string", "minLength": 1, "maxLength": 1000},
            {"type": "object", "additionalProperties": False, "required": ["text"],
             "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 1000},
                            "from": {"type": "string", "maxLength": 100}}}]}},
        "intro": _LINE}),
    "promo": _segment(["product", "pitch"], {
        "product": {"type": "object", "additionalProperties": False,
                    "required": ["name", "price"], "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 200},
                        "price": {"type": "number", "minimum": 0},
                        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                        "selling_points": {"type": "array", "items": {"type": "string",
                                                                      "maxLength": 300},
                                           "maxItems": 10},
                        "image": {"type": "string"},
                        "url": {"type": "string"}}},
        "pitch": _LINES,
        "overlay": {"type": "object", "additionalProperties": False, "properties": {
            "position": {"enum": ["left", "right", "bottom", "top"]},
            "seconds": {"type": "number", "minimum": 0},
            "theme": {"type": "string"}}}}),
    "pause": _PAUSE,
    "break": _PAUSE,
}

RUNDOWN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://github.com/vhuman/vhuman/schemas/rundown.schema.json",
    "title": "vhuman show rundown",
    "type": "object",
    "additionalProperties": False,
    "required": ["show", "segments"],
    "properties": {
        "show": {"type": "object", "additionalProperties": False, "required": ["title"],
                 "properties": {
                     "title": {"type": "string", "minLength": 1, "maxLength": 200},
                     "id": {"type": "string", "pattern": r"^[A-Za-z0-9_\-]{1,64}$"},
                     "description": {"type": "string"},
                     "duration": _TIME,
                     "loop": {"oneOf": [{"type": "boolean"},
                                        {"type": "integer", "minimum": 1, "maximum": 1000}],
                              "description": "true: forever; N: play the rundown N times"}}},
        "persona": {"type": "object", "properties": {
            "name": _NAME, "description": {"type": "string"},
            "style": {"type": "string"},
            "languages": {"type": "array", "items": {"type": "string"}},
            "catchphrases": {"type": "array", "items": {"type": "string"}},
            "topics": {"type": "array", "items": {"type": "string"}}}},
        "avatar": {"type": ["string", "null"]},
        "voice": {"type": "object", "properties": {
            "backend": {"enum": ["piper", "espeak", "coqui"]},
            "voice": {"type": "string"}, "rate": {"type": "number", "minimum": 0.25,
                                                  "maximum": 4}}},
        "outputs": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "preemption": {"type": "object", "additionalProperties": False, "properties": {
            "viewer_interrupts": {"type": "array", "items": {"enum": list(SEGMENT_TYPES)},
                                  "description": "segment types viewer messages may cut"},
            "viewer_min_priority": {"type": "number", "minimum": 0,
                                    "description": "chat priority needed to interrupt"},
            "host_priority": {"type": "integer", "minimum": 0, "maximum": 1000}}},
        "segments": {"type": "array", "minItems": 1, "maxItems": 1000,
                     "items": {"type": "object", "required": ["type"],
                               "properties": {"type": {"enum": list(SEGMENT_TYPES)}},
                               "allOf": [{"if": {"properties": {"type": {"const": kind}}},
                                          "then": schema}
                                         for kind, schema in SEGMENT_SCHEMAS.items()]}},
    },
}


def schema_json() -> str:
    """The schema as published (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(RUNDOWN_SCHEMA, indent=2, sort_keys=True) + "\n"


def write_schema(path: Path) -> None:
    path.write_text(schema_json(), encoding="utf-8")


if __name__ == "__main__":  # python -m stage.show.schema [path]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else \
        Path(__file__).resolve().parents[2] / "schemas" / "rundown.schema.json"
    write_schema(target)
