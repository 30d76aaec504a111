"""Where a rundown is wrong: one located :class:`Problem` per mistake, and the error that
carries them all."""

from __future__ import annotations

from dataclasses import dataclass

from vhuman.models.types import InputError


@dataclass(frozen=True)
class Problem:
    """One validation problem located in the rundown file."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}:{self.column}: {where}{self.message}"


class RundownError(InputError):
    """A rundown failed validation; ``problems`` lists every located problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("invalid rundown:\n" + "\n".join(f"  {p}" for p in problems))
