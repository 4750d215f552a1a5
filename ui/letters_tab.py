"""Letter by letter: the prediction after each prefix, and the hidden state after each letter."""

from __future__ import annotations

import gradio as gr

from rnn_demo import teach
from rnn_demo.data import DataError

from .heatmap import diverging_html, heatmap_html
from .session import Session

DEFAULT_NAME = "Nakamura"



def letters_view(name: str, session: Session) -> tuple[str, str, str]:
    """API /letters: the prediction as each letter arrives, and the hidden state at each step."""
    try:
        view = teach.letter_by_letter(session.answering, name or DEFAULT_NAME, k=5)
    except DataError as err:
        raise gr.Error(str(err)) from None
    probabilities = heatmap_html(view.probabilities, "Prediction as each letter arrives (rows: what the "
                                 "model has read so far)", "{:.0%}", "probability")
    hidden = diverging_html(view.hidden, "Hidden state after each letter (top layer)", "activation")
    return probabilities, hidden, view.note


def build(session: gr.State) -> tuple:
    """The tab; returns (fn, inputs, outputs) to redraw it for a new model."""
    with gr.Tab("Letter by letter", id="letters", render_children=True) as tab:
        with gr.Row():
            name = gr.Textbox(DEFAULT_NAME, label="Name", elem_id="letters-name", scale=3)
            show_btn = gr.Button("Show", scale=1)
        note = gr.Markdown(elem_id="letters-note")
        probabilities = gr.HTML(elem_id="letters-probs")
        hidden = gr.HTML(elem_id="letters-hidden")
    refresh = (letters_view, [name, session], [probabilities, hidden, note])
    show_btn.click(*refresh, api_name="letters")
    name.submit(*refresh, api_visibility="private")
    tab.select(*refresh, api_visibility="private")
    return refresh
