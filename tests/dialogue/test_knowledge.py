"""Knowledge base: build, fused search with spans, incremental update, corrupt files/stores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vhuman.dialogue import KnowledgeBase
from vhuman.models.types import InputError, VhumanError

SAMPLE_KB = Path(__file__).resolve().parents[2] / "examples" / "kb"


def test_search_returns_cited_spans(sample_kb: KnowledgeBase) -> None:
    passages = sample_kb.search("How many spectators does the Crystal Arena hold?", k=3)
    top = passages[0]
    assert top.doc == "venues.md" and "9,200" in top.text
    assert sample_kb.docs[top.doc]["text"][top.start : top.end] == top.text
    assert passages[0].score >= passages[1].score
    assert sample_kb.errors == []
    with pytest.raises(InputError):
        sample_kb.search("   ")


def test_structured_files_are_indexed(sample_kb: KnowledgeBase) -> None:
    hit = sample_kb.search("price of the Pip plush toy", k=1)[0]
    assert hit.doc == "merchandise.csv" and "22" in hit.text
    hit = sample_kb.search("Anika Brandt gold medals", k=1)[0]
    assert hit.doc == "athletes.yaml"


def test_incremental_update_and_corrupt_files(tmp_path: Path, sample_kb: KnowledgeBase) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("mascot.md", "food.md"):
        shutil.copy(SAMPLE_KB / name, folder / name)
    kb = KnowledgeBase.build(folder, tmp_path / "store", embedder=sample_kb.embedder)
    assert sorted(kb.docs) == ["food.md", "mascot.md"]

    (folder / "extra.txt").write_text("The ice sculpture contest is on 16 February 2026.\n")
    (folder / "broken.csv").write_text("a,b\n1,2,3\n")
    (folder / "binary.md").write_bytes(b"\x00\x01\x02\xff")
    (folder / "bad.yaml").write_text("key: [unclosed\n")
    (folder / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (folder / "mascot.md").unlink()
    (folder / ".index").mkdir()
    (folder / ".index" / "notes.md").write_text("hidden: never indexed\n")
    report = kb.update()
    assert report.added == ["extra.txt"] and report.removed == ["mascot.md"]
    assert report.changed == []
    errors = "\n".join(report.errors)
    assert "broken.csv: line 2" in errors and "binary.md" in errors
    assert "bad.yaml: line" in errors and "latin1.txt: line 1: not valid UTF-8" in errors

    reopened = KnowledgeBase.open(tmp_path / "store", embedder=sample_kb.embedder)
    assert sorted(reopened.docs) == ["extra.txt", "food.md"]
    assert "ice sculpture" in reopened.search("When is the ice sculpture contest?", k=1)[0].text
    assert reopened.update().added == []  # nothing changed: nothing re-embedded


def test_corrupt_or_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VhumanError, match="no knowledge base store"):
        KnowledgeBase.open(tmp_path)
    (tmp_path / "kb.json").write_text("{not json")
    (tmp_path / "vectors.npz").write_bytes(b"junk")
    with pytest.raises(VhumanError, match="corrupt"):
        KnowledgeBase.open(tmp_path)
    (tmp_path / "kb.json").write_text(json.dumps({"version": 99}))
    with pytest.raises(VhumanError, match="version"):
        KnowledgeBase.open(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        KnowledgeBase.build(tmp_path / "nope", tmp_path / "s")
