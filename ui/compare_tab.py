"""Compare: every training of this session, as a table and as overlaid validation-accuracy curves."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from rnn_demo.report import RUN_COLUMNS

from .plots import plot_frames
from .session import Session

NO_RUNS = pd.DataFrame({"epoch": [0.0, 1.0], "value": float("nan"), "run": "(no runs yet)"})
NO_RUNS_TABLE = pd.DataFrame(columns=["run", *RUN_COLUMNS])


def compare_view(session: Session):
    """The runs table and the validation-accuracy curve of each run (yielded twice: see plots.plot_frames)."""
    runs = pd.DataFrame(session.runs)
    if runs.empty:
        yield NO_RUNS_TABLE, NO_RUNS
        return
    runs.insert(0, "run", [f"#{i + 1}" for i in range(len(runs))])
    curves = pd.concat(session.curves, ignore_index=True)
    curves = curves[curves["series"] == "validation accuracy"][["epoch", "value", "run"]]
    for plot in plot_frames(curves, "run"):
        yield readable(runs), plot


def readable(runs: pd.DataFrame) -> pd.DataFrame:
    """Figures as a person reads them: accuracies to 3 places, seconds to one."""
    return runs.round({"learning_rate": 6, "val_accuracy": 3, "val_macro_accuracy": 3, "seconds": 1})


def build(session: gr.State) -> tuple:
    """The tab; returns (fn, inputs, outputs) to refresh it after a training."""
    with gr.Tab("Compare", id="compare", render_children=True) as tab:
        gr.Markdown("Every training of this session, same table and seed unless you changed them. "
                    "Train again with another architecture or cell to add a row.")
        table = gr.Dataframe(NO_RUNS_TABLE, interactive=False, elem_id="compare-table")
        plot = gr.LinePlot(NO_RUNS, x="epoch", y="value", color="run", title="Validation accuracy per run",
                           elem_id="compare-plot", height=300)
    # Drawn again when opened: an update sent before the tab was first shown (runs kept over a reload)
    # can reach a table that is not on the page yet.
    tab.select(compare_view, session, [table, plot], api_visibility="private")
    return compare_view, session, [table, plot]
