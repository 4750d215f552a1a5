"""Cells side by side: one name through an RNN, a GRU and an LSTM trained on the same table, the same
letter highlighted in all three, each column with its cell's equations and that letter's update."""

from __future__ import annotations

import html

import gradio as gr

from rnn_demo.data import DataError
from rnn_demo.inside.side_by_side import CELLS, MEANING, SideBySide, side_by_side

from .errors import refused
from .plots import PALETTE, letter_axis, waiting

DEFAULT_NAME = "Kowalski"
COLOURS = dict(zip(CELLS, PALETTE))
STEP = "state change ‖h_t − h_{t−1}‖"
NO_STEPS = waiting("position", STEP, "(press Read it with all three)", cell="rnn")


def name_html(view: SideBySide, position: int) -> str:
    """The name with the chosen letter marked (bold and underlined: not by colour alone)."""
    spans = [f"<mark class='cells-now'>{html.escape(ch)}</mark>" if i == position else html.escape(ch)
             for i, ch in enumerate(view.letters)]
    return (f"<p class='cells-name' aria-label='letter {position + 1} of {len(view.letters)}: "
            f"{html.escape(view.letters[position])}'>{''.join(spans)}</p>")


def column(view: SideBySide, cell: str, position: int) -> str:
    """One cell's column: its equations, then this letter's update (each vector's mean and size)."""
    step = view.columns[cell][position]
    equations = "\n".join(formula for _, formula in view.formulas[cell])
    lines = [f"- `{name}`: mean {mean:+.2f}, ‖·‖ {norm:.2f}" + (f" — {MEANING[name]}" if name in MEANING else "")
             for name, (mean, norm) in step.parts.items()]
    return (f"#### {cell.upper()} (validation accuracy {view.accuracy[cell]:.0%})\n```text\n{equations}\n```\n"
            f"**Letter {position + 1} '{step.letter}'**: the state moves ‖h_t − h_{{t−1}}‖ = {step.moved:.2f}\n\n"
            + "\n".join(lines) + f"\n\nSo far: **{step.guess}** ({step.probability:.0%})")


def show(view: SideBySide | None, letter: float):
    if view is None:
        return ("", *([""] * len(CELLS)))
    position = max(0, min(len(view.letters) - 1, int(letter or 1) - 1))
    return (name_html(view, position), *(column(view, cell, position) for cell in CELLS))


def load(name: str):
    """Read the name with the three cells; show letter 1 (yielded twice: see ui.plots)."""
    try:
        view = side_by_side(name or DEFAULT_NAME)
    except DataError as err:
        raise refused(str(err)) from None
    one_cell = view.frame[view.frame["cell"] == CELLS[0]]
    steps, order = letter_axis(view.frame.rename(columns={"step": STEP}), "position", one_cell["letter"])
    slider = gr.update(value=1, maximum=max(2, len(view.letters)), interactive=len(view.letters) > 1)
    yield view, slider, gr.update(value=steps, sort=order), *show(view, 1)
    yield view, slider, gr.update(value=steps, color_map=COLOURS, sort=order), *show(view, 1)


def build() -> None:
    gr.Markdown("### Cells side by side\nOne name read by three small models (one layer, hidden 64) trained on "
                "the app's default table: a plain RNN, a GRU and an LSTM (`checkpoints/cells/`). Move the letter "
                "to see each cell's update at the same letter.")
    view = gr.State(None)
    with gr.Row():
        name = gr.Textbox(DEFAULT_NAME, label="Name", scale=3, elem_id="cells-name")
        run_btn = gr.Button("Read it with all three", variant="primary", scale=1, elem_id="cells-run")
    letter = gr.Slider(1, 2, value=1, step=1, label="Letter", interactive=False, elem_id="cells-letter")
    word = gr.HTML(elem_id="cells-word")
    with gr.Row(equal_height=False):
        columns = []
        for cell in CELLS:  # min_width: on a phone the three wrap, one under the other
            with gr.Column(min_width=300):
                columns.append(gr.Markdown(elem_id=f"cells-{cell}", elem_classes="cells-equations"))
    plot = gr.LinePlot(NO_STEPS, x="position", y=STEP, color="cell", height=260,
                       title="How far each cell's state moves at each letter", elem_id="cells-plot")
    shown = [word, *columns]
    for trigger in (run_btn.click, name.submit):
        trigger(load, name, [view, letter, plot, *shown], api_visibility="private")
    letter.change(show, [view, letter], shown, api_visibility="private")
