"""Structure figures of a vhuman tree: ``Any`` in public signatures, the largest file and
the largest function (the duplicate-code pairs come from the ``duplicates`` tool).

``python scripts/code_figures.py [ROOT]`` (default: this checkout) prints the number of
public functions and methods of ``models/ dialogue/ animation/ avatar/ stage/``, the
``Any`` in their annotations (in all, and per package), the largest file in lines and the
largest function.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGES = ("models", "dialogue", "animation", "avatar", "stage")


def _any_count(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    args = fn.args
    notes = [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation]
    notes += [v.annotation for v in (args.vararg, args.kwarg) if v is not None and v.annotation]
    if fn.returns is not None:
        notes.append(fn.returns)
    return sum(ast.unparse(n).count("Any") for n in notes)


def _public(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level public functions and the public methods (and ``__init__``) of public classes."""
    out: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            out.append(node)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            out += [m for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
                    and (not m.name.startswith("_") or m.name == "__init__")]
    return out


def figures(root: Path) -> str:
    functions = anys = 0
    per_package: dict[str, int] = {}
    big_file, big_function = (0, ""), (0, "")
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            name = str(path.relative_to(root))
            big_file = max(big_file, (source.count("\n"), name))
            tree = ast.parse(source)
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
                    size = node.end_lineno - node.lineno + 1
                    big_function = max(big_function, (size, f"{name}:{node.name}"))
            for fn in _public(tree):
                functions += 1
                count = _any_count(fn)
                anys += count
                per_package[package] = per_package.get(package, 0) + count
    return (f"public functions/methods: {functions}; Any in their signatures: {anys}; "
            f"per package: {per_package}\n"
            f"largest file: {big_file[1]} {big_file[0]} lines; "
            f"largest function: {big_function[1]} {big_function[0]} lines")


if __name__ == "__main__":
    print(figures(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]))
