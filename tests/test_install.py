"""Reproducible installs: the lock file pins, with a sha256, every package the project declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_lock_pins_every_declared_dependency_with_a_hash() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_name(r) for r in extra}
    lock = (ROOT / "requirements.lock").read_text("utf-8")
    pinned = dict(re.findall(r"^([a-z0-9][a-z0-9.\-]*)==(\S+) \\\n\s+--hash=sha256:[0-9a-f]{64}$",
                             lock, re.M))
    assert declared - {"torch"} - set(pinned) == set(), "run python scripts/lock.py"
    assert "torch" not in pinned  # torch comes from TORCH_SPEC: CPU here, CUDA on a GPU box
    assert lock.count("--hash=sha256:") == len(pinned)


def test_setup_installs_from_the_lock_with_hashes() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text("utf-8")
    assert "--require-hashes --no-deps -r requirements.lock" in setup
