"""Load a rundown file: YAML → located schema validation → typed :class:`Rundown`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from models.types import InputError

from .rundown import (
    _VALIDATOR,
    Line,
    Preemption,
    Problem,
    Rundown,
    RundownError,
    Segment,
    parse_line,
    parse_time,
)
from .schema import SEGMENT_SCHEMAS, SEGMENT_TYPES

log = logging.getLogger(__name__)

MAX_RUNDOWN_BYTES = 2_000_000
PathKey = tuple[str | int, ...]


def _field(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Marks:
    """Line/column of every node in the YAML, by data path; finds duplicate keys."""

    def __init__(self, root: yaml.Node | None, name: str) -> None:
        self.name = name
        self.marks: dict[PathKey, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: PathKey) -> None:
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    self.problems.append(Problem(
                        self.name, key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1, _field((*path, key)),
                        "duplicate key (the earlier value would be lost)"))
                seen.add(key)
                self._walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*path, i))

    def at(self, path: PathKey, field: str, message: str) -> Problem:
        probe = tuple(path)
        while probe not in self.marks and probe:
            probe = probe[:-1]
        line, col = self.marks.get(probe, (1, 1))
        return Problem(self.name, line, col, field or _field(path), message)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum" and list(error.absolute_path)[-1:] == ["type"]:
        return (f"unknown segment type {error.instance!r}; expected one of: "
                f"{', '.join(SEGMENT_TYPES)}")
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed",
                                     "unknown field(s)")
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda e: len(e.message))
        if error.validator == "anyOf" and all(e.validator == "required"
                                              for e in error.context):
            return "needs one of: " + ", ".join(
                repr(e.validator_value[0]) for e in error.context)
        return best.message
    return error.message


def _schema_problems(data: Any, marks: _Marks) -> list[Problem]:
    problems = []
    for error in _VALIDATOR.iter_errors(data):
        # if/then failures are reported through their nested errors (more precise).
        errors = [error]
        while errors and errors[0].validator in ("allOf", "if", "then") and errors[0].context:
            errors = list(errors[0].context)
        for err in errors:
            path = tuple(err.absolute_path)
            field = _field(path)
            message = _schema_message(err)
            if err.validator == "required":
                missing = err.message.split("'")[1] if "'" in err.message else ""
                field = _field((*path, missing)) if missing else field
                message = "required field is missing"
            problems.append(marks.at(path, field, message))
    return problems


def parse_rundown(text: str, *, name: str = "<rundown>",
                  base_dir: Path | None = None,
                  resolve_file: Callable[[str, str], Path] | None = None) -> Rundown:
    """Validate rundown YAML ``text`` and build a :class:`Rundown`.

    Relative music/avatar paths resolve against ``base_dir`` (the file's folder), or
    through ``resolve_file(value, what)`` (which raises :class:`InputError`) when given:
    the server confines them to its media root that way.
    Raises :class:`RundownError` with every problem located by file, line and field.
    """
    if len(text.encode("utf-8", errors="replace")) > MAX_RUNDOWN_BYTES:
        raise RundownError([Problem(name, 1, 1, "", f"rundown is larger than "
                                                    f"{MAX_RUNDOWN_BYTES} bytes")])
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise RundownError([Problem(name, line, col, "",
                                    f"YAML syntax: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise RundownError([Problem(name, 1, 1, "", f"YAML: {exc}")]) from None
    marks = _Marks(root, name)
    if not isinstance(data, dict):
        raise RundownError([Problem(name, 1, 1, "", "a rundown must be a mapping with "
                                                    "'show' and 'segments'")])
    problems = marks.problems + _schema_problems(data, marks)
    if problems:
        raise RundownError(sorted(set(problems), key=lambda p: (p.line, p.column, p.field)))
    base = base_dir or Path.cwd()
    rundown = _build(data, name, base, marks, resolve_file)
    return rundown


def load_rundown(path: str | Path) -> Rundown:
    """Read and validate a rundown file (see :func:`parse_rundown`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"rundown file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read rundown {path}: {exc}") from None
    rundown = parse_rundown(text, name=str(path), base_dir=path.resolve().parent)
    rundown.source = path
    return rundown


def check_rundown(path: str | Path) -> Rundown:
    """``vhuman show --check``: validate without running; returns the rundown (its
    :meth:`Rundown.clock` is the planned timing) or raises :class:`RundownError`."""
    rundown = load_rundown(path)
    log.info("%s: %d segments, about %.0f s", path, len(rundown.segments),
             rundown.estimated_seconds())
    return rundown


# -- building typed segments ----------------------------------------------------------


def _build(data: dict[str, Any], name: str, base: Path, marks: _Marks,
           resolve_file: Callable[[str, str], Path] | None = None) -> Rundown:
    problems: list[Problem] = []

    def resolve(value: str, path: PathKey, what: str) -> Path | None:
        if resolve_file is not None:
            try:
                return resolve_file(value, what)
            except InputError as exc:
                problems.append(marks.at(path, "", str(exc)))
                return None
        candidate = Path(value).expanduser()
        candidate = candidate if candidate.is_absolute() else base / candidate
        if not candidate.is_file():
            problems.append(marks.at(path, "", f"{what} file not found: {value}"))
            return None
        return candidate

    def line_of(raw: Any, path: PathKey) -> Line | None:
        try:
            return parse_line(raw)
        except InputError as exc:
            problems.append(marks.at(path, "", str(exc)))
            return None

    def lines_of(raw: list[Any], path: PathKey) -> list[Line]:
        return [ln for i, item in enumerate(raw) if (ln := line_of(item, (*path, i)))]

    show = data["show"]
    loop = show.get("loop", False)
    seen_ids: dict[str, int] = {}
    segments: list[Segment] = []
    last_cue = -1.0
    for i, raw in enumerate(data["segments"]):
        path: PathKey = ("segments", i)
        kind = raw["type"]
        seg = Segment(kind=kind, index=i, line_no=marks.marks.get(path, (1, 1))[0],
                      id=raw.get("id") or f"{i + 1:02d}-{kind}",
                      repeat=int(raw.get("repeat", 1)),
                      interruptible=raw.get("interruptible"),
                      priority=int(raw.get("priority", 90 if raw.get("finale") else 10)))
        if seg.id in seen_ids:
            problems.append(marks.at((*path, "id"), "",
                                     f"duplicate segment id {seg.id!r} (also segment "
                                     f"{seen_ids[seg.id]})"))
        seen_ids[seg.id] = i
        if "at" in raw:
            seg.at = parse_time(raw["at"])
            if seg.at <= last_cue:
                problems.append(marks.at((*path, "at"), "",
                                         f"cue {raw['at']} is not after the previous cue"))
            last_cue = seg.at
        if kind in ("say", "promo"):
            seg.lines = lines_of(raw["lines" if kind == "say" else "pitch"],
                                 (*path, "lines" if kind == "say" else "pitch"))
        for key in ("intro", "outro"):
            if key in raw:
                setattr(seg, key, line_of(raw[key], (*path, key)))
        if "music" in raw:
            seg.music = resolve(raw["music"], (*path, "music"), "music")
        if "duration" in raw:
            seg.duration = parse_time(raw["duration"])
        if kind == "dance":
            seg.style, seg.finale = raw.get("style"), bool(raw.get("finale", False))
            if seg.finale and seg.interruptible:
                problems.append(marks.at((*path, "interruptible"), "",
                                         "a dance finale is never interruptible"))
        elif kind == "chat":
            seg.minutes, seg.messages = raw.get("minutes"), raw.get("messages")
            seg.idle_lines = lines_of(raw.get("idle_lines", []), (*path, "idle_lines"))
        elif kind == "qa":
            seg.questions = [(q, "") if isinstance(q, str) else (q["text"], q.get("from", ""))
                             for q in raw["questions"]]
        elif kind == "promo":
            seg.product = dict(raw["product"])
            seg.product.setdefault("currency", "USD")
            seg.overlay = dict(raw.get("overlay", {}))
        elif kind in ("pause", "break"):
            seg.card = raw.get("card")
        segments.append(seg)
    avatar = None
    if data.get("avatar"):
        avatar = resolve(data["avatar"], ("avatar",), "avatar")
    pre = data.get("preemption", {})
    preemption = Preemption(
        viewer_interrupts=tuple(pre.get("viewer_interrupts", Preemption.viewer_interrupts)),
        viewer_min_priority=float(pre.get("viewer_min_priority", 3.0)),
        host_priority=int(pre.get("host_priority", 100)))
    if problems:
        raise RundownError(sorted(problems, key=lambda p: (p.line, p.column)))
    return Rundown(
        title=show["title"], id=show.get("id") or _slug(show["title"]), source=None,
        segments=segments, persona=dict(data.get("persona") or {}), avatar=avatar,
        voice=dict(data.get("voice") or {}), outputs=list(data.get("outputs") or []),
        preemption=preemption, loop=0 if loop is True else int(loop or 1),
        planned_duration=parse_time(show["duration"]) if "duration" in show else None)


def _slug(title: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    return "-".join(filter(None, slug.split("-")))[:64] or "show"


__all__ = ["SEGMENT_SCHEMAS", "check_rundown", "load_rundown", "parse_rundown"]
