"""The teaching views show what the model really does: each view is checked against the model itself."""

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_demo.data import ALPHABET, LETTER_INDEX, UNKNOWN, DataError, collate, one_hot
from rnn_demo.inside.letters import MAX_UNITS_SHOWN, PAD, letter_by_letter
from rnn_demo.inside.mistakes import (
    WHY,
    encode_with_find_bug,
    logits_reading_backward_at_last_step,
    logits_without_packing,
    padding_effect,
    unknown_character_effect,
)
from rnn_demo.inside.packing import packing_view
from rnn_demo.inside.source import model_source
from rnn_demo.models import ARCHITECTURES, CELLS, ModelConfig, build_model, count_parameters
from rnn_demo.predict import predict
from rnn_demo.report import RUN_COLUMNS, run_summary
from rnn_demo.train import TrainConfig, run_to_end, train

LABELS = ["A", "B", "C", "D"]
NAMES = ["Nakamura", "Li", "O'Brien", "Schwarzenegger", "Ng"]


def tiny(arch="stacked", cell="rnn", hidden_size=8, num_layers=2):
    torch.manual_seed(0)
    return build_model(ModelConfig(labels=LABELS, arch=arch, cell=cell, hidden_size=hidden_size, num_layers=num_layers))


def batch(names):
    return collate([(one_hot(n), 0) for n in names])[:2]  # padded (B, T, V), lengths (B,)


# ---------------------------------------------------------------------------------------------
# Letter by letter


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_last_prefix_row_is_the_prediction_for_the_full_name(arch, cell):
    model = tiny(arch, cell)
    view = letter_by_letter(model, "Nakamura", k=3)
    expected = predict(model, ["Nakamura"], 3)[0]
    assert view.letters == list("nakamura")
    assert list(view.probabilities.index) == ["n", "na", "nak", "naka", "nakam", "nakamu", "nakamur", "nakamura"]
    assert list(view.probabilities.columns[:3]) == [label for label, _ in expected]
    torch.testing.assert_close(torch.tensor(view.probabilities.iloc[-1, :3].to_numpy()),
                               torch.tensor([p for _, p in expected]), atol=1e-5, rtol=0)
    # Each row is the model on that prefix alone: prefixes of different lengths share one batch.
    alone = predict(model, ["nak"], len(LABELS))[0]
    assert view.probabilities.loc["nak"].to_dict() == pytest.approx(
        {label: p for label, p in alone if label in view.probabilities.columns}, abs=1e-5)
    # Every row's own first choice is a column: the view answers "which language after 'nak'?".
    assert view.probabilities.loc["nak"].idxmax() == alone[0][0]


@pytest.mark.parametrize("arch, cell", [("manual", "gru"), ("stacked", "gru"), ("bidirectional", "rnn")])
def test_every_rows_first_choice_is_a_column_even_outside_the_top_k(arch, cell):
    model = tiny(arch, cell)  # these weights lead with another label after some prefix than after the whole name
    view = letter_by_letter(model, "Nakamura", k=1)
    prefixes = list(view.probabilities.index)
    leaders = [top[0][0] for top in predict(model, prefixes, 1)]
    assert len(set(leaders)) > 1  # so a column beyond the top 1 is needed
    assert list(view.probabilities.columns) == list(dict.fromkeys([leaders[-1]] + leaders))  # the full name's best
    assert list(view.probabilities.idxmax(axis=1)) == leaders  # each row's largest figure is its first choice


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_hidden_rows_are_letters_and_columns_are_top_layer_units(arch):
    model = tiny(arch, "gru")
    view = letter_by_letter(model, "Li Wei")
    assert list(view.hidden.index) == ["1 l", "2 i", "3 ␣", "4 w", "5 e", "6 i"]
    states = model.hidden_states(*batch(["li wei"]))[0]  # (T, H) or (T, 2H)
    torch.testing.assert_close(torch.tensor(view.hidden.to_numpy(), dtype=torch.float32), states)
    if arch == "bidirectional":
        assert list(view.hidden.columns) == [f"→{i}" for i in range(8)] + [f"←{i}" for i in range(8)]
        assert "backward half after the FIRST letter" in view.note
    else:
        assert list(view.hidden.columns) == [f"h{i}" for i in range(8)]


