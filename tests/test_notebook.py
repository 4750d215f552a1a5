"""The workshop notebook runs top to bottom in a fresh kernel, as a learner runs it, and shows its key results."""

import re
import time

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOK = ROOT / "workshop" / "rnn_names.ipynb"


@pytest.fixture(scope="module")
def run():
    """The notebook executed from its own folder (where Jupyter starts it): (its stdout, seconds)."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    seconds = time.perf_counter() - started
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout"), seconds


def test_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_notebook_walks_the_lesson_path_in_order():
    headings = [cell.source.splitlines()[0] for cell in nbformat.read(NOTEBOOK, as_version=4).cells
                if cell.cell_type == "markdown" and cell.source.startswith("## ")]
    assert [h.split(". ", 1)[0] for h in headings[:11]] == [f"## {i}" for i in range(1, 12)]
    assert "Why gated cells" in headings[10]


def test_notebook_builds_padding_and_packing_by_hand(run):
    stdout, _ = run
    assert "one-hot (6, 31) (T, V)" in stdout
    assert "padded: (3, 14, 31) (B, T, V)" in stdout
    assert "batch_sizes by hand: [3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]" in stdout
    assert "largest difference from the loop: 0.0e+00" in stdout


def test_notebook_trains_well_above_guessing(run):
    stdout, seconds = run
    accuracy = float(re.search(r"final validation accuracy: ([0-9.]+)", stdout).group(1))
    assert accuracy > 0.4  # 18 languages: guessing gives 0.056
    print(f"\nthe notebook ran in {seconds:.0f} s")  # a figure, not a threshold


def test_notebook_shows_gated_cells_keeping_the_first_letter(run):
    stdout, _ = run
    lines = re.findall(r"^  (\S.*?) +([0-9.]+e[+-][0-9]+)$", stdout, re.MULTILINE)  # "  fresh rnn   8.5e-07"
    norms = {series: float(norm) for series, norm in lines}
    assert norms["this model (gru)"] > 100 * norms["fresh rnn"]
    assert norms["fresh gru, gate bias +2"] > 100 * norms["fresh gru"]
