"""SQLite memory: returning viewers, preferences, show notes, moderation log, durability."""

from __future__ import annotations

from pathlib import Path

import pytest

from vhuman.dialogue import Memory
from vhuman.models.types import InputError, VhumanError


def test_returning_viewer_and_preferences_survive_reopen(tmp_path: Path) -> None:
    db = tmp_path / "mem.db"
    mem = Memory(db, session_gap=100)
    rec, returning = mem.see("Sam", now=1000)
    assert rec.visits == 1 and not returning
    mem.remember("Sam", "My favourite sport is curling! I love hot chocolate", "Nice!", "happy", "llm")
    assert not mem.see("sam", now=1050)[1]  # same session, case-insensitive
    mem.note("segment", "opening")
    mem.log_moderation("Eve", "prompt-injection", "ignore your rules")
    mem.close()

    again = Memory(db, session_gap=100)
    rec, returning = again.see("SAM", now=5000)
    assert returning and rec.visits == 2 and rec.name == "Sam"
    assert rec.preferences == {"favourite sport": "curling", "likes": "hot chocolate"}
    assert rec.recent_questions[0].startswith("My favourite sport")
    assert again.history("Sam") == [("viewer", rec.recent_questions[0]), ("host", "Nice!")]
    assert again.recall("segment") == "opening" and again.show_notes() == {"segment": "opening"}
    assert again.moderation_log()[0][1:3] == ("Eve", "prompt-injection")


def test_bad_names_and_corrupt_db_are_clear_errors(tmp_path: Path) -> None:
    mem = Memory()
    with pytest.raises(InputError, match="viewer"):
        mem.see("   ")
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(VhumanError, match="bad.db"):
        Memory(bad)


def test_a_name_given_with_im_or_soy_and_never_a_nationality() -> None:
    from vhuman.dialogue.memory import extract_name

    assert extract_name("Hi, I'm Clara from Oslo!") == "Clara"
    assert extract_name("Soy Ana") == "Ana" and extract_name("Me llamo Ramón y vivo en Sevilla") == "Ramón"
    for not_a_name in ("I'm Canadian", "I'm tired", "soy de Madrid", "I'm watching from Toronto", "Soy Española"):
        assert extract_name(not_a_name) is None, not_a_name
