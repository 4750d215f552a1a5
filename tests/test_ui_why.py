"""The "Watch it think" rooms' handlers called directly: what each shows for a typed name."""

import gradio as gr
import pytest
from test_ui_handlers import TINY, tiny_table

from ui import gradients_view, map_view, remember_view, step_view, train_panel, units_view
from ui.session import Session


def test_step_through_plays_from_the_first_step_to_the_last_and_stops_there():
    view, index, header, bars, states, prediction, source = step_view.load("Li", Session())
    assert index == 0 and header.startswith(f"**Step 1 of {len(view.steps)}**") and not bars.empty
    for _ in range(len(view.steps) + 3):
        index, *shown, timer = step_view.tick(view, index)
    assert index == len(view.steps) - 1 and timer["active"] is False
    assert isinstance(shown[3], dict) and max(shown[3], key=shown[3].get)  # the prediction at the end
    assert "class='now'" in shown[4]  # a highlighted line of the running code
    assert step_view.move(view, 0, -1)[0] == 0  # never before the first step


def test_step_through_refuses_a_name_without_letters():
    with pytest.raises(gr.Error, match="no letters"):
        step_view.load("1234", Session())


def test_saliency_shades_every_letter_and_the_decay_plot_has_each_cell():
    letters, note = gradients_view.saliency_view("Kowalski", Session())
    assert letters.count("<span") == len("kowalski") and "Polish" in letters
    (first, _), (plot, note) = gradients_view.decay_view("Wolfeschlegelsteinhausen", Session())
    curves = plot["value"]
    assert first["value"] is curves and "color_map" not in first  # the curves first, then their colours
    assert {"fresh rnn", "fresh gru", "fresh lstm"} <= set(curves["series"]) == set(plot["color_map"])


def test_remember_first_refuses_k_outside_its_limits():
    with pytest.raises(gr.Error, match="k must be a whole number from 1 to 150"):
        remember_view.remember_config("5, 500", True, 1)
    with pytest.raises(gr.Error, match="whole numbers"):
        remember_view.remember_config("five", True, 1)


def test_remember_first_streams_and_can_be_stopped():
    session = Session()
    stream = remember_view.run("3", True, 1, session)
    plot, status, runs = next(stream)
    assert status.startswith("Training rnn at k = 3")
    session.stop_experiment.set()
    *_, (plot, status, runs) = stream
    assert status.startswith("**Stopped after") and "before any training finished" in status


def test_the_map_places_a_name_among_its_nearest_training_names():
    session = Session()
    (first, *_), (plot, note, neighbours, slider) = map_view.map_view("Kowalski", session)
    points = plot["value"]
    assert first["value"] is points and "color_map" not in first  # the points first, then their colours
    assert set(plot["color_map"]) == set(points["label"]) and len(set(plot["color_map"].values())) == 19
    assert session.map_anchor in set(points["name"])
    assert len(points) == 270 + 1 and (points["label"] == map_view.PLACED).sum() == 1 and len(neighbours) == 5
    assert neighbours["label"].iloc[0] == "Polish"


def test_training_keeps_one_map_per_epoch_for_the_slider():
    session = Session()
    list(train_panel.run_training(session, tiny_table(), **{**TINY, "epochs": 3}))
    assert [s.epoch for s in session.snapshots] == [1, 2, 3]
    list(map_view.map_view("Kaski", session))
    *_, (plot, note, near) = map_view.epoch_view(2, session)
    assert note.startswith("**The map after epoch 2 of 3**")  # the note follows the slider
    points = plot["value"]
    assert len(points) == len(session.val_table) and set(points["epoch"]) == {2}
    assert near["value"]["name"].iloc[0] == session.map_anchor and near["value"]["distance"].iloc[0] == 0
    *_, (_, note_first, near_first) = map_view.epoch_view(1, session)
    assert note_first.startswith("**The map after epoch 1 of 3**")
    assert "epoch 1" in near_first["label"] and "epoch 2" in near["label"]
    with pytest.raises(gr.Error, match="Train a model first"):
        list(map_view.epoch_view(1, Session()))


def test_the_unit_explorer_lists_selective_units_and_refuses_a_unit_out_of_range():
    table, unit = units_view.selective_view(Session())
    assert len(table) == 10 and unit["value"] == table["unit"].iloc[0]
    examples, on_name = units_view.unit_view(unit["value"], "Kowalski", Session())
    assert len(examples) == 10 and len(on_name) == len("kowalski")
    with pytest.raises(gr.Error, match="unit"):
        units_view.unit_view(10_000, "Kowalski", Session())


def test_the_step_through_says_why_the_first_layer_has_no_prediction():
    # The shipped model is a 2-layer stacked GRU: layer 0's steps come first, without a prediction.
    view, _, _, _, states, prediction, _ = step_view.load("Kowalski", Session())
    assert prediction is None and states.startswith("> No prediction yet: this step is in layer 0 of a model with 2")
    assert "from the steps of layer 1" in states and "hidden state" in states
    _, header, _, states, prediction, _ = step_view.move(view, len("kowalski") - 1, 1)
    assert "layer 1" in header and isinstance(prediction, dict) and "No prediction" not in states


def test_the_unit_plot_gets_one_label_per_letter_in_order():
    _, on_name = units_view.unit_view(0, "Kowalski", Session())
    assert on_name["shown"].tolist() == [f"{i} {letter}" for i, letter in enumerate("kowalski", start=1)]


def test_step_buttons_before_load_say_to_load_first():
    index, header, *_ = step_view.move(None, 0, 1)
    assert index == 0 and header.startswith("**Nothing to step through yet:** press **Load**")
    timer, header = step_view.play_from(None, 2)
    assert timer["active"] is False and "press **Load**" in header


def test_what_goes_wrongs_default_name_moves_under_packing_and_find():
    from rnn_demo.inside import mistakes
    from ui import mistakes_tab
    from ui.session import DEFAULT_MODEL
    name = mistakes_tab.DEFAULT_NAME
    packing = mistakes.padding_effect(DEFAULT_MODEL, name, mistakes_tab.FALLBACK_OTHERS)
    assert packing["alone"] - packing["in_batch_unpacked"] > 0.1
    unknown = mistakes.unknown_character_effect(DEFAULT_MODEL, name)
    assert unknown["probability_ours"] - unknown["probability_buggy"] > 0.1 or unknown["label_buggy"] != unknown["label_ours"]