@pytest.mark.parametrize("arch, per_direction", [("stacked", 1), ("bidirectional", 2)])
def test_wide_models_show_the_units_that_vary_most(arch, per_direction):
    model = tiny(arch, "rnn", hidden_size=40, num_layers=1)
    view = letter_by_letter(model, "Kowalski")
    assert view.hidden.shape == (8, MAX_UNITS_SHOWN * per_direction)
    assert f"{MAX_UNITS_SHOWN} of 40 units" in view.note
    forward = model.hidden_states(*batch(["kowalski"]))[0, :, :40]  # (T, H)
    kept = sorted(forward.var(dim=0, unbiased=False).argsort(descending=True)[:MAX_UNITS_SHOWN].tolist())
    arrow = "h" if arch == "stacked" else "→"
    assert list(view.hidden.columns[:MAX_UNITS_SHOWN]) == [f"{arrow}{i}" for i in kept]


def test_letter_by_letter_refuses_a_name_without_letters():
    with pytest.raises(DataError, match="no letters"):
        letter_by_letter(tiny(), "1234")


# ---------------------------------------------------------------------------------------------
# Padding and packing


def test_packing_view_matches_pack_padded_sequence():
    view = packing_view(NAMES)
    padded, lengths = batch([n.lower() for n in NAMES])
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    assert view.names == ["nakamura", "li", "o'brien", "schwarzenegger", "ng"]
    assert view.lengths == [8, 2, 7, 14, 2]
    assert view.one_hot_shape == (5, 14, len(ALPHABET))
    assert view.sorted_order == packed.sorted_indices.tolist() == [3, 0, 2, 1, 4]
    assert view.batch_sizes == packed.batch_sizes.tolist()
    assert view.batch_sizes[:3] == [5, 5, 3] and view.batch_sizes[-1] == 1
    assert view.read_step == [7, 1, 6, 13, 1]


def test_packing_grid_pads_exactly_the_missing_steps():
    view = packing_view(NAMES)
    T = view.one_hot_shape[1]
    assert list(view.grid.columns) == [f"t{t}" for t in range(T)]
    assert int((view.grid == PAD).to_numpy().sum()) == sum(T - n for n in view.lengths) == 70 - 33
    assert view.grid.loc["li"].tolist()[:3] == ["l", "i", PAD]
    # The packed batch at each step holds the running names' letters, longest name first.
    assert view.packed_table.loc["t0", "letters"] == "s n o l n"
    assert view.packed_table.loc["t2", "names"] == "schwarzenegger, nakamura, o'brien"
    assert view.packed_table["batch size"].sum() == sum(view.lengths)


def test_packing_view_refuses_no_names():
    with pytest.raises(DataError):
        packing_view([])


