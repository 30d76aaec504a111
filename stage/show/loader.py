"""Load a rundown file: YAML → located schema validation → typed :class:`Rundown`."""

from __future__ import annotations

import logging
import re
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
MAX_YAML_DEPTH = 64
"""Nesting deeper than this is refused while composing (no rundown needs it; each level
costs Python stack in the composer, the schema and the error walk)."""
MAX_YAML_NODES = 200_000
"""Nodes in the document with every alias expanded: a few aliases of aliases (a "billion
laughs") are refused at the first alias past it, before anything is built."""
PathKey = tuple[str | int, ...]


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits checked while composing: nesting depth, the
    node count with aliases expanded, and no alias to a node that contains it (a
    recursive structure)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._expanded = 0
        self._sizes: dict[str, int] = {}

    def _count(self, n: int, mark: yaml.Mark | None) -> None:
        self._expanded += n
        if self._expanded > MAX_YAML_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_YAML_NODES} values once aliases are expanded",
                mark)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        anchor = event.anchor
        if isinstance(event, yaml.AliasEvent):
            if anchor in self.anchors and anchor not in self._sizes:
                raise yaml.composer.ComposerError(
                    None, None, "an alias inside the node it names (a recursive structure)",
                    event.start_mark)
            self._count(self._sizes.get(anchor or "", 0), event.start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._count(1, event.start_mark)
        if anchor is not None:
            self._sizes[anchor] = _expanded_size(node, {})
        return node  # type: ignore[no-any-return]


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes under ``node`` with shared (aliased) nodes counted at each use."""
    known = memo.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, memo) for item in node.value)
    memo[id(node)] = size
    return size


def safe_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """Compose and construct one YAML document within the limits above: (node, data).
    Raises ``yaml.YAMLError`` (a ``MarkedYAMLError`` with the place) when it breaks one."""
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


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
        root, data = safe_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise RundownError([Problem(name, line, col, "",
                                    f"YAML syntax: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise RundownError([Problem(name, 1, 1, "", f"YAML: {exc}")]) from None
    except RecursionError:  # the depth limit above keeps PyYAML's own recursion short
        raise RundownError([Problem(name, 1, 1, "", "YAML nested too deeply")]) from None
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


__all__ = ["check_rundown", "load_rundown", "parse_rundown", "public_problem", "safe_yaml"]


def _schema_names() -> frozenset[str]:
    """Every field name (and alias) of the rundown schema's models."""
    from pydantic import BaseModel

    from . import rundown as schema

    names: set[str] = {"type"}
    for value in vars(schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            for name, info in value.model_fields.items():
                names.add(name)
                if info.alias:
                    names.add(info.alias)
    return frozenset(names)


_FIELD_PART = re.compile(r"\[\d+\]|[^.\[]+")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def public_problem(problem: Problem, name: str) -> str:
    """One problem as a server may send it back: the place, the schema's own field
    names (any other key is text from the file and shows as ``<key>``) and the rule,
    with quoted values left out, under ``name`` instead of the file's name."""
    known = _schema_names()
    parts = _FIELD_PART.findall(problem.field)
    field = ""
    for part in parts:
        piece = part if part.startswith("[") or part in known else "<key>"
        field += piece if piece.startswith("[") or not field else "." + piece
    message = _QUOTED.sub("'…'", problem.message)
    where = f"{field}: " if field else ""
    return f"{name}:{problem.line}:{problem.column}: {where}{message}"
