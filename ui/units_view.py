"""The unit explorer: the hidden units most tied to one language, and for a unit the names and
letters of the table that drive it highest (a unit that fires on "-ski", on "-ov", after "Mc")."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.inside.units import scan_units, selective_units, unit_examples, unit_on_name

from .errors import refused
from .map_view import names_on_map
from .plots import waiting
from .session import Session


def scan(session: Session):
    val, train = names_on_map(session)
    return session.memo("units", lambda model: scan_units(model, pd.concat([train, val]).drop_duplicates()))


def selective_view(session: Session) -> tuple[pd.DataFrame, gr.update]:
    """The most selective units, and the unit picker set to the first of them."""
    table = selective_units(scan(session)).round(3)
    return table, gr.update(value=int(table["unit"].iloc[0]), maximum=len(scan(session).unit_labels) - 1)


def unit_view(unit: float, name: str, session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What drives one unit highest in the table, and the unit letter by letter on a typed name."""
    try:
        return (unit_examples(scan(session), int(unit)).round(3),
                unit_on_name(session.answering, name or "Kowalski", int(unit)).round(3))
    except (DataError, ValueError) as err:
        raise refused(str(err)) from None


def build(session: gr.State) -> None:
    list_btn = gr.Button("List the most selective units", elem_id="units-list")
    selective = gr.Dataframe(interactive=False, label="Units most tied to one language", elem_id="units-selective",
                             headers=["unit", "name", "label", "selectivity", "label_mean", "mean", "top_example"],
                             max_height=300)
    with gr.Row():
        unit = gr.Number(0, label="Unit", precision=0, minimum=0, elem_id="units-unit")
        name = gr.Textbox("Kowalski", label="…and on this name", elem_id="units-name")
        show_btn = gr.Button("Show the unit", elem_id="units-show")
    examples = gr.Dataframe(interactive=False, label="Where it fires highest in the table ([letter] in context)",
                            headers=["name", "label", "position", "before", "letter", "after", "shown",
                                     "activation"],
                            elem_id="units-examples")
    # One bar per letter, named "1 k", "2 o", ...: sorted as text (sort="x") they keep the name's order.
    # Bars grow from 0, up or down: an activation (tanh, or an LSTM's h) can be negative.
    # A first value with one text label: a chart first built for numbers keeps a numeric axis, and one
    # built without labels keeps no room for them (the axis title is cut off).
    placeholder = waiting("shown", "activation", "(no name yet)")
    on_name = gr.BarPlot(placeholder, x="shown", y="activation", sort="x",
                         x_title="letter (its place in the name)", x_label_angle=-45, height=280,
                         elem_id="units-letters", title="The unit letter by letter")
    list_btn.click(selective_view, session, [selective, unit], api_visibility="private") \
        .then(unit_view, [unit, name, session], [examples, on_name], api_visibility="private")
    for trigger in (show_btn.click, name.submit):
        trigger(unit_view, [unit, name, session], [examples, on_name], api_visibility="private")
