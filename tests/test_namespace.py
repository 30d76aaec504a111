"""One import namespace: the five top-level folders install as ``vhuman.*`` and nothing else."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = ("models", "dialogue", "animation", "avatar", "stage")
OLD_IMPORT = re.compile(rf"^\s*(from|import) ({'|'.join(TOP)})(\.|\s|$)", re.M)


def test_pyproject_lists_every_package_under_vhuman() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    folders = {"vhuman"} | {
        "vhuman." + str(init.parent.relative_to(ROOT)).replace("/", ".")
        for top in TOP for init in (ROOT / top).rglob("__init__.py")
    }
    assert set(config["packages"]) == folders
    assert config["package-dir"] == {"vhuman": "vhuman", **{f"vhuman.{t}": t for t in TOP}}


def test_no_code_imports_the_old_top_level_names() -> None:
    offenders = []
    for folder in (*TOP, "vhuman", "tests", "bench", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            if OLD_IMPORT.search(path.read_text("utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_installed_names_are_vhuman_only(tmp_path: Path) -> None:
    """Outside the source tree only ``vhuman`` imports; ``models`` or ``stage`` do not exist."""
    code = ("import importlib.util as u, vhuman; "
            "print([n for n in ('models', 'stage', 'avatar', 'dialogue', 'animation') "
            "if u.find_spec(n)]); print(vhuman.load_avatar.__module__, vhuman.__version__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1].startswith("vhuman.avatar.loader ")


def test_python_m_vhuman_is_the_cli(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "vhuman", "--help"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0 and "say" in done.stdout


def test_front_door_names_resolve() -> None:
    import vhuman

    assert set(vhuman.__all__) - {"__version__"} == set(vhuman._FRONT_DOOR)
    assert all(callable(getattr(vhuman, name)) for name in vhuman._FRONT_DOOR)
