"""Rundown parsing: the example validates, errors name file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vhuman.models.types import Emotion, InputError
from vhuman.stage.show import check_rundown, parse_rundown, parse_time
from vhuman.stage.show.rundown import RundownError, parse_line
from vhuman.stage.show.schema import RUNDOWN_SCHEMA, schema_json

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "shows" / "talk_show.yaml"


def _problems(text: str, tmp_path: Path, name: str = "show.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(RundownError) as info:
        check_rundown(path)
    return [str(p) for p in info.value.problems]


def test_example_talk_show_validates_with_every_segment_kind() -> None:
    rundown = check_rundown(EXAMPLE)
    kinds = [s.kind for s in rundown.segments]
    assert kinds[0] == "say" and kinds[-1] == "dance"
    assert {"say", "dance", "chat", "promo", "break"} <= set(kinds)
    assert rundown.segments[-1].finale
    assert rundown.segments[2].music is not None and rundown.segments[2].music.is_file()
    # planned at about five minutes
    assert 240 <= rundown.estimated_seconds() <= 360
    sheet = rundown.summary.splitlines()
    assert sheet[0].startswith("Friday Night with Nova (friday-night): 8 segments")
    assert sheet[1].split() == ["0:00", "say", "greeting", "~12s"]
    assert sheet[-1].endswith("finale")
    promo = next(s for s in rundown.segments if s.kind == "promo")
    assert promo.product.price == 39.0 and len(promo.product.selling_points) == 3


def test_published_schema_file_matches_code() -> None:
    published = (ROOT / "schemas" / "rundown.schema.json").read_text()
    assert published == schema_json()
    assert json.loads(published)["properties"]["segments"]["minItems"] == 1
    assert RUNDOWN_SCHEMA["$schema"].endswith("2020-12/schema")


def test_unknown_segment_type_names_file_line_and_field(tmp_path: Path) -> None:
    problems = _problems("show:\n  title: T\nsegments:\n  - type: say\n    lines: [hi]\n"
                         "  - type: dnace\n    music: x.ogg\n", tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'show.yaml'}:6:")
    assert "segments[1].type" in problems[0] and "'dnace'" in problems[0]
    assert "say, dance, chat" in problems[0]


def test_missing_music_file_is_located(tmp_path: Path) -> None:
    problems = _problems("show: {title: T}\nsegments:\n  - type: dance\n"
                         "    music: music/nope.ogg\n", tmp_path)
    assert problems == [f"{tmp_path / 'show.yaml'}:4:12: segments[0].music: "
                        "music file not found: music/nope.ogg"]


def test_malformed_yaml_gives_line(tmp_path: Path) -> None:
    problems = _problems("show:\n  title: T\nsegments:\n  - type: say\n    lines: [a, b\n",
                         tmp_path)
    assert "YAML syntax" in problems[0] and ":6:" in problems[0]


def test_several_problems_reported_at_once_in_line_order(tmp_path: Path) -> None:
    text = ("show:\n  title: T\n  bogus: 1\nsegments:\n  - type: chat\n"
            "  - type: promo\n    product: {name: Cap}\n    pitch: [Buy it]\n"
            "  - type: pause\n    duration: soon\n")
    problems = _problems(text, tmp_path)
    assert any(":3:" in p and "show" in p and "bogus" in p for p in problems)
    assert any(":5:" in p and "segments[0]" in p and "'minutes'" in p for p in problems)
    assert any("segments[1].product.price: required field is missing" in p for p in problems)
    assert any(":10:" in p and "segments[2].duration" in p for p in problems)
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)


def test_duplicate_keys_and_ids_and_cue_order(tmp_path: Path) -> None:
    text = ("show: {title: T}\nsegments:\n  - type: say\n    id: a\n    lines: [x]\n"
            "    lines: [y]\n  - type: say\n    id: b\n    at: '1:00'\n    lines: [z]\n"
            "  - type: say\n    id: b\n    at: 30\n    lines: [w]\n")
    problems = _problems(text, tmp_path)
    assert any(":6:" in p and "duplicate key" in p for p in problems)
    text = ("show: {title: T}\nsegments:\n  - type: say\n    id: b\n    at: '1:00'\n"
            "    lines: [z]\n  - type: say\n    id: b\n    at: 30\n    lines: [w]\n")
    problems = _problems(text, tmp_path, "two.yaml")
    assert any("duplicate segment id 'b'" in p for p in problems)
    assert any(":9:" in p and "not after the previous cue" in p for p in problems)


def test_finale_cannot_be_marked_interruptible(tmp_path: Path) -> None:
    (tmp_path / "m.ogg").write_bytes(b"x")
    problems = _problems("show: {title: T}\nsegments:\n  - type: dance\n    music: m.ogg\n"
                         "    finale: true\n    interruptible: true\n", tmp_path)
    assert "never interruptible" in problems[0]


def test_not_a_mapping_and_missing_file(tmp_path: Path) -> None:
    assert "mapping" in _problems("- just\n- a list\n", tmp_path)[0]
    with pytest.raises(InputError, match="rundown file not found"):
        check_rundown(tmp_path / "absent.yaml")


def test_inline_tags_set_emotion_and_gestures() -> None:
    line = parse_line("[excited] Let's go [wave] everyone! [jump]")
    assert line.text == "Let's go everyone!"
    assert line.emotion is Emotion.EXCITED
    assert line.gestures == ("wave", "jump")
    explicit = parse_line({"text": "Hi [happy]", "emotion": "sad", "gestures": ["nod"]})
    assert explicit.emotion is Emotion.SAD and explicit.gestures == ("nod",)


def test_times_and_clock_plan() -> None:
    assert parse_time("1:30") == 90 and parse_time("01:00:05") == 3605 and parse_time(7) == 7
    rundown = parse_rundown("show: {title: Cue Show, loop: 2}\nsegments:\n"
                            "  - type: say\n    lines: [one two three four five]\n"
                            "  - type: pause\n    at: '0:30'\n    duration: 10\n"
                            "    repeat: 2\n")
    plan = rundown.clock()
    assert plan[0][0] == 0 and plan[1][0] == 30.0
    assert rundown.estimated_seconds() == pytest.approx(50.0)
    assert rundown.loop == 2 and rundown.id == "cue-show"


def test_schema_is_generated_from_the_models_and_checks_files_in_editors() -> None:
    import jsonschema
    import yaml

    segments = RUNDOWN_SCHEMA["properties"]["segments"]["items"]
    assert segments["discriminator"]["propertyName"] == "type"
    assert set(segments["discriminator"]["mapping"]) >= {"say", "dance", "chat", "qa",
                                                        "promo", "pause", "break"}
    validator = jsonschema.Draft202012Validator(RUNDOWN_SCHEMA)
    data = yaml.safe_load(EXAMPLE.read_text())
    assert list(validator.iter_errors(data)) == []
    data["segments"][0]["lines"][0]["emotion"] = "grumpy"
    assert list(validator.iter_errors(data))


def test_segments_are_typed_models_with_defaults(tmp_path: Path) -> None:
    rundown = parse_rundown("show: {title: T}\nsegments:\n  - type: say\n    emotion: sad\n"
                            "    lines: [one, '[happy] two']\n  - type: qa\n"
                            "    questions: ['Why?', {text: 'How?', from: Ann}]\n")
    say, qa = rundown.segments
    assert say.id == "01-say" and qa.id == "02-qa" and qa.index == 1 and qa.line_no == 6
    assert [ln.emotion for ln in say.lines] == [Emotion.SAD, Emotion.HAPPY]
    assert [(q.text, q.asker) for q in qa.questions] == [("Why?", ""), ("How?", "Ann")]
    assert not say.is_finale and rundown.source is None


def test_dance_clip_must_exist_on_the_avatar(tmp_path: Path) -> None:
    from tests.avatar.fixtures import mixamo_arkit_glb

    mixamo_arkit_glb(tmp_path)
    (tmp_path / "song.wav").write_bytes(b"RIFF")
    glb = next(tmp_path.glob("*.glb")).name
    base = f"show: {{title: T}}\navatar: {glb}\nsegments:\n  - type: dance\n    music: song.wav\n"
    ok = parse_rundown(base + "    clip: TURN\n", base_dir=tmp_path)
    assert ok.segments[0].clip == "TURN"
    problems = _problems(base + "    clip: Dance\n", tmp_path)
    assert "no clip 'Dance' (clips: turn)" in problems[0]
    problems = _problems(base.replace(f"avatar: {glb}\n", "") + "    clip: turn\n", tmp_path)
    assert "built-in character has none" in problems[0]


def test_persona_section_is_the_persona_model_with_located_errors(tmp_path: Path) -> None:
    from vhuman.dialogue.persona import Persona

    rundown = check_rundown(EXAMPLE)
    assert isinstance(rundown.persona, Persona) and rundown.persona.name == "Nova"
    assert "Nova" in rundown.persona.system_prompt()
    problems = _problems("show: {title: T}\npersona:\n  name: Kai\n  description: host\n"
                         "  default_emotion: grumpy\nsegments:\n  - type: say\n    lines: [hi]\n",
                         tmp_path)
    assert len(problems) == 1 and ":5:" in problems[0]
    assert "persona.default_emotion" in problems[0] and "unknown emotion 'grumpy'" in problems[0]
