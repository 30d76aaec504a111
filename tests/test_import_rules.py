"""The import rules of docs/architecture.md, checked on the source (no module is imported).

- Between packages, imports point down the data flow: ``models`` imports none of the others;
  ``dialogue``, ``animation`` and ``avatar`` never import ``stage``; ``animation`` and
  ``avatar`` never import ``dialogue``.
- Inside ``stage/`` the rooms are ranked (``STAGE_ROOMS``); a room imports only rooms of a
  lower or equal rank: outputs ← live ← show ← server ← cluster, the commands and the CLI on
  top.
- No import cycle between modules at run time (imports under ``if TYPE_CHECKING:`` are type
  hints only and do not count).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("models", "dialogue", "animation", "avatar", "stage")
#: package -> the vhuman packages it must not import
FORBIDDEN = {
    "models": {"dialogue", "animation", "avatar", "stage"},
    "dialogue": {"stage", "animation", "avatar"},
    "animation": {"stage", "dialogue"},
    "avatar": {"stage", "dialogue"},
}
#: stage rooms by rank: a room imports only rooms of a lower or equal rank
STAGE_ROOMS: dict[str, int] = {
    # shared ground: helpers, types and protocols every room may use
    "aio": 0, "media": 0, "metrics": 0, "picture": 0, "store": 1,
    "captions": 2,
    "outputs": 3,
    "performer": 4,
    "guests": 5,
    "live": 6,
    "offline": 7, "transcript": 7,
    "chat": 8,
    "show": 9,
    # commands built on the engine (vhuman say / sing / dance / avatar play / listen)
    "say": 10, "sing": 10, "dance": 10, "avatar_play": 10, "testing_performer": 10, "listen": 10,
    "server": 11,
    "cluster": 12,
    "cli": 13,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return "vhuman." + ".".join(parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _runtime_nodes(tree: ast.Module) -> list[ast.stmt | ast.expr]:
    """Every import node except those under ``if TYPE_CHECKING:``."""
    found: list[ast.stmt | ast.expr] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in sources.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in _runtime_nodes(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parts + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in sources else base
                           for a in node.names]
            else:
                targets = [a.name for a in node.names]  # type: ignore[union-attr]
            for target in targets:
                while target and target not in sources:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _package(module: str) -> str:
    return module.split(".")[1]


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[1] == "stage" and len(parts) > 2 else None


def test_packages_import_down_the_data_flow() -> None:
    wrong = sorted(f"{a} -> {b}" for a, targets in _graph().items() for b in targets
                   if _package(b) in FORBIDDEN.get(_package(a), set()))
    assert wrong == [], wrong


def test_every_stage_room_has_a_rank() -> None:
    rooms = {p.stem if p.is_file() else p.name for p in (ROOT / "stage").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__")
             or (p.is_dir() and (p / "__init__.py").exists())}
    assert rooms <= set(STAGE_ROOMS), sorted(rooms - set(STAGE_ROOMS))


def test_stage_rooms_import_only_lower_rooms() -> None:
    wrong = []
    for a, targets in _graph().items():
        for b in targets:
            ra, rb = _room(a), _room(b)
            if ra and rb and STAGE_ROOMS.get(rb, 99) > STAGE_ROOMS.get(ra, 99):
                wrong.append(f"{a} -> {b}")
    assert sorted(wrong) == [], sorted(wrong)


def test_no_import_cycles() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(_sources()):
        if module not in index:
            strong(module)
    assert cycles == [], cycles
