"""Gradients through time: saliency is the real gradient of the logit, padding gets none; the
gradient through a plain rnn's recurrence fades faster with distance than through a gated cell's."""

import math

import pytest
import torch

from rnn_demo.data import LETTER_INDEX, DataError, V, collate, one_hot
from rnn_demo.inside.gradients import (
    LONG_NAMES,
    fresh_model,
    gradient_decay,
    letter_gradients,
    saliency,
    state_gradient_norms,
)
from rnn_demo.models import ARCHITECTURES, CELLS, ModelConfig, build_model

LABELS = ["A", "B", "C"]
LONG = "Wolfeschlegelsteinhausenbergerdorff"


def tiny(arch="stacked", cell="rnn", hidden_size=8, num_layers=2):
    torch.manual_seed(0)
    return build_model(ModelConfig(labels=LABELS, arch=arch, cell=cell, hidden_size=hidden_size, num_layers=num_layers))


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_padding_positions_get_zero_saliency(arch, cell):
    model = tiny(arch, cell)
    padded, lengths, _ = collate([(one_hot(n), 0) for n in ["ng", "nakamura", "li"]])  # (3, 8, V)
    grad = letter_gradients(model, padded, lengths, torch.tensor([0, 1, 2]))  # (B, T, V)
    for b, length in enumerate(lengths.tolist()):
        assert torch.count_nonzero(grad[b, length:]).item() == 0
        assert grad[b, :length].norm(dim=1).min().item() > 0  # every real letter moves the logit
    assert model.training  # built in training mode: the view gives it back as it was


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_gradient_times_input_is_the_logits_first_order_change(arch, cell):
    model = tiny(arch, cell).eval()
    view = saliency(model, "Kowalski")
    assert view.letters["letter"].tolist() == list("kowalski")
    target = LABELS.index(view.label)
    x = one_hot("kowalski")[None]
    # Check one letter against a finite difference: scale its one-hot entry by 1 ± eps.
    t, eps = 3, 1e-3
    logit = []
    for sign in (1, -1):
        nudged = x.clone()
        nudged[0, t, LETTER_INDEX["a"]] += sign * eps
        logit.append(model(nudged, torch.tensor([8]))[0, target].item())
    assert view.letters["gradient_x_input"][t] == pytest.approx((logit[0] - logit[1]) / (2 * eps), rel=1e-2, abs=1e-4)
    assert view.probability == pytest.approx(model(x, torch.tensor([8])).softmax(dim=1)[0, target].item(), abs=1e-6)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_integrated_gradients_add_up_to_the_logits_change(arch, cell):
    model = tiny(arch, cell, hidden_size=16)
    view = saliency(model, "Nakamura", label="B")
    with torch.no_grad():
        x = one_hot("nakamura")[None]
        change = (model.eval()(x, torch.tensor([8])) - model(torch.zeros_like(x), torch.tensor([8])))[0, 1].item()
    assert view.logit_change == pytest.approx(change, abs=1e-5)
    assert view.letters["integrated"].sum() == pytest.approx(change, rel=0.02, abs=1e-3)
    assert view.letters["shade"].abs().max() == pytest.approx(1.0)


def test_saliency_explains_the_label_asked_for():
    model = tiny()
    assert saliency(model, "Ng", label="C").label == "C"
    with pytest.raises(DataError, match="not one of the model's labels"):
        saliency(model, "Ng", label="Klingon")


@pytest.mark.parametrize("bad, message", [("", "blank name"), ("!!!", "has no letters"), ("a" * 41, "the limit")])
def test_bad_name_is_a_clear_data_error(bad, message):
    with pytest.raises(DataError, match=message):
        saliency(tiny(), bad)
    with pytest.raises(DataError, match=message):
        gradient_decay(tiny(), [bad])


