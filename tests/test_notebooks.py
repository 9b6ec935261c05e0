"""The notebooks run top to bottom, leave no temporary folder behind, show the view inline (not as a
link to a file a Jupyter server would not serve), and are stored without outputs."""
from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"  # the kernel's temporary folder: empty again once the notebook has run
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    notebook = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in notebook.cells if c.cell_type == "code"), \
        "notebooks are stored without outputs"
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert [p.name for p in scratch.iterdir() if p.name.startswith("tmp")] == []
    shown = [o for c in notebook.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    views = [o["data"]["text/html"] for o in shown if "srcdoc=" in o["data"]["text/html"]]
    assert views and all("vis.Network" in v for v in views) and not any("IFrame" in "".join(c.source) for c in notebook.cells)
    assert sum(1 for c in notebook.cells if c.cell_type == "code") >= 6


def test_there_are_two_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01_explore_example_corpus.ipynb", "02_your_own_papers.ipynb"]
