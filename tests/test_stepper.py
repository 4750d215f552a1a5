"""The step-through computes what the model computes: its cell equations, by hand, with the model's
own weights, end where the model's own hidden state ends, in the order the running code goes."""

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_demo.data import LETTER_INDEX, DataError, collate, one_hot
from rnn_demo.inside.cells import FORMULAS, cell_update, layer_weights
from rnn_demo.inside.stepper import BACKWARD, FORWARD, step_through
from rnn_demo.models import ARCHITECTURES, CELLS, ModelConfig, build_model
from rnn_demo.predict import predict

LABELS = ["A", "B", "C", "D"]
NAME = "Kowalski-Wolfeschlegelsteinhausenberg"  # long: a small error would grow over the letters


def tiny(arch="stacked", cell="rnn", hidden_size=8, num_layers=2):
    torch.manual_seed(0)
    return build_model(ModelConfig(labels=LABELS, arch=arch, cell=cell, hidden_size=hidden_size,
                                   num_layers=num_layers)).eval()


def batch(names):
    return collate([(one_hot(n), 0) for n in names])[:2]  # padded (B, T, V), lengths (B,)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_last_state_equals_the_models_own_hidden_state(arch, cell):
    model = tiny(arch, cell, hidden_size=12)
    view = step_through(model, NAME, k=3, units_shown=12)  # every unit shown: the whole vector is there
    clean = view.name
    padded, lengths = batch([clean])
    T = len(clean)
    if arch == "bidirectional":
        read = view.steps[-1]
        assert read.phase == "read"
        packed = pack_padded_sequence(padded, lengths, batch_first=True)
        _, h_n = model.rnn(packed)
        h_n = h_n[0] if cell == "lstm" else h_n  # (layers * 2, 1, H)
        forward, backward = read.update
        order = torch.tensor(forward.units)
        torch.testing.assert_close(torch.tensor(forward.values), h_n[-2, 0, order], atol=1e-6, rtol=0)
        torch.testing.assert_close(torch.tensor(backward.values), h_n[-1, 0, torch.tensor(backward.units)],
                                   atol=1e-6, rtol=0)
    else:
        last = [s for s in view.steps if s.layer == 1][-1]
        assert last.position == T - 1
        expected = model.hidden_states(padded, lengths)[0, T - 1]  # (H,)
        torch.testing.assert_close(torch.tensor(last.h_after.values), expected[torch.tensor(last.h_after.units)],
                                   atol=1e-6, rtol=0)
        assert last.h_after.norm == pytest.approx(expected.norm().item(), abs=1e-6)
    # The final answer is the model's answer.
    expected = predict(model, [clean], 3)[0]
    assert view.probabilities["label"].tolist() == [label for label, _ in expected]
    assert view.probabilities["probability"].tolist() == pytest.approx([p for _, p in expected], abs=1e-6)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_embedding_and_max_pooling_are_followed_too(arch):
    torch.manual_seed(0)
    config = ModelConfig(labels=LABELS, arch=arch, cell="gru", hidden_size=6, num_layers=2, embedding=4,
                         pooling="last+max", feature_dropout=0.5)
    model = build_model(config)  # in training mode: the view must not apply dropout
    view = step_through(model, "Nakamura", k=4)
    assert model.training
    expected = predict(model, ["nakamura"], 4)[0]
    assert view.probabilities["probability"].tolist() == pytest.approx([p for _, p in expected], abs=1e-6)
    assert "embedding" in view.steps[0].input_note
    if arch != "bidirectional":  # the answer so far reads the max over the letters so far
        prefix = dict(predict(model, ["nak"], 4)[0])
        step = [s for s in view.steps if s.layer == 1][2]
        assert dict(zip(step.prediction["label"], step.prediction["probability"])) == pytest.approx(
            {label: prefix[label] for label in step.prediction["label"]}, abs=1e-6)


@pytest.mark.parametrize("cell", list(CELLS))
def test_cell_update_equals_torchs_own_cell(cell):
    torch.manual_seed(1)
    torch_cell = {"rnn": torch.nn.RNNCell, "gru": torch.nn.GRUCell, "lstm": torch.nn.LSTMCell}[cell](5, 7)
    model = build_model(ModelConfig(labels=LABELS, arch="manual", cell=cell, hidden_size=7, num_layers=1))
    model.cells[0] = torch_cell
    x, h, c = torch.randn(3, 5), torch.randn(3, 7), torch.randn(3, 7)
    update = cell_update(cell, layer_weights(model)[0], x, h, c if cell == "lstm" else None)
    expected = torch_cell(x, (h, c)) if cell == "lstm" else torch_cell(x, h)
    if cell == "lstm":
        torch.testing.assert_close(update.h, expected[0])
        torch.testing.assert_close(update.c, expected[1])
    else:
        torch.testing.assert_close(update.h, expected)
    assert [name for name, _ in update.parts] == [name for name, _ in FORMULAS[cell]]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_steps_follow_the_order_the_code_runs(arch):
    model = tiny(arch, "gru")
    view = step_through(model, "Li Wei")
    T, places = 6, [(s.phase, s.layer, s.position) for s in view.steps]
    if arch == "manual":  # the loop: each letter up through the layers
        assert places == [("forward", layer, t) for t in range(T) for layer in (0, 1)]
    elif arch == "stacked":  # nn.RNN: a layer over the whole name, then the next layer
        assert places == [("forward", layer, t) for layer in (0, 1) for t in range(T)]
    else:  # each layer forward, then backward right to left; then the read
        assert places == [(phase, layer, t) for layer in (0, 1)
                          for phase, ts in (("forward", range(T)), ("backward", reversed(range(T)))) for t in ts] \
            + [("read", 1, T - 1)]
        assert {s.direction for s in view.steps[:-1]} == {FORWARD, BACKWARD}
    assert [s.number for s in view.steps] == list(range(len(view.steps)))


