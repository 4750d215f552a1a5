"""Letter by letter: the prediction after each prefix, and the hidden state after each letter."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.inside.letters import letter_by_letter

from .errors import refused
from .heatmap import diverging_html, heatmap_html
from .session import Session

DEFAULT_NAME = "Nakamura"
TOP_K = 5  # columns for the whole name's best languages (more come in for languages that lead earlier)


def percent_format(probabilities: pd.DataFrame) -> str:
    """Whole percents, or as few decimals (up to 3) as keep each row's two largest figures apart: a row's
    first choice must be the one largest figure the learner sees (the quiz's hint says so)."""
    pairs = [row.nlargest(2).tolist() for _, row in probabilities.iterrows() if len(row) > 1]
    for digits in range(4):
        fmt = f"{{:.{digits}%}}"
        if all(fmt.format(first) != fmt.format(second) for first, second in pairs):
            break
    return fmt


def letters_view(name: str, session: Session) -> tuple[str, str, str]:
    """API /letters: the prediction as each letter arrives, and the hidden state at each step."""
    try:
        view = letter_by_letter(session.answering, name or DEFAULT_NAME, k=TOP_K)
    except DataError as err:
        raise refused(str(err)) from None
    # Say why there may be more than TOP_K columns: a row's own first choice is always among them.
    title = (f"Prediction as each letter arrives. Rows: what the model has read so far; columns: the whole name's "
             f"top {TOP_K}, then any language that leads at an earlier letter.")
    # 'square': language names upwards and row names pinned, so a phone sees the columns beside the rows.
    probabilities = heatmap_html(view.probabilities, title, percent_format(view.probabilities), "probability",
                                 kind="square")
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
    show_btn.click(*refresh, api_name="letters", api_visibility="undocumented")  # not an MCP tool
    name.submit(*refresh, api_visibility="private")
    tab.select(*refresh, api_visibility="private")
    return refresh
