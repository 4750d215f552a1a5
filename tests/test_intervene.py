"""Interventions (rnn_demo.inside.intervene), each checked against a hand computation on a tiny model."""

import itertools

import pytest
import torch

from rnn_demo.data import check_name, one_hot
from rnn_demo.inside.intervene import (
    Clamp,
    Intervention,
    InterventionError,
    intervened_logits,
    largest_singular_values,
    parse_clamp,
    parse_intervention,
    parse_units,
    scaled_model,
)
from rnn_demo.models import ModelConfig, build_model
from rnn_demo.predict import model_batch

NAMES = ["Kowalski", "Li", "Nakamura", "O'Brien", "Smith", "Ng", "Abe", "Müller"]
LABELS = ["Polish", "Japanese", "English"]


def tiny(arch="stacked", cell="gru", layers=2, pooling="last", embedding=0, seed=0):
    torch.manual_seed(seed)
    config = ModelConfig(arch=arch, cell=cell, num_layers=layers, hidden_size=6, pooling=pooling,
                         embedding=embedding, labels=LABELS)
    model = build_model(config).eval()
    with torch.no_grad():  # a visible bias, so "equals the bias" cannot pass by accident
        model.fc.bias.copy_(torch.tensor([0.3, -0.2, 0.5]))
    return model


def own_logits(model, names):
    with torch.no_grad():
        return model(*model_batch(model, [check_name(n) for n in names]))


@pytest.mark.parametrize("arch,cell,pooling", itertools.product(
    ("manual", "stacked", "bidirectional"), ("rnn", "gru", "lstm"), ("last", "last+max")))
