"""The hidden-state map: one point per validation name, placed by what the classifier reads; a
typed name's nearest training names are found in the full hidden space."""

import pandas as pd
import pytest
import torch

from rnn_demo.data import DataError, collate, one_hot
from rnn_demo.inside.hidden_map import (
    SNAPSHOT_BYTES_PER_NAME,
    final_states,
    hidden_map,
    index_names,
    place_name,
    principal_axes,
    snapshot_points,
    take_snapshot,
    training_split,
)
from rnn_demo.models import ARCHITECTURES, CELLS, ModelConfig, build_model
from rnn_demo.train import EpochEvent, TrainConfig, run_to_end, train


def tiny(labels, arch="stacked", cell="gru", hidden_size=8, num_layers=2):
    torch.manual_seed(0)
    return build_model(ModelConfig(labels=labels, arch=arch, cell=cell, hidden_size=hidden_size, num_layers=num_layers))


@pytest.fixture
def split(separable_table):
    return training_split(separable_table, TrainConfig(seed=0))


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_map_has_one_point_per_validation_name_and_nearest_names_include_itself(split, arch, cell):
    train_rows, val_rows = split
    model = tiny(["Japanese", "Polish"], arch, cell)
    view = hidden_map(model, val_rows)
    assert len(view.points) == len(val_rows)
    assert view.points["name"].tolist() == val_rows["name"].tolist()
    assert view.points["label"].tolist() == val_rows["label"].tolist()
    assert 0 < view.explained[0] <= 1 and view.explained[1] <= view.explained[0] + 1e-6
    index = index_names(model, train_rows)
    some = train_rows["name"].iloc[3]
    placed = place_name(model, view, index, some)
    assert len(placed.neighbours) == 5
    nearest = placed.neighbours.iloc[0]
    assert nearest["name"] == some and nearest["distance"] == pytest.approx(0, abs=1e-5)
    assert placed.neighbours["distance"].is_monotonic_increasing
    assert placed.guess in model.labels
    # The typed name's point and its own neighbour's point are the same place on the map.
    assert (placed.x, placed.y) == pytest.approx((nearest["x"], nearest["y"]), abs=1e-5)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_final_states_are_what_the_classifier_reads(arch):
    model = tiny(["A", "B"], arch).eval()
    names = ["ng", "nakamura", "li"]
    states = final_states(model, names)  # (N, F)
    assert states.shape == (3, 16 if arch == "bidirectional" else 8)
    padded, lengths, _ = collate([(one_hot(n), 0) for n in names])
    torch.testing.assert_close(model.fc(states), model(padded, lengths))


def test_pca_axes_are_the_directions_of_most_variance():
    torch.manual_seed(0)
    states = torch.randn(500, 6) * torch.tensor([5.0, 0.1, 2.0, 0.1, 0.1, 0.1]) + 3  # most spread along units 0, then 2
    mean, axes, explained = principal_axes(states)
    assert axes[:, 0].abs().argmax().item() == 0 and axes[:, 1].abs().argmax().item() == 2
    assert explained[0] == pytest.approx(25 / 29.05, abs=0.03) and explained[1] == pytest.approx(4 / 29.05, abs=0.02)
    torch.testing.assert_close(mean, states.mean(dim=0))


def test_a_typed_name_not_in_the_table_is_placed_and_bad_names_are_refused(split):
    train_rows, val_rows = split
    model = tiny(["Japanese", "Polish"])
    view, index = hidden_map(model, val_rows), index_names(model, train_rows)
    placed = place_name(model, view, index, "Łukasiewicz", k=3)
    assert placed.name == "lukasiewicz" and len(placed.neighbours) == 3
    for bad, message in [("", "blank name"), ("123", "has no letters"), ("z" * 41, "the limit is 40")]:
        with pytest.raises(DataError, match=message):
            place_name(model, view, index, bad)
    with pytest.raises(DataError, match="at least 2 names"):
        hidden_map(model, val_rows.iloc[:1])
    other = tiny(["Japanese", "Polish"], hidden_size=4)
    with pytest.raises(ValueError, match="another model"):
        place_name(other, view, index, "Ng")


def test_training_split_is_the_split_train_uses(separable_table):
    config = TrainConfig(hidden_size=8, num_layers=1, epochs=1, seed=3)
    done = run_to_end(train(separable_table, config))
    _, val_rows = training_split(separable_table, config)
    pd.testing.assert_frame_equal(val_rows, done.val_table)


def test_one_snapshot_per_epoch_while_training_costs_8_bytes_a_name(separable_table):
    config = TrainConfig(hidden_size=8, num_layers=1, epochs=3, seed=0)
    _, val_rows = training_split(separable_table, config)
    names, snapshots = val_rows["name"].tolist(), []
    for event in train(separable_table, config):
        if isinstance(event, EpochEvent):
            assert event.model.training  # the live model: the snapshot must give it back in training mode
            snapshots.append(take_snapshot(event.model, names, event.epoch, snapshots[-1] if snapshots else None))
            assert event.model.training
    assert [s.epoch for s in snapshots] == [1, 2, 3]
    for s in snapshots:
        assert s.xy.shape == (len(names), 2) and s.xy.dtype == torch.float32
        assert s.xy.numel() * s.xy.element_size() == SNAPSHOT_BYTES_PER_NAME * len(names)
    frame = snapshot_points(snapshots[-1], val_rows)
    assert list(frame.columns) == ["name", "label", "x", "y", "epoch"] and (frame["epoch"] == 3).all()


def test_snapshot_is_turned_to_match_the_previous_epoch():
    model = tiny(["A", "B"]).eval()
    names = ["ng", "nakamura", "li", "kowalski", "smith", "tanaka"]
    first = take_snapshot(model, names, 1)
    flipped = type(first)(0, -first.xy, first.explained)  # the same map, mirrored
    again = take_snapshot(model, names, 2, previous=flipped)
    torch.testing.assert_close(again.xy, flipped.xy, atol=1e-5, rtol=0)  # turned back to match, not left flipped