@pytest.mark.parametrize("cell", list(CELLS))
def test_each_step_shows_the_cells_own_vectors_and_the_letter_entering(cell):
    view = step_through(tiny("manual", cell), "Nakamura", units_shown=3)
    first = view.steps[0]
    assert first.letter == "n" and first.input_index == LETTER_INDEX["n"]
    assert [v.name for v in first.update] == [name for name, _ in FORMULAS[cell]]
    assert all(len(v.values) == 3 and len(v.units) == 3 and v.norm >= 0 for v in first.update)
    assert first.h_before.norm == 0  # every name starts from a zero state
    assert (first.c_before is not None) == (cell == "lstm")
    above = view.steps[1]
    assert above.layer == 1 and above.input_index is None and "layer 0" in above.input_note
    # A step's h_{t-1} is the previous step's h_t in the same layer.
    again = [s for s in view.steps if s.layer == 0][1]
    assert again.h_before.values == pytest.approx(first.h_after.values)
    bars = first.bars()
    assert list(bars.columns) == ["vector", "unit", "value"] and len(bars) == 3 * len(first.update)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_prediction_as_it_stands_is_the_model_on_that_prefix(arch):
    model = tiny(arch, "lstm")
    view = step_through(model, "Nakamura", k=4)
    top = [s for s in view.steps if s.layer == 1 and s.phase == "forward"]
    if arch == "bidirectional":  # no answer before both directions have read the whole name
        assert all(s.prediction is None for s in view.steps[:-1])
        assert view.steps[-1].prediction["probability"].tolist() == pytest.approx(
            view.probabilities["probability"].tolist())
        return
    prefix = dict(predict(model, ["naka"], 4)[0])
    step = top[3]  # after the 4th letter
    assert step.guess == max(prefix, key=prefix.get)
    for label, probability in zip(step.prediction["label"], step.prediction["probability"]):
        assert probability == pytest.approx(prefix[label], abs=1e-6)
    assert all(s.prediction is None for s in view.steps if s.layer == 0)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_each_step_points_at_the_source_line_that_runs_it(arch):
    view = step_through(tiny(arch, "rnn"), "Ng")
    lines = view.source.splitlines()
    shown = [lines[n - 1] for n in view.steps[0].source_lines]
    if arch == "manual":
        assert any("cell(x, h[i])" in line for line in shown) and any("padded[:, t]" in line for line in shown)
    else:
        assert any("self.rnn(packed)" in line for line in shown)
        assert "nn.RNN" in view.steps[0].explanation
    if arch == "bidirectional":
        assert any("h_n[-2], h_n[-1]" in lines[n - 1] for n in view.steps[-1].source_lines)


@pytest.mark.parametrize("bad, message", [("", "blank name"), ("   ", "blank name"), ("12345", "has no letters"),
                                          ("x" * 41, "the limit is 40")])
def test_bad_name_is_a_clear_data_error(bad, message):
    with pytest.raises(DataError, match=message):
        step_through(tiny(), bad)


def test_units_shown_must_be_a_positive_whole_number():
    with pytest.raises(ValueError, match="units shown"):
        step_through(tiny(), "Ng", units_shown=0)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_a_step_without_a_prediction_says_why(arch):
    view = step_through(tiny(arch, "gru", num_layers=3), "Ng")
    for step in view.steps:  # a note exactly where there is no prediction
        assert (step.prediction is None) == bool(step.prediction_note), (step.phase, step.layer)
    first = view.steps[0].prediction_note
    if arch == "bidirectional":
        assert "once both directions have read the whole name" in first
    else:
        assert "layer 0 of a model with 3 layers" in first and "reads only the top layer" in first
        assert first.endswith("layer 2.")
        assert ("once this letter reaches" if arch == "manual" else "from the steps of") in first


def test_a_one_layer_model_predicts_from_its_first_step():
    view = step_through(tiny("stacked", "rnn", num_layers=1), "Ng")
    assert all(s.prediction is not None and s.prediction_note == "" for s in view.steps)
