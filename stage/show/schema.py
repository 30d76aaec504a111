"""The rundown JSON Schema (draft 2020-12), generated from the pydantic models in
:mod:`stage.show.rundown` and published as ``schemas/rundown.schema.json`` (a test checks
the file matches; regenerate it with ``python -m vhuman.stage.show.schema``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .rundown import SEGMENT_TYPES, Rundown


def rundown_schema() -> dict[str, Any]:
    """The schema of a rundown file, as editors and other tools read it."""
    schema = Rundown.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://github.com/vhuman/vhuman/schemas/rundown.schema.json",
            "title": "vhuman show rundown",
            **{k: v for k, v in schema.items() if k != "title"}}


RUNDOWN_SCHEMA: dict[str, Any] = rundown_schema()


def schema_json() -> str:
    """The schema as published (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(RUNDOWN_SCHEMA, indent=2, sort_keys=True) + "\n"


def write_schema(path: Path) -> None:
    path.write_text(schema_json(), encoding="utf-8")


__all__ = ["RUNDOWN_SCHEMA", "SEGMENT_TYPES", "rundown_schema", "schema_json", "write_schema"]

if __name__ == "__main__":  # python -m vhuman.stage.show.schema [path]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else \
        Path(__file__).resolve().parents[2] / "schemas" / "rundown.schema.json"
    write_schema(target)
