"""Shared fixtures: the sample knowledge base, indexed once per session with MiniLM."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vhuman.dialogue import KnowledgeBase

SAMPLE_KB = Path(__file__).resolve().parents[2] / "examples" / "kb"


@pytest.fixture(scope="session")
def sample_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("kb")
    folder = root / "docs"
    shutil.copytree(SAMPLE_KB, folder)
    return KnowledgeBase.build(folder, root / "store")
