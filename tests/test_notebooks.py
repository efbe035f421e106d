"""Every notebook in examples/ runs from top to bottom on the embedded data, each cell
within a minute: a notebook that breaks fails the suite."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def test_there_is_a_notebook_per_lecture():
    assert len(NOTEBOOKS) >= 6, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(EXAMPLES.parent)}}).execute()
    errors = [o for cell in notebook.cells for o in cell.get("outputs", [])
              if o.output_type == "error"]
    assert not errors
    figures = [o for cell in notebook.cells for o in cell.get("outputs", [])
               if "image/png" in o.get("data", {})]
    if "plt." in "".join(cell.source for cell in notebook.cells):
        assert figures, f"{path.name} draws figures but shows none inline"
