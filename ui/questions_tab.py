"""Check yourself: the guide's review questions, each pointing at the view that shows the answer."""

from __future__ import annotations

import gradio as gr

QUESTIONS = """
### Check yourself
1. **What is the difference between `nn.RNNCell` and `nn.RNN`?** A cell does one step; `nn.RNN` runs the whole
   sequence (and stacks layers) for you. → Pick *Manual* vs *Stacked* and read **The code you are running**:
   the same weights give the same answer (`test_manual_cell_loop_matches_nn_rnn`).
2. **Why pad?** A batch is one tensor, so shorter names get all-zero steps up to the longest. → **Padding &
   packing**: the grid's `·` cells and the shape `(B, T, V)`.
3. **Why pack?** So each name stops at its own last letter and padding never reaches its state. → **What goes
   wrong**: switch off packing and the same name's score changes in a batch of longer names.
4. **Why bidirectional?** The backward direction sees the name's end first, and the start last — useful for
   suffixes like *-ski* and prefixes like *Mac*. → **Letter by letter** with a bidirectional model, and the
   *backward half at lengths−1* switch in **What goes wrong**.
5. **What does `collate` do?** It turns a list of `(T_i, V)` names into `padded (B, T, V)`, `lengths (B,)` and
   `labels (B,)`, the batch the DataLoader hands to the model. → **Padding & packing**, the facts above the grid.
"""


def build() -> None:
    with gr.Tab("Check yourself", id="questions", render_children=True):
        gr.Markdown(QUESTIONS)
