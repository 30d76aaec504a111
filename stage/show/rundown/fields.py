"""Field types shared by every rundown model: times (``mm:ss``), names, files resolved
against the rundown's folder (or the server's media root), and the strict base model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from vhuman.models.types import InputError


def parse_time(value: float | int | str, where: str = "time") -> float:
    """Seconds from a number or ``ss`` / ``mm:ss`` / ``hh:mm:ss`` text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    parts = str(value).strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{where}: not a time: {value!r}") from None
    seconds = 0.0
    for n in numbers:
        seconds = seconds * 60 + n
    return seconds


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("time", "not a time: {value}", {"value": repr(value)})
    try:
        seconds = parse_time(value)
    except InputError:
        raise PydanticCustomError("time", "not a time: {value}", {"value": repr(value)}) from None
    if seconds < 0:
        raise PydanticCustomError("time", "a time must not be negative: {value}",
                                  {"value": repr(value)})
    return seconds


_TIME_SCHEMA = {"description": "seconds, or 'mm:ss' / 'hh:mm:ss'",
                "oneOf": [{"type": "number", "minimum": 0},
                          {"type": "string", "pattern": r"^\d+(:\d{1,2}){0,2}(\.\d+)?$"}]}
Seconds = Annotated[float, BeforeValidator(_seconds), WithJsonSchema(_TIME_SCHEMA)]
Name = Annotated[str, Field(min_length=1, max_length=64)]


def resolve_file(value: object, info: ValidationInfo, what: str) -> Path:
    """A file named in the rundown, relative to the rundown's folder; it must exist."""
    resolve = (info.context or {}).get("resolve_file")
    if resolve is not None:  # the server's media root (stage/server/media.py)
        try:
            return resolve(str(value), what)  # type: ignore[no-any-return]
        except InputError as exc:
            raise PydanticCustomError("file_refused", "{message}",
                                      {"message": str(exc)}) from None
    base = Path((info.context or {}).get("base_dir") or Path.cwd())
    candidate = Path(str(value)).expanduser()
    candidate = candidate if candidate.is_absolute() else base / candidate
    if not candidate.is_file():
        raise PydanticCustomError("file_not_found", "{what} file not found: {value}",
                                  {"what": what, "value": str(value)})
    return candidate


class RundownModel(BaseModel):
    """Base of every rundown model: unknown keys are errors (a typo never passes)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

