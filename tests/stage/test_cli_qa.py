"""`vhuman qa`: short answer, reply and sources from an index built once and reused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vhuman.stage.cli import main

KB = Path(__file__).resolve().parents[2] / "examples" / "kb"


def test_qa_json_and_index_reused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(KB, folder)
    store = tmp_path / "store"
    assert main(["-q", "qa", "Who designed the mascot?", "--kb", str(folder), "--store", str(store),
                 "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["answered"] and "Lotte Engel" in first["short_answer"]
    assert "Lotte Engel" in first["reply"] and first["sources"][-1]["doc"] == "mascot.md"
    text = (folder / "mascot.md").read_text(encoding="utf-8")
    span = first["span"]
    assert " ".join(text[span["start"] : span["end"]].split()) == first["short_answer"]
    stamp = (store / "vectors.npz").stat().st_mtime_ns
    # a second call reads the stored index instead of embedding the folder again
    assert main(["-q", "qa", "When is the curling final?", "What is the capital of Australia?",
                 "--kb", str(folder), "--store", str(store), "--no-update"]) == 0
    out = capsys.readouterr().out
    assert "18 February 2026" in out and "don't have" in out and "source [" in out
    assert (store / "vectors.npz").stat().st_mtime_ns == stamp


def test_desk_threshold_from_the_command_line_and_the_server_settings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(KB, folder)
    store = tmp_path / "store"
    # a desk that answers only when certain refuses even a fact the kit holds
    assert main(["-q", "qa", "When is the curling final?", "--kb", str(folder), "--store",
                 str(store), "--json", "--threshold", "1.0"]) == 0
    strict = json.loads(capsys.readouterr().out)
    assert not strict["answered"] and strict["short_answer"] == ""
    assert "don't have" in strict["reply"] and strict["sources"][-1]["doc"] == "schedule.md"

    from vhuman.stage.server import ServerSettings
    from vhuman.stage.server.backends import _qa_engine

    settings = ServerSettings(knowledge_dir=folder, qa_threshold=0.75,
                              _env_file=None)  # type: ignore[call-arg]
    assert _qa_engine(settings).threshold == 0.75
    with pytest.raises(ValueError):
        ServerSettings(qa_threshold=1.5, _env_file=None)  # type: ignore[call-arg]
