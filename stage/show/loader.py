"""Load a rundown file: YAML → located schema validation → typed :class:`Rundown`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from vhuman.models.types import InputError

from .gesture_check import gesture_problems
from .rundown import SEGMENT_TYPES, Problem, Rundown, RundownError

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


def _data_path(data: Any, loc: tuple[str | int, ...], error_type: str) -> PathKey:
    """The path in the YAML data of a pydantic error location: union members and
    discriminator tags that pydantic adds to ``loc`` are not in the data, so skip them."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif i == len(loc) - 1 and error_type == "missing":
            pass  # the missing field itself
        else:
            continue
        path.append(part)
    return tuple(path)


def _message(error: Any) -> tuple[str | None, str]:
    """(extra field to append to the path, readable message) for one pydantic error."""
    kind = error["type"]
    if kind == "missing":
        return None, "required field is missing"
    if kind == "extra_forbidden":
        return None, "unknown field"
    if kind == "union_tag_invalid":
        return "type", (f"unknown segment type {error['ctx']['tag']!r}; expected one of: "
                        f"{', '.join(SEGMENT_TYPES)}")
    if kind == "union_tag_not_found":
        return "type", "required field is missing"
    message = str(error["msg"])
    return None, message.removeprefix("Value error, ")


def _validation_problems(exc: ValidationError, data: Any, marks: _Marks) -> list[Problem]:
    by_path: dict[PathKey, Problem] = {}
    for error in exc.errors():
        path = _data_path(data, tuple(error["loc"]), error["type"])
        extra, message = _message(error)
        field = _field((*path, extra) if extra else path)
        problem = marks.at((*path, extra) if extra else path, field, message)
        # Union members fail one by one at the same place: keep the shortest account.
        key = (*path, extra) if extra else path
        if key not in by_path or len(message) < len(by_path[key].message):
            by_path[key] = problem
    return list(by_path.values())


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
    problems = list(marks.problems)
    rundown: Rundown | None = None
    try:
        rundown = Rundown.model_validate(data, context={"base_dir": base_dir or Path.cwd(),
                                                        "resolve_file": resolve_file})
    except ValidationError as exc:
        problems += _validation_problems(exc, data, marks)
    if rundown is not None:
        problems += _order_problems(rundown, data, marks)
        problems += gesture_problems(rundown, marks.at)
    if problems or rundown is None:
        raise RundownError(sorted(set(problems), key=lambda p: (p.line, p.column, p.field)))
    for seg in rundown.segments:
        seg._line_no = marks.marks.get(("segments", seg.index), (1, 1))[0]
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
    rundown._source = path
    return rundown


def check_rundown(path: str | Path) -> Rundown:
    """``vhuman show --check``: validate without running; returns the rundown (its
    :meth:`Rundown.clock` is the planned timing) or raises :class:`RundownError`."""
    rundown = load_rundown(path)
    log.info("%s: %d segments, about %.0f s", path, len(rundown.segments),
             rundown.estimated_seconds())
    return rundown


# -- checks across segments ----------------------------------------------------------


def _order_problems(rundown: Rundown, data: dict[str, Any], marks: _Marks) -> list[Problem]:
    """What one segment cannot check alone: unique ids, cues in increasing order."""
    problems: list[Problem] = []
    seen_ids: dict[str, int] = {}
    last_cue = -1.0
    for seg in rundown.segments:
        path: PathKey = ("segments", seg.index)
        if seg.id in seen_ids:
            problems.append(marks.at((*path, "id"), "", f"duplicate segment id {seg.id!r} "
                                                        f"(also segment {seen_ids[seg.id]})"))
        seen_ids[seg.id] = seg.index
        if seg.at is not None:
            if seg.at <= last_cue:
                raw = data["segments"][seg.index].get("at")
                problems.append(marks.at((*path, "at"), "",
                                         f"cue {raw} is not after the previous cue"))
            last_cue = seg.at
    return problems


__all__ = ["check_rundown", "load_rundown", "parse_rundown"]