def test_no_intervention_gives_the_models_own_logits(arch, cell, pooling):
    model = tiny(arch, cell, pooling=pooling, embedding=4 if pooling == "last+max" else 0)
    torch.testing.assert_close(intervened_logits(model, NAMES, Intervention()), own_logits(model, NAMES),
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("arch,pooling", [("stacked", "last"), ("bidirectional", "last"), ("manual", "last+max")])
def test_knocking_out_every_unit_leaves_the_classifiers_bias(arch, pooling):
    model = tiny(arch, "lstm", pooling=pooling)
    logits = intervened_logits(model, NAMES, parse_intervention(model, knock_out="all"))
    torch.testing.assert_close(logits, model.fc.bias.expand(len(NAMES), -1))


def test_a_knocked_out_unit_is_zero_where_the_classifier_reads_it():
    model = tiny("stacked", "gru", layers=1)
    captured = []
    model.fc.register_forward_hook(lambda module, args, out: captured.append(args[0]))
    intervened_logits(model, ["Kowalski"], parse_intervention(model, knock_out="2, 4"))
    features = captured[-1][0]
    assert features[2] == 0 and features[4] == 0 and (features[[0, 1, 3, 5]] != 0).all()


def test_knocking_out_a_lower_layer_changes_the_answer_but_not_to_the_bias():
    model = tiny("stacked", "rnn", layers=2)
    logits = intervened_logits(model, NAMES, parse_intervention(model, knock_out="0:all"))
    assert not torch.allclose(logits, own_logits(model, NAMES))
    # Layer 1 still adds its input-free part (biases) at every step: not simply the classifier's bias.
    assert not torch.allclose(logits, model.fc.bias.expand(len(NAMES), -1))
    # With layer 0 silent, layer 1 reads zeros: every name of one length gives one answer.
    assert torch.allclose(logits[NAMES.index("Li")], logits[NAMES.index("Ng")])


@pytest.mark.parametrize("arch", ["stacked", "manual", "bidirectional"])
def test_gru_update_gate_at_one_from_letter_one_freezes_the_zero_state(arch):
    model = tiny(arch, "gru")
    logits = intervened_logits(model, NAMES, parse_intervention(model, clamp="z=1@1"))
    # h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n = h_{t-1} = h_0 = 0: every name gets the classifier's bias.
    torch.testing.assert_close(logits, model.fc.bias.expand(len(NAMES), -1))


@pytest.mark.parametrize("arch", ["stacked", "bidirectional"])
def test_gru_update_gate_at_one_from_letter_k_reads_the_name_as_its_prefix(arch):
    model = tiny(arch, "gru")
    names = ["Kowalski", "Nakamura", "Schmidt"]
    logits = intervened_logits(model, names, parse_intervention(model, clamp="z=1@4"))
    # Both directions skip letters 4.. (the backward one starts from them frozen at zero).
    torch.testing.assert_close(logits, own_logits(model, [n[:3] for n in names]), atol=1e-5, rtol=1e-5)


def test_lstm_forget_gate_at_zero_erases_the_cell_state_at_each_letter():
    model = tiny("stacked", "lstm", layers=1)
    # By hand: with f = 0, c_t = i_t ⊙ g_t, so the last step alone sets c_T from (x_T, h_{T-1}).
    change = parse_intervention(model, clamp="f=0")
    changed = intervened_logits(model, NAMES, change)
    assert not torch.allclose(changed, own_logits(model, NAMES))
    rnn = model.rnn
    name = check_name("Kowalski")
    letters = one_hot(name)
    h = c = torch.zeros(1, 6)
    with torch.no_grad():
        for t in range(len(name)):
            gates = letters[t:t + 1] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(i) * torch.tanh(g)  # f = 0: nothing of c_{t-1}
            h = torch.sigmoid(o) * torch.tanh(c)
        expected = model.fc(h)[0]
    torch.testing.assert_close(changed[0], expected, atol=1e-5, rtol=1e-5)


def test_scaling_the_recurrence_equals_a_model_with_scaled_weights():
    model = tiny("stacked", "rnn")
    scaled = scaled_model(model, 0.5)
    torch.testing.assert_close(intervened_logits(model, NAMES, parse_intervention(model, scale=0.5)),
                               own_logits(scaled, NAMES), atol=1e-5, rtol=1e-5)
    assert torch.allclose(scaled.rnn.weight_hh_l0, 0.5 * model.rnn.weight_hh_l0)
    assert not torch.allclose(scaled.rnn.weight_hh_l0, model.rnn.weight_hh_l0)  # the original is untouched
    sigma = torch.linalg.svdvals(model.rnn.weight_hh_l0)[0].item()
    assert largest_singular_values(model, 2.0)[0] == pytest.approx(2 * sigma, rel=1e-5)


def test_units_are_parsed_as_the_unit_explorer_names_them():
    model = tiny("bidirectional", "gru", layers=2)  # U = 12 per layer: →0..→5, ←0..←5
    assert parse_units(model, "3, 7") == {1: (3, 7)}
    assert parse_units(model, "→2 ←2 h1") == {1: (1, 2, 8)}
    assert parse_units(model, "0:1-3, 11") == {0: (1, 2, 3), 1: (11,)}
    assert parse_units(model, "all") == {1: tuple(range(12))}


@pytest.mark.parametrize("text,message", [("12", "units 0–11"), ("2:1", "layer 2 does not exist"),
                                          ("x", "units 0–11"), ("", "name the units"), ("5-3", "range")])
def test_a_unit_out_of_range_lists_what_is_valid(text, message):
    with pytest.raises(InterventionError, match=message):
        parse_units(tiny("bidirectional", "gru"), text)


def test_clamps_parse_and_refuse_gates_the_cell_lacks():
    gru, lstm, rnn = tiny(cell="gru"), tiny(cell="lstm"), tiny(cell="rnn")
    assert parse_clamp(gru, "z=1") == Clamp("z", 1.0, 0, None)
    assert parse_clamp(lstm, "1:f=0.5@3") == Clamp("f", 0.5, 2, 1)
    with pytest.raises(InterventionError, match="has no gate 'f': it has r, z"):
        parse_clamp(gru, "f=0")
    with pytest.raises(InterventionError, match="rnn cell has no gate"):
        parse_clamp(rnn, "z=1")
    for bad in ("z=2", "z=1@0", "5:z=1", "z"):
        with pytest.raises(InterventionError):
            parse_clamp(gru, bad)
    with pytest.raises(InterventionError, match="from 0.25 to 2"):
        parse_intervention(gru, scale=3)


def test_compare_counts_each_languages_accuracy_before_and_after():
    import pandas as pd

    from rnn_demo.inside.intervene import compare

    model = tiny("stacked", "gru")
    rows = pd.DataFrame({"name": [check_name(n) for n in NAMES], "label": LABELS * 2 + LABELS[:2]})
    outcome = compare(model, rows, parse_intervention(model, knock_out="all"))
    # Knocked out entirely, every name gets argmax(bias) = English (bias 0.5): English's names all right, others none.
    after = outcome.per_label.set_index("label")["after"]
    assert after["English"] == 1 and after["Polish"] == 0 and after["Japanese"] == 0
    assert outcome.distinct_predictions_after == 1
    assert outcome.accuracy[1] == pytest.approx(2 / 8)
    before = own_logits(model, NAMES).argmax(dim=1)
    targets = torch.tensor([LABELS.index(label) for label in rows["label"]])
    assert outcome.accuracy[0] == pytest.approx((before == targets).float().mean().item())
    assert list(outcome.per_label["change"]) == sorted(outcome.per_label["change"])  # biggest loss first


def test_the_cli_prints_the_issues_json_and_refuses_bad_values(tmp_path, capsys):
    import json

    from rnn_demo.__main__ import main
    from rnn_demo.checkpoints import save_checkpoint

    path = save_checkpoint(tiny("stacked", "gru"), tmp_path / "tiny.safetensors")
    table = tmp_path / "t.csv"
    table.write_text("name,label\n" + "".join(f"{n}{i},{label}\n" for i in range(20)
                                                for n, label in zip(("Kowalski", "Nakamura", "Smith"), LABELS)))
    assert main(["intervene", "--checkpoint", str(path), "--data", str(table), "--clamp", "z=1@1",
                 "--names", "Kowalski", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"before", "after", "distinct_predictions_after", "names"} <= set(result)
    assert set(result["after"]) == {"accuracy", "per_label"} and set(result["before"]["per_label"]) == set(LABELS)
    assert result["distinct_predictions_after"] == 1  # z = 1 from letter 1: every name answers the bias
    assert [step["label"] for step in result["names"]["kowalski"]["by_letter"]["after"]] == ["English"] * 8
    assert main(["intervene", "--checkpoint", str(path), "--data", str(table), "--knock-out", "9"]) == 2
    assert "units 0–5 of layers 0–1" in capsys.readouterr().err
    assert main(["intervene", "--checkpoint", str(path), "--data", str(table), "--clamp", "f=0"]) == 2
    assert "it has r, z" in capsys.readouterr().err
