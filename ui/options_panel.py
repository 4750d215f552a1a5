"""The training panel's options that make the network stronger, each explained in a sentence: the
settings of group "option" in rnn_demo/settings.py, two to a row, keyed by page name."""

from __future__ import annotations

import gradio as gr

from ui import controls, embedding_view


def build() -> dict:
    """Options that make the network stronger, in an accordion; the embedding's picture below them."""
    with gr.Accordion("Make it stronger: options", open=False, elem_id="options"):
        built = controls.build("option", per_row=2)
        embedding_view.build()
    return built
