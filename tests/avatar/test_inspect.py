"""``inspect_avatar`` reports what was found; ``contact_sheet`` renders a turnaround PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.avatar.fixtures import mixamo_arkit_glb
from vhuman.avatar.inspect import contact_sheet, inspect_avatar, report_for
from vhuman.avatar.loader import load_avatar


def test_report_of_a_mixamo_avatar(tmp_path: Path) -> None:
    report = inspect_avatar(mixamo_arkit_glb(tmp_path))
    assert report.triangles == 12 * 22 + 12 and report.format == "gltf"
    assert "leftEye" in report.missing_bones and len(report.bones) == 22
    assert report.visemes["aa"] == "arkit" and report.clips == ["turn (1.00 s)"]
    text = report.to_text()
    assert "mixamorig:LeftUpLeg (name)" in text and "visemes 15/15" in text
    assert "skin joints of" in text and "facing: faces +Z, up +Y (bones)" in text


def test_contact_sheet_of_the_builtin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VHUMAN_CACHE", str(tmp_path / "cache"))
    host = load_avatar()
    assert "visemes 15/15" in report_for(host).to_text()
    try:
        out = contact_sheet(host, tmp_path / "sheet.png", views=4, size=128)
    except Exception as exc:  # no OpenGL on this machine
        pytest.skip(f"renderer unavailable: {exc}")
    img = np.asarray(Image.open(out))
    assert img.shape[:2] == (128, 512)
    tiles = np.split(img[..., :3].astype(int), 4, axis=1)
    for tile in tiles:  # each view shows the character, not just background
        assert np.abs(tile - tile[0, 0]).sum(-1).astype(bool).mean() > 0.05
    assert np.abs(tiles[0] - tiles[1]).mean() > 1.0  # front and side differ


def test_report_lists_bind_pose_corrections_and_unresolved_things() -> None:
    import copy

    from vhuman.avatar.variants import ODD_REST, turn_rest

    host = load_avatar()
    odd = turn_rest(host, ODD_REST["head turned 180"])
    report = report_for(odd)
    assert report.bind == {"head": pytest.approx(180.0, abs=0.5)}
    assert "rest pose turned back to the skin's bind pose: head 180 deg" in report.to_text()
    assert not any(w.startswith("lip-sync") for w in report.warnings)
    mute = copy.deepcopy(host)  # no mouth shapes and no jaw: a mouth that can never move
    for name in [n for n in mute.shapes if n.startswith("viseme_") or n == "jawOpen"]:
        del mute.shapes[name]
    mute.skeleton.humanoid.pop("jaw")
    mute.meta.pop("_rest_pose", None)
    report = report_for(mute)
    assert report.visemes == {}  # no phantom neutral viseme
    assert report.warnings[0].startswith("lip-sync impossible: no mouth shapes")
    assert "warning: lip-sync impossible" in report.to_text()


def test_contact_sheet_shows_the_face_from_the_front_after_correction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vhuman.avatar.variants import ODD_REST, turn_rest

    monkeypatch.setenv("VHUMAN_CACHE", str(tmp_path / "cache"))
    host = load_avatar()
    odd = turn_rest(host, ODD_REST["head turned 180"])
    try:
        want = contact_sheet(host, tmp_path / "host.png", views=1, size=128)
    except Exception as exc:  # no OpenGL on this machine
        pytest.skip(f"renderer unavailable: {exc}")
    got = contact_sheet(odd, tmp_path / "odd.png", views=1, size=128)
    a, b = (np.asarray(Image.open(p))[..., :3].astype(int) for p in (want, got))
    assert np.abs(a - b).mean() < 1.0  # the same face, not the back of the head
