"""One-hot times a matrix is a row lookup: the embedding option shown with numbers."""

from __future__ import annotations

import gradio as gr

from rnn_demo.data import DataError
from rnn_demo.inside.embedding import EmbeddingLookup, embedding_lookup

from .errors import refused


def _vector(values) -> str:
    return "[" + ", ".join(f"{v:+.2f}" for v in values.tolist()) + "]"


def lookup_text(view: EmbeddingLookup) -> str:
    """One line per letter: its one-hot column, the product's row and the matrix row, side by side."""
    V, E = view.matrix.shape
    lines = [f"`{view.name}`: one-hot x is ({len(view.name)}, {V}), the matrix W is ({V}, {E}).", "",
             "| letter | its 1 sits in column | (x @ W)[t] | W[column] |", "|---|---|---|---|"]
    for t, letter in enumerate(view.name):
        lines.append(f"| {letter!r} | {view.indices[t]} | {_vector(view.product[t])} | {_vector(view.rows[t])} |")
    same = bool((view.product == view.rows).all())
    lines += ["", f"Equal in every number: **{same}**. Multiplying by a one-hot row just picks a row of W, "
              "which is why `nn.Embedding` stores W and indexes it instead of multiplying. The option in "
              "`rnn_demo/models.py` multiplies (`nn.Linear(V, E, bias=False)` on the one-hot letters): the same "
              "numbers, and the one-hot input the other views show stays as it is."]
    return "\n".join(lines)


def show(name: str) -> str:
    try:
        return lookup_text(embedding_lookup(name))
    except DataError as err:
        raise refused(str(err)) from None


def build() -> None:
    """A name box and the table; sits in the training options, beside the embedding size."""
    with gr.Accordion("See it: one-hot times a matrix is a row lookup", open=False):
        with gr.Row():
            name = gr.Textbox("Kim", label="Name", elem_id="embedding-name", scale=3)
            button = gr.Button("Show", size="sm", scale=1)
        table = gr.Markdown(elem_id="embedding-lookup")
    button.click(show, name, table, api_visibility="private")
    name.submit(show, name, table, api_visibility="private")
