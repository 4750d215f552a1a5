"""A map of the hidden states: every validation name's final state, projected to 2-D, coloured by
language; a typed name placed on it with its nearest training names; a slider over the epochs of
the last training, to watch the clusters form."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.inside.hidden_map import (
    hidden_map,
    index_names,
    nearest_on_map,
    neighbours_in_snapshot,
    place_name,
    snapshot_points,
)
from rnn_demo.report import names_to_score

from .errors import refused
from .plots import colour_map, plot_frames
from .session import DEFAULT_TABLE, Session

DEFAULT_NAME = "Kowalski"
PLACED = "★ your name"
STAR = "#ff00ff"  # a colour no language gets; style.css draws this one dot thick, with a halo


def map_colours(labels) -> dict[str, str]:
    """A colour per language (sorted, so a language keeps its colour from model to model), and the star's."""
    return colour_map(sorted(set(labels)) + [PLACED], fixed={PLACED: STAR})


def names_on_map(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(validation names to draw, training names to search) for the answering model; an uploaded
    model's split is unknown, so the current default table serves as both."""
    val, train = session.answering_val_table, session.answering_train_table
    if val is None or train is None:
        val = train = names_to_score(session.answering, None, DEFAULT_TABLE)[0]
    return val, train


def map_view(name: str, session: Session):
    """The map with the typed name on it, its nearest training names, the note, and the epoch slider
    (yielded twice: the points, then their colours; see plots.plot_frames)."""
    try:
        val, train = names_on_map(session)
        view = session.memo("map", lambda model: hidden_map(model, val))
        index = session.memo("map-index", lambda model: index_names(model, train))
        placed = place_name(session.answering, view, index, name or DEFAULT_NAME)
    except DataError as err:
        raise refused(str(err)) from None
    star = pd.DataFrame({"x": [placed.x], "y": [placed.y], "label": [PLACED], "name": [placed.name]})
    points = pd.concat([view.points[["x", "y", "label", "name"]], star], ignore_index=True)
    epochs = len(session.snapshots)
    slider = gr.update(minimum=1, maximum=max(epochs, 2), value=max(epochs, 1), interactive=epochs > 1,
                       label=(f"Epoch of your last training ({epochs} kept)" if epochs
                              else "Epoch (train to watch it form)"))
    note = f"{view.note}\n\n**{placed.name}** → the model says *{placed.guess}*; nearest training names:"
    session.map_anchor = nearest_on_map(view.points, placed.x, placed.y)
    for plot in plot_frames(points, "label", map_colours(points["label"])):
        yield plot, note, placed.neighbours.round(3), slider


def epoch_view(epoch: float, session: Session):
    """The map as it was after one epoch of the last training, and who sat nearest the typed name's
    closest validation name then (yielded twice, like map_view)."""
    if not session.snapshots:
        raise refused("Train a model first: every epoch keeps a small map of its validation names.")
    snapshot = session.snapshots[min(len(session.snapshots), max(1, int(epoch))) - 1]
    rows = session.val_table if session.val_table is not None else names_on_map(session)[0]
    points = snapshot_points(snapshot, rows)
    anchor = session.map_anchor if session.map_anchor in set(rows["name"]) else rows["name"].iloc[0]
    near = neighbours_in_snapshot(snapshot, rows, anchor).round(3)
    label = f"Nearest to {anchor} on the map of epoch {snapshot.epoch} (distances on the map)"
    first, second = snapshot.explained
    # The note speaks of the map on screen: the final map's text (and its ★) would not match these dots.
    note = (f"**The map after epoch {snapshot.epoch} of {len(session.snapshots)}** of your last training: the "
            f"validation names as the model placed them then (the two axes hold {first:.0%} and {second:.0%} of "
            f"their spread). **Show** places the typed name on the final map again.")
    for plot in plot_frames(points, "label", map_colours(points["label"])):
        yield plot, note, gr.update(value=near, label=label)


def build(session: gr.State) -> None:
    with gr.Row():
        name = gr.Textbox(DEFAULT_NAME, label="Place a name on the map", scale=3, elem_id="map-name")
        show_btn = gr.Button("Show", scale=1, elem_id="map-show")
    # Drawn from the shipped model's map (18 languages and the typed name) until Show is pressed.
    first = list(map_view(DEFAULT_NAME, Session()))[-1][0]
    plot = gr.ScatterPlot(first["value"], x="x", y="y", color="label", color_map=first["color_map"],
                          tooltip=["name", "label"], height=480, elem_id="map-plot",
                          title="Final hidden states of the validation names (PCA)")
    epoch = gr.Slider(1, 2, value=1, step=1, label="Epoch (train to watch it form)", interactive=False,
                      elem_id="map-epoch")
    note = gr.Markdown(elem_id="map-note")
    neighbours = gr.Dataframe(interactive=False, label="Nearest training names (full hidden space)",
                              headers=["name", "label", "distance", "x", "y"],
                              elem_id="map-neighbours")
    for trigger in (show_btn.click, name.submit):
        trigger(map_view, [name, session], [plot, note, neighbours, epoch], api_visibility="private")
    epoch.input(epoch_view, [epoch, session], [plot, note, neighbours], api_visibility="private",
                trigger_mode="always_last")