@pytest.mark.parametrize("cell", list(CELLS))
def test_state_gradient_norms_match_torchs_own_jacobian(cell):
    # Distance 1 is one step of the cell: torch's own cell, loaded with the model's weights, and
    # torch's own Jacobian of it must give the same norm as our chained autograd.
    model = tiny("stacked", cell, hidden_size=6, num_layers=1).eval()
    norms = state_gradient_norms(model, "abcd")  # (T,)
    assert norms.shape == (4,) and norms[-1].item() == pytest.approx(1.0)  # ∂h_T/∂h_T = I, divided by √H
    _, state = model.rnn(one_hot("abc")[None])  # the state after "abc": h (1, 1, H), and c for the lstm
    h, c = (state[0][0, 0], state[1][0, 0]) if cell == "lstm" else (state[0, 0], None)
    torch_cell = {"rnn": torch.nn.RNNCell, "gru": torch.nn.GRUCell, "lstm": torch.nn.LSTMCell}[cell](V, 6)
    torch_cell.load_state_dict({k.replace("_l0", ""): v for k, v in model.rnn.state_dict().items()})
    x = one_hot("d")  # (1, V)

    def step(h_prev):  # h_{T-1} -> h_T, the cell state (if any) held as it was
        out = torch_cell(x, (h_prev[None], c[None])) if cell == "lstm" else torch_cell(x, h_prev[None])
        return (out[0] if cell == "lstm" else out)[0]

    jacobian = torch.autograd.functional.jacobian(step, h.detach())  # (H, H)
    assert norms[-2].item() == pytest.approx(jacobian.norm().item() / math.sqrt(6), rel=1e-4)


def test_state_gradient_norms_read_through_an_embedding():
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=LABELS, arch="stacked", cell="gru", hidden_size=6, num_layers=1, embedding=4))
    norms = state_gradient_norms(model, "nakamura")
    assert norms.shape == (8,) and norms[-1].item() == pytest.approx(1.0) and bool((norms[:-1] < 1).all())


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_fresh_rnn_gradient_falls_faster_than_a_fresh_lstms(arch):
    like = tiny(arch, "gru", hidden_size=64)
    falls = {}
    for cell in CELLS:
        norms = state_gradient_norms(fresh_model(like, cell, seed=0), LONG).flip(0)  # index: distance
        falls[cell] = math.log10(norms[30] / norms[5])  # decades lost from distance 5 to 30
    assert falls["rnn"] < falls["lstm"] and falls["rnn"] < falls["gru"]
    # With the keep gate open the gated cells hardly lose anything more; the rnn has no such gate.
    opened = state_gradient_norms(fresh_model(like, "lstm", seed=0, keep_bias=True), LONG).flip(0)
    plain = state_gradient_norms(fresh_model(like, "rnn", seed=0), LONG).flip(0)
    assert opened[30] > 1000 * plain[30]


def test_gradient_decay_has_this_model_and_fresh_ones_of_every_cell():
    model = tiny("bidirectional", "gru", hidden_size=8)
    decay = gradient_decay(model, ["Nakamura", LONG])
    series = decay.curves.groupby("series")["distance"].max().to_dict()
    assert set(series) == {"this model (gru)", "fresh rnn", "fresh gru", "fresh lstm",
                           "fresh gru, gate bias +2", "fresh lstm, gate bias +2"}
    assert set(series.values()) == {len(LONG) - 1}  # the longest name sets the furthest distance
    first = decay.curves[decay.curves["distance"] == 0]["norm"]
    assert first.tolist() == pytest.approx([1.0] * len(first))
    assert decay.curves["log10_norm"].tolist() == pytest.approx([math.log10(n) for n in decay.curves["norm"]])
    assert "forward direction" in decay.note
    # The fresh models are the same size and leave torch's random state alone.
    state = torch.random.get_rng_state()
    fresh = fresh_model(model, "lstm")
    assert torch.equal(state, torch.random.get_rng_state())
    assert fresh.config.hidden_size == 8 and fresh.config.arch == "bidirectional" and fresh.config.cell == "lstm"


def test_gradient_decay_refuses_too_many_names_and_unknown_cells():
    with pytest.raises(DataError, match="give 1 to"):
        gradient_decay(tiny(), [])
    with pytest.raises(ValueError, match="is not one of"):
        gradient_decay(tiny(), LONG_NAMES, cells=("rnn", "transformer"))
