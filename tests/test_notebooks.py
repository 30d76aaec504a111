"""The notebooks run top to bottom (executed with the project's own kernel)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quickstart_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VHUMAN_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}})
    # "python3" is jupyter_client's native kernel: it runs on this interpreter (the venv).
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert (tmp_path / "hello.mp4").stat().st_size > 10_000
    assert (tmp_path / "visemes.png").stat().st_size > 5_000
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the frame and the timeline
