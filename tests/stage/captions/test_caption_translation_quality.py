"""The caption translation set and its chrF scoring (``bench/caption_translation.py``),
through the translator captions use, with a scripted chat model."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from bench.caption_translation import TARGETS, load_set, score, translation_quality
from vhuman.models.asr.whisper import to_simplified


def test_the_set_has_30_talk_show_lines_with_careful_references():
    source, lines = load_set()
    assert source == "en" and len(lines) >= 30
    assert {line["role"] for line in lines} == {"host", "guest"}
    for line in lines:
        assert all(line[k].strip() for k in (source, *TARGETS)), line
        assert to_simplified(line["zh"]) == line["zh"], line["zh"]  # simplified Chinese
        assert re.search(r"[\u4e00-\u9fff]", line["zh"]) and line["es"] != line["en"]
    assert len({line["en"] for line in lines}) == len(lines)


def test_chrf_is_100_for_the_reference_0_for_nothing_and_ranks_the_worst_lines():
    refs = ["Buenas noches y bienvenidos al programa.", "Quédense con nosotros.",
            "Ahí empezó todo para mí."]
    perfect = score(list(refs), refs)
    assert perfect["chrf"] == 100.0 and perfect["missing"] == 0
    got = score(["Buenas noches y bienvenidos al show.", None, "Ahí empezó todo para mí."],
                refs, worst=2, sources=["a", "b", "c"])
    assert got["missing"] == 1 and 0 < got["chrf"] < 100
    assert [w["source"] for w in got["worst"]] == ["b", "a"]
    assert got["worst"][0]["chrf"] == 0.0 and 50 < got["worst"][1]["chrf"] < 100
    zh = score(["晚上好，欢迎收看节目。"], ["晚上好，欢迎收看本节目。"])  # characters, no spaces
    assert 50 < zh["chrf"] < 100


class DictionaryModel:
    """A chat model that knows the references (and gets one Spanish line wrong)."""

    def __init__(self) -> None:
        source, lines = load_set()
        self.known = {(line[source], t): line[t] for line in lines for t in TARGETS}

    async def stream(self, messages: list[dict[str, Any]], **_: Any) -> AsyncIterator[str]:
        prompt = messages[-1]["content"]
        target = "es" if "to Spanish" in prompt else "zh"
        text = prompt.split("\nEnglish: ", 1)[1].rsplit("\n", 1)[0]
        wrong = text == "Stay with us." and target == "es"
        answer = "No sé." if wrong else self.known[(text, target)]
        for i in range(0, len(answer), 5):
            yield answer[i:i + 5]


def test_every_line_goes_through_the_caption_translator_and_is_scored():
    result = asyncio.run(translation_quality(DictionaryModel(), quick=True))
    assert set(result) == set(TARGETS)
    assert result["zh"]["chrf"] == 100.0 and result["zh"]["lines"] == 10
    es = result["es"]
    assert 80 < es["chrf"] < 100 and es["worst"][0]["source"] == "Stay with us."
    assert es["worst"][0]["answer"] == "No sé." and es["seconds_per_line"] >= 0