# ---------------------------------------------------------------------------------------------
# What goes wrong without packing


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_without_padding_skipping_the_packing_changes_nothing(arch, cell):
    model = tiny(arch, cell)
    x = batch(["kowalski", "nakamura"])  # same length: no padding at all
    torch.testing.assert_close(logits_without_packing(model, *x), model(*x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_padding_changes_the_answer_only_without_packing(arch, cell):
    effect = padding_effect(tiny(arch, cell), "Li", ["Schwarzenegger", "Nakamura"])
    assert effect["name"] == "li" and effect["label"] in LABELS and effect["padding_steps"] == 12
    assert effect["in_batch_packed"] == pytest.approx(effect["alone"], abs=1e-5)
    assert abs(effect["in_batch_unpacked"] - effect["alone"]) > 1e-4
    assert effect["why"] == WHY["packing"]


# ---------------------------------------------------------------------------------------------
# What goes wrong reading the backward half at the last step


@pytest.mark.parametrize("cell", list(CELLS))
def test_backward_half_at_last_step_cannot_see_the_first_letter(cell):
    model = tiny("bidirectional", cell, num_layers=1)
    x = batch(["kowalski", "nowalski"])
    wrong, right = logits_reading_backward_at_last_step(model, *x), model(*x)
    assert (wrong - right).abs().max() > 1e-4
    with torch.no_grad():
        model.fc.weight[:, :8] = 0  # keep only what the backward half tells the classifier
    wrong, right = logits_reading_backward_at_last_step(model, *x), model(*x)
    torch.testing.assert_close(wrong[0], wrong[1])  # it read only the last letter: 'i' in both
    assert (right[0] - right[1]).abs().max() > 1e-4  # h_n has read the whole name, 'k' or 'n' included


@pytest.mark.parametrize("arch", ["manual", "stacked"])
def test_backward_half_mistake_needs_a_bidirectional_model(arch):
    with pytest.raises(ValueError, match="only a bidirectional model"):
        logits_reading_backward_at_last_step(tiny(arch), *batch(["li"]))


# ---------------------------------------------------------------------------------------------
# What goes wrong with str.find for unknown characters


def test_find_bug_turns_a_digit_into_a_period():
    buggy, ours = encode_with_find_bug("4ever"), one_hot("?ever")
    assert buggy.shape == ours.shape == (5, len(ALPHABET))
    assert not torch.equal(buggy, ours)
    assert buggy[:, LETTER_INDEX[UNKNOWN]].sum() == 0 and ours[0, LETTER_INDEX[UNKNOWN]] == 1
    assert buggy[0, LETTER_INDEX["."]] == 1
    torch.testing.assert_close(buggy[1:], ours[1:])  # known letters encode the same either way


def test_find_bug_knows_no_letters_outside_ascii():
    assert encode_with_find_bug("Łukasiewicz")[0, LETTER_INDEX["."]] == 1  # ours reads it as 'l'
    torch.testing.assert_close(encode_with_find_bug("Nakamura"), one_hot("nakamura"))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_unknown_character_effect_compares_both_encodings(arch):
    effect = unknown_character_effect(tiny(arch, "lstm"), "4ever")
    assert effect["encoded_ours"] == "?ever" and effect["encoded_buggy"] == ".ever"
    assert effect["label_ours"] in LABELS and effect["label_buggy"] in LABELS
    assert 1 / len(LABELS) <= effect["probability_ours"] <= 1
    assert effect["probability_ours"] != pytest.approx(effect["probability_buggy"], abs=1e-6)


# ---------------------------------------------------------------------------------------------
# Source and comparison


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_model_source_is_the_code_that_runs(arch):
    source = model_source(arch)
    assert "def forward" in source and "def hidden_states" in source
    assert ("pack_padded_sequence" in source) == (arch != "manual")


def test_model_source_lists_valid_architectures():
    with pytest.raises(ValueError, match="not one of manual, stacked, bidirectional"):
        model_source("cnn")


def test_run_summary_reports_a_tiny_training(separable_table):
    config = TrainConfig(arch="manual", cell="gru", hidden_size=8, num_layers=1, epochs=1, batch_size=8)
    done = run_to_end(train(separable_table, config))
    row = run_summary(config, done)
    assert row == {
        "arch": "manual", "cell": "gru", "hidden_size": 8, "num_layers": 1, "learning_rate": 3e-3,
        "val_accuracy": done.val_accuracy, "val_macro_accuracy": done.val_macro_accuracy,
        "parameters": count_parameters(done.model), "seconds": done.seconds, "epochs_run": 1,
    }
    assert tuple(row) == RUN_COLUMNS  # the app's empty compare table shows these headers
    # GRU cell: 3 gates of (V + H + 2) * H weights, then an (H + 1) * C classifier.
    assert row["parameters"] == 3 * (len(ALPHABET) + 8 + 2) * 8 + (8 + 1) * 2
    assert 0 <= row["val_accuracy"] <= 1 and row["seconds"] > 0


def test_backward_reading_effect_changes_the_score_on_the_same_weights():
    from rnn_demo.inside.mistakes import backward_reading_effect
    from rnn_demo.models import ModelConfig, build_model
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=["A", "B", "C"], arch="bidirectional", cell="gru", hidden_size=8))
    effect = backward_reading_effect(model, "Kowalski")
    assert effect["label"] in ("A", "B", "C")
    assert abs(effect["right"] - effect["wrong"]) > 1e-4


def test_one_hot_times_a_matrix_picks_the_letters_rows():
    from rnn_demo.inside.embedding import embedding_lookup

    view = embedding_lookup("Kim", size=5)
    assert view.one_hot.shape == (3, len(ALPHABET)) and view.matrix.shape == (len(ALPHABET), 5)
    assert view.indices == [ALPHABET.index(c) for c in "kim"]
    torch.testing.assert_close(view.product, view.matrix[[ALPHABET.index(c) for c in "kim"]])
    with pytest.raises(DataError):
        embedding_lookup("123")
