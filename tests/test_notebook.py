"""The quickstart notebook executes from start to end (nbclient, in a folder outside the repository)
and shows its figure: a researcher who runs it sees the plot, not an empty cell."""

import base64
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"


def test_quickstart_notebook_executes_and_shows_its_figure(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    sources = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "matplotlib.use(" not in sources  # "Agg" in a cell leaves the plotting cell without output
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors
    images = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, f"{len(images)} figures in the executed notebook"
    png = base64.b64decode(images[0])
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a drawn figure, not an empty canvas
    out = ROOT / "test-output" / "notebook"  # git-ignored: look at the figure the test saw
    out.mkdir(parents=True, exist_ok=True)
    (out / "quickstart-figure.png").write_bytes(png)
    last = nb.cells[-1]["outputs"]
    assert last and "sc_full" in str(last[-1].get("data", {}).get("text/plain", ""))

