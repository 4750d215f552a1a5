"""Padding and packing laid out for a few names: the padded grid and who runs at each step."""

from __future__ import annotations

import gradio as gr

from rnn_demo.data import DataError
from rnn_demo.inside.letters import PAD
from rnn_demo.inside.packing import packing_view
from rnn_demo.predict import parse_names

from .errors import refused

DEFAULT_NAMES = "Li, Nakamura, Schwarzenegger, O'Neill"
MAX_NAMES = 8


def show_packing(text: str):
    """The facts, the padded grid and the PackedSequence's steps for the names typed."""
    try:
        view = packing_view(parse_names(text, limit=MAX_NAMES))
    except DataError as err:
        raise refused(str(err)) from None
    B, T, V = view.one_hot_shape
    facts = (
        f"**pad_sequence** → one-hot tensor of shape **({B}, {T}, {V})**: {B} names × {T} steps × {V} symbols; "
        f"`{PAD}` cells are all-zero padding.\n\n"
        f"- lengths: `{view.lengths}`\n"
        f"- **pack_padded_sequence(enforce_sorted=False)** runs the names in this order (longest first): "
        f"`{view.sorted_order}` → {', '.join(view.names[i] for i in view.sorted_order)}\n"
        f"- `batch_sizes` (names still running at each step): `{view.batch_sizes}`\n"
        f"- each name's answer is read at step (lengths − 1): `{view.read_step}`"
    )
    grid = view.grid.reset_index().rename(columns={"index": "name"})
    return facts, grid, view.packed_table.reset_index().rename(columns={"index": "step"})


def build() -> None:
    with gr.Tab("Padding & packing", id="packing", render_children=True) as tab:
        with gr.Row():
            names = gr.Textbox(DEFAULT_NAMES, label="A few names (commas)", elem_id="packing-names", scale=3)
            show_btn = gr.Button("Show", scale=1)
        facts = gr.Markdown(elem_id="packing-facts")
        grid = gr.Dataframe(label="After pad_sequence (· = padding)", interactive=False, elem_id="packing-grid")
        packed = gr.Dataframe(label="Inside the PackedSequence: who runs at each step", interactive=False,
                              elem_id="packed-table")
    for trigger in (show_btn.click, names.submit, tab.select):
        trigger(show_packing, names, [facts, grid, packed], api_visibility="private")
