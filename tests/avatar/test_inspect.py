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
