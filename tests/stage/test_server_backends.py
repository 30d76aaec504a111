"""The server's default brains: one per show, in the rundown's persona, sharing one model."""

from __future__ import annotations

import pytest

import vhuman.models.llm as llm_module
from vhuman.dialogue import Brain
from vhuman.models.llm.testing import ScriptedLLM
from vhuman.stage.server.backends import _brain_factory, _SharedLLM
from vhuman.stage.testing_performer import FakeBrain


def test_every_show_brain_gets_the_one_shared_default_model(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[ScriptedLLM] = []

    def default_llm() -> ScriptedLLM:
        loaded.append(ScriptedLLM("Hello!"))
        return loaded[-1]

    monkeypatch.setattr(llm_module, "default_llm", default_llm)
    make = _brain_factory(None)
    first, second = make("a", None), make("b", None)
    assert isinstance(first, Brain) and isinstance(second, Brain) and first is not second
    shared = _SharedLLM()
    shared.warm(first)
    shared.warm(second)
    shared.warm(FakeBrain())  # nothing to load: left alone
    assert len(loaded) == 1 and first.llm is second.llm is loaded[0]
    assert not first.wants_default_llm


def test_a_brain_with_its_own_model_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llm_module, "default_llm", lambda: pytest.fail("no default model wanted"))
    own = ScriptedLLM("Hi!")
    brain = Brain(llm=own, memory=None)
    _SharedLLM().warm(brain)
    assert brain.llm is own
