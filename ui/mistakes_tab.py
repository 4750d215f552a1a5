"""What goes wrong: three classic mistakes, each behind a switch, on the same weights and names."""

from __future__ import annotations

import gradio as gr

from rnn_demo.data import DataError
from rnn_demo.inside import mistakes
from rnn_demo.models import NameClassifier
from rnn_demo.predict import parse_names

from .errors import refused
from .session import Session

FALLBACK_OTHERS = ["Schwarzenegger"]
# Short beside the others (padding) and with letters the tutorial's alphabet lacks (ř, á): the shipped
# model's answer moves under both switches that work for every model (with "Li" the str.find one did nothing).
DEFAULT_NAME = "Dvořák"



def packing_part(model: NameClassifier, name: str, others: list[str], no_packing: bool) -> str:
    effect = mistakes.padding_effect(model, name, others)
    line = (f"**Packing.** '{effect['name']}' → {effect['label']}: **{effect['alone']:.1%}** alone, "
            f"**{effect['in_batch_packed']:.1%}** in a packed batch ({effect['padding_steps']} padding steps).")
    if no_packing:
        line += (f" Without packing, in the same batch: **{effect['in_batch_unpacked']:.1%}**, and its top language "
                 f"becomes **{effect['label_unpacked']}** ({effect['unpacked_top']:.1%}): the padding steps changed "
                 "its state.")
    return line + f"\n\n> {effect['why']}"


def backward_part(model: NameClassifier, name: str, backward_at_end: bool) -> str:
    if model.config.arch != "bidirectional":
        return "**Bidirectional read.** Train or load a *bidirectional* model to try this switch."
    back = mistakes.backward_reading_effect(model, name)
    line = (f"**Bidirectional read.** h_n (forward after the last letter, backward after the first): "
            f"{back['label']} **{back['right']:.1%}**.")
    if backward_at_end:
        line += (f" Reading the backward half at lengths−1 instead: {back['label']} **{back['wrong']:.1%}** "
                 f"(top label then: {back['label_wrong']}).")
    return line + f"\n\n> {back['why']}"


def unknown_part(model: NameClassifier, name: str, find_bug: bool) -> str:
    unknown = mistakes.unknown_character_effect(model, name)
    line = (f"**Unknown characters.** Our encoding: `{unknown['encoded_ours']}` → {unknown['label_ours']} "
            f"**{unknown['probability_ours']:.1%}**.")
    if find_bug:
        line += (f" With `str.find` (−1 → last column): `{unknown['encoded_buggy']}` → {unknown['label_buggy']} "
                 f"**{unknown['probability_buggy']:.1%}**. {unknown['note']}")
    return line + f"\n\n> {unknown['why']}"


def mistakes_view(name: str, others: str, no_packing: bool, backward_at_end: bool, find_bug: bool,
                  session: Session) -> str:
    """The three mistakes in numbers, each shown when its switch is on."""
    model = session.answering
    try:
        others_list = parse_names(others) if str(others or "").strip() else FALLBACK_OTHERS
        parts = [packing_part(model, name, others_list, no_packing), backward_part(model, name, backward_at_end),
                 unknown_part(model, name, find_bug)]
    except DataError as err:
        raise refused(str(err)) from None
    return "\n\n".join(parts)


def build(session: gr.State) -> tuple:
    """The tab; returns (fn, inputs, outputs) to redraw it for a new model."""
    with gr.Tab("What goes wrong", id="mistakes", render_children=True) as tab:
        gr.Markdown("Each switch reproduces a classic mistake **on the same weights and names**.")
        with gr.Row():
            name = gr.Textbox(DEFAULT_NAME, label="Name", elem_id="mistake-name")
            others = gr.Textbox("Schwarzenegger, Papadopoulos", label="Batched with (longer names)")
        with gr.Row():
            no_packing = gr.Checkbox(False, label="Don't pack: run the RNN over the padding", elem_id="no-packing")
            backward_at_end = gr.Checkbox(False, label="Bidirectional: read the backward half at lengths−1")
            find_bug = gr.Checkbox(False, label="Encode with str.find (−1 for unknown characters)")
        out = gr.Markdown(elem_id="mistakes-out")
    refresh = (mistakes_view, [name, others, no_packing, backward_at_end, find_bug, session], out)
    for trigger in (name.submit, others.submit, no_packing.change, backward_at_end.change, find_bug.change,
                    tab.select):
        trigger(*refresh, api_visibility="private")
    return refresh
