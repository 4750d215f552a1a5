"""Step through a name: play, pause, one step forward or back, at a chosen speed. Each step shows
the one-hot column entering, the cell's update with this model's real numbers, the hidden state
before → after, the prediction so far and the line of the running code that does it."""

from __future__ import annotations

import html

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.inside.stepper import StepThrough, Vector, step_through

from .errors import refused
from .plots import waiting
from .session import Session

DEFAULT_NAME = "Kowalski"
NO_BARS = waiting("vector · unit", "value", "(load a name)")
CONTEXT_LINES = 5  # source lines shown around the running ones
KEYS = ("Keys: Enter in the name box loads it; Tab to the buttons, Enter presses the one in focus; there "
        "← / → step back / forward and Space or k plays / pauses.")


def load(name: str, session: Session):
    """Read a name with the session's model; show its first step."""
    try:
        view = step_through(session.answering, name or DEFAULT_NAME)
    except DataError as err:
        raise refused(str(err)) from None
    return view, 0, *show(view, 0)


def norm_line(label: str, before: Vector | None, after: Vector | None) -> str:
    if after is None:
        return ""
    start = f"‖{before.name}‖ = {before.norm:.2f} → " if before is not None else ""
    return f"- {label}: {start}‖{after.name}‖ = **{after.norm:.2f}** (all units)\n"


def source_html(view: StepThrough, lines: list[int]) -> str:
    """The running source around this step's lines, which are highlighted."""
    source = view.source.splitlines()
    first = max(1, min(lines, default=1) - CONTEXT_LINES)
    last = min(len(source), max(lines, default=1) + CONTEXT_LINES)
    rows = []
    for number in range(first, last + 1):
        mark = " class='now'" if number in lines else ""
        rows.append(f"<div{mark}><span class='n'>{number:3d}</span> {html.escape(source[number - 1])}</div>")
    # Focusable and named: a keyboard scrolls the code too (it is wider and taller than its box).
    return f"<div class='source' tabindex='0' role='region' aria-label='the running source'>{''.join(rows)}</div>"


def bars(step) -> pd.DataFrame:
    """The update's vectors, a few units each, as one bar per (vector, unit)."""
    frame = step.bars()
    return pd.DataFrame({"vector · unit": frame["vector"] + " " + frame["unit"], "value": frame["value"]})


def show(view: StepThrough | None, index: int):
    """(header, bars, states, prediction, source) for step `index` of a loaded name."""
    if view is None:
        return "Type a name and press **Load**.", NO_BARS, "", None, ""
    step = view.steps[index]
    where = f"layer {step.layer} {step.direction}" if step.phase != "read" else "the classifier's read"
    header = (f"**Step {index + 1} of {len(view.steps)}** · {step.phase} · {where} · letter {step.position + 1} "
              f"'{step.letter}' — {step.input_note}\n\n{step.explanation}\n\n"
              + "\n".join(f"- `{v.name}`: {v.formula} (‖·‖ = {v.norm:.2f})" for v in step.update))
    # Beside the prediction: why there is none yet (a lower layer, or a bidirectional pass), then the state.
    note = f"> {step.prediction_note}\n\n" if step.prediction_note else ""
    states = (note + norm_line("hidden state", step.h_before, step.h_after)
              + norm_line("cell state", step.c_before, step.c_after))
    prediction = None
    if step.prediction is not None:
        prediction = dict(zip(step.prediction["label"], step.prediction["probability"]))
    return header, bars(step), states, prediction, source_html(view, step.source_lines)


NOT_LOADED = ("**Nothing to step through yet:** press **Load** to read the name in the box, then step with "
              "◀ Back, Next ▶ or ▶ Play.")


def move(view: StepThrough | None, index: int, by: int):
    """One step forward (by=1) or back (by=-1), staying inside the name."""
    if view is None:  # pressed before Load: say so, instead of showing the page's first line again
        return index, NOT_LOADED, *show(None, 0)[1:]
    index = max(0, min(len(view.steps) - 1, index + by))
    return index, *show(view, index)


def tick(view: StepThrough | None, index: int):
    """Playing: the next step; the timer stops at the last one."""
    index, *shown = move(view, index, 1)
    at_end = view is None or index == len(view.steps) - 1
    return index, *shown, gr.update(active=not at_end)


def play_from(view: StepThrough | None, speed: float) -> tuple:
    """(timer, header): Play starts the timer, or says that there is nothing loaded to play."""
    if view is None:
        return gr.update(active=False), NOT_LOADED
    return gr.update(value=1 / speed, active=True), gr.update()


def build(session: gr.State) -> None:
    view, index = gr.State(None), gr.State(0)
    with gr.Row():
        name = gr.Textbox(DEFAULT_NAME, label="Name", scale=3, elem_id="step-name")
        load_btn = gr.Button("Load", scale=1, elem_id="step-load")
    with gr.Row(elem_id="step-controls"):  # ui/keys.js: the step-through's keys work in this row
        back = gr.Button("◀ Back", size="sm", elem_id="step-back")
        play = gr.Button("▶ Play", size="sm", elem_id="step-play")
        pause = gr.Button("■ Pause", size="sm", elem_id="step-pause")
        forward = gr.Button("Next ▶", size="sm", elem_id="step-next")
        speed = gr.Slider(0.5, 8, value=2, step=0.5, label="Steps per second", elem_id="step-speed")
    gr.Markdown(KEYS, elem_classes="keys")
    header = gr.Markdown(show(None, 0)[0], elem_id="step-header")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            bar_plot = gr.BarPlot(NO_BARS, x="vector · unit", y="value", title="The cell's update (a few units)",
                                  height=280, elem_id="step-bars", sort=None, x_label_angle=-60)
        with gr.Column(scale=2):
            prediction = gr.Label(num_top_classes=5, label="Prediction so far", elem_id="step-prediction")
            states = gr.Markdown(elem_id="step-states")  # also says why a step has no prediction yet
    source = gr.HTML(elem_id="step-source")
    timer = gr.Timer(0.5, active=False)

    shown = [header, bar_plot, states, prediction, source]
    for trigger in (load_btn.click, name.submit):
        trigger(load, [name, session], [view, index, *shown], api_visibility="private")
    back.click(lambda v, i: move(v, i, -1), [view, index], [index, *shown], api_visibility="private")
    forward.click(lambda v, i: move(v, i, 1), [view, index], [index, *shown], api_visibility="private")
    play.click(play_from, [view, speed], [timer, header], api_visibility="private")
    pause.click(lambda: gr.update(active=False), None, timer, api_visibility="private")
    speed.change(lambda s: gr.update(value=1 / s), speed, timer, api_visibility="private")
    timer.tick(tick, [view, index], [index, *shown, timer], api_visibility="private")
