"""Gradients through time: which letters make the prediction (saliency), and how the gradient
that should teach an early letter fades with distance in rnn, gru and lstm cells."""

from __future__ import annotations

import html
import math

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.inside.gradients import gradient_decay, saliency

from .errors import refused
from .heatmap import NEGATIVE, POSITIVE, shade
from .plots import plot_frames
from .session import Session

DEFAULT_NAME = "Kowalski"
DEFAULT_LONG_NAME = "Wolfeschlegelsteinhausenbergerdorff"
NO_CURVES = pd.DataFrame({"distance": [0, 1], "log10 norm": float("nan"), "series": "(press Show)"})


def saliency_view(name: str, session: Session) -> tuple[str, str]:
    """The name's letters shaded by how much each pushes the predicted language (blue up, yellow down:
    the colour-blind-safe ends of ui/heatmap.py)."""
    try:
        view = saliency(session.answering, name or DEFAULT_NAME)
    except DataError as err:
        raise refused(str(err)) from None
    spans = []
    for letter, strength, share in zip(view.letters["letter"], view.letters["shade"], view.letters["integrated"]):
        colour = POSITIVE if strength >= 0 else NEGATIVE
        spans.append(f"<span title='{share:+.2f}' {shade(colour, abs(strength))}>{html.escape(letter)}</span>")
    heading = f"<p>Why <b>{html.escape(view.label)}</b> ({view.probability:.0%}):</p>"
    return f"<div class='saliency'>{heading}{''.join(spans)}</div>", view.note


def decay_view(name: str, session: Session):
    """‖∂h_T/∂h_t‖ against the distance, this model and fresh rnn, gru, lstm of its size, on a long name."""
    try:
        view = gradient_decay(session.answering, [name or DEFAULT_LONG_NAME])
    except DataError as err:
        raise refused(str(err)) from None
    curves = view.curves.assign(**{"log10 norm": view.curves["norm"].map(lambda v: math.log10(max(v, 1e-30)))})
    for update in plot_frames(curves[["distance", "log10 norm", "series"]], "series"):
        yield update, view.note


def build(session: gr.State) -> None:
    gr.Markdown("### Which letters make the prediction")
    with gr.Row():
        name = gr.Textbox(DEFAULT_NAME, label="Name", scale=3, elem_id="saliency-name")
        show_btn = gr.Button("Show", scale=1, elem_id="saliency-show")
    letters = gr.HTML(elem_id="saliency-letters")
    note = gr.Markdown()
    gr.Markdown("### Gradients fading with distance")
    with gr.Row():
        long_name = gr.Textbox(DEFAULT_LONG_NAME, label="A long name", scale=3, elem_id="decay-name")
        decay_btn = gr.Button("Show", scale=1, elem_id="decay-show")
    curves = gr.LinePlot(NO_CURVES, x="distance", y="log10 norm", color="series", height=320, elem_id="decay-plot",
                         title="log10 ‖∂h_T/∂h_t‖ against T − t (letters back from the end)",
                         x_title="T − t")
    decay_note = gr.Markdown(elem_id="decay-note")
    for trigger in (show_btn.click, name.submit):
        trigger(saliency_view, [name, session], [letters, note], api_visibility="private")
    for trigger in (decay_btn.click, long_name.submit):
        trigger(decay_view, [long_name, session], [curves, decay_note], api_visibility="private")
