"""The controlled experiment "Remember the first letter": rnn, gru and lstm trained on sequences
whose label is their first letter, followed by k random letters; accuracy against k, streamed."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from rnn_demo.inside.remember_first import (
    GATE_BIAS_NOTE,
    MAX_K,
    MAX_KS,
    MAX_SEEDS,
    MIN_K,
    RememberConfig,
    RememberProgress,
    RememberResult,
    RunDone,
)
from rnn_demo.models import CELLS
from serving.line import Busy, Waiting

from .errors import refused
from .plots import PALETTE
from .session import Session
from .train_panel import POOL, TRAIN_QUEUE, waiting_line

HEARTBEAT = 0.5  # seconds without news before the stream yields anyway (Gradio cancels only at a yield)

DEFAULT_KS = ", ".join(map(str, RememberConfig.ks))
CELL_COLOURS = dict(zip(CELLS, PALETTE))
# One empty point per cell: the plot builds its colours from its first value, so it must name every cell.
NO_POINTS = pd.DataFrame({"k": [MIN_K] * len(CELLS), "accuracy": float("nan"), "cell": list(CELLS)})


def remember_config(ks: str, gate_bias: bool, seeds: float) -> RememberConfig:
    """The page's settings; a bad value becomes a readable error."""
    try:
        numbers = tuple(int(part) for part in str(ks).replace(" ", "").split(",") if part)
        return RememberConfig(ks=numbers, gate_bias=bool(gate_bias), seeds=int(seeds))
    except ValueError as err:
        message = str(err) if "must be" in str(err) or "at most" in str(err) else \
            f"k: at most {MAX_KS} whole numbers from {MIN_K} to {MAX_K}, e.g. {DEFAULT_KS}"
        raise refused(message) from None


def long_table(accuracy: pd.DataFrame) -> pd.DataFrame:
    """index k × one column per cell -> the plot's (k, accuracy, cell) rows."""
    frame = accuracy.reset_index().melt(id_vars="k", var_name="cell", value_name="accuracy").dropna()
    return frame if not frame.empty else NO_POINTS


def summary(result: RememberResult) -> str:
    """The headline: each cell's accuracy at the largest k measured with its spread over seeds, or what a
    stop left finished."""
    spread = result.spread()
    if spread.empty:
        return f"**Stopped after {result.seconds:.0f} s, before any training finished:** nothing to show yet."
    last = spread[spread["k"] == spread["k"].iloc[-1]]
    k = int(last["k"].iloc[0])
    cells = ", ".join(f"{r.cell} {r.mean:.0%} ({r.low:.0%}–{r.high:.0%})" for r in last.itertuples())
    seeds = int(last["seeds"].max())
    head = f"**At k = {k}: {cells}** · mean (lowest–highest) over {seeds} seed{'s' * (seeds > 1)}, chance 25 %."
    if not result.stopped:
        return f"{head} Done in {result.seconds:.0f} s."
    why = f"the {result.config.time_limit:g} s time limit" if result.timed_out else "Stop"
    return f"{head} Stopped by {why} after {result.seconds:.0f} s; finished: {result.finished()}."


def run(ks: str, gate_bias: bool, seeds: float, session: Session):
    """Stream (plot, status, runs) while the experiment trains."""
    config = remember_config(ks, gate_bias, seeds)
    session.stop_experiment.clear()
    plot, runs = NO_POINTS, pd.DataFrame()
    # In a training worker, like every training, and in the same line: a full one refuses at once.
    try:
        events = POOL.remember_first(config, stop=session.stop_experiment.is_set, heartbeat=HEARTBEAT)
    except Busy as err:
        raise refused(str(err)) from None
    status, event = "", None
    for event in events:
        if event is None:  # a slow epoch: a yield, so that a cancel can end it
            yield gr.skip(), gr.skip(), gr.skip()
            continue
        if isinstance(event, Waiting):
            yield plot, waiting_line(event), runs
            continue
        if isinstance(event, RememberProgress):
            status = (f"Training {event.cell} at k = {event.k} (seed {event.seed}), epoch {event.epoch} of "
                      f"{event.epochs}: validation accuracy {event.val_accuracy:.0%} · {event.runs_done} of "
                      f"{event.runs} trainings done · {event.elapsed:.0f} s")
        elif isinstance(event, RunDone):
            plot = long_table(event.accuracy)
            continue
        else:
            plot, runs, status = long_table(event.accuracy), event.spread().round(3), summary(event)
        yield plot, status, runs
    if not isinstance(event, RememberResult) and session.stop_experiment.is_set():
        yield plot, "Stopped before it started: nothing was trained.", runs


def build(session: gr.State) -> None:
    gr.Markdown("Each sequence starts with one of four letters, then **k random letters**; its label is the first "
                "letter. Everything the model needs is k + 1 steps back. Chance is 25 %.")
    with gr.Row():
        ks = gr.Textbox(DEFAULT_KS, label=f"k values (up to {MAX_KS}, each {MIN_K} to {MAX_K})", elem_id="remember-ks",
                        scale=3)
        seeds = gr.Slider(1, MAX_SEEDS, value=RememberConfig.seeds, step=1, label="Seeds (averaged)", scale=1)
        gate_bias = gr.Checkbox(True, label="Gate bias: start the gated cells keeping their state", scale=2,
                                info=GATE_BIAS_NOTE)
    with gr.Row():
        run_btn = gr.Button("▶ Run rnn, gru and lstm", variant="primary", elem_id="remember-run")
        stop_btn = gr.Button("■ Stop", variant="stop", elem_id="remember-stop")
    status = gr.Markdown(elem_id="remember-status")
    plot = gr.LinePlot(NO_POINTS, x="k", y="accuracy", color="cell", color_map=CELL_COLOURS, y_lim=[0, 1],
                       x_lim=[MIN_K, MAX_K], height=300, elem_id="remember-plot", title="Validation accuracy against k")
    runs = gr.Dataframe(interactive=False, label="Accuracy over seeds: mean, lowest, highest", max_height=240,
                        headers=["k", "cell", "mean", "low", "high", "seeds"])
    run_btn.click(run, [ks, gate_bias, seeds, session], [plot, status, runs], api_visibility="private",
                  **TRAIN_QUEUE)
    stop_btn.click(lambda s: s.stop_experiment.set(), session, None, api_visibility="private", concurrency_limit=None)
