"""The unit explorer finds, for a unit, the letters of the table that drive it highest, and the
units most tied to one label; every number is the model's own hidden state."""

import pandas as pd
import pytest
import torch

from rnn_demo.data import DataError, collate, one_hot
from rnn_demo.inside.units import scan_units, selective_units, unit_examples, unit_labels, unit_on_name
from rnn_demo.models import ARCHITECTURES, CELLS, ModelConfig, build_model

TABLE = pd.DataFrame({
    "name": ["kowalski", "nowak", "tanaka", "suzuki", "o'brien", "mcdonald", "li", "de la cruz"],
    "label": ["Polish", "Polish", "Japanese", "Japanese", "Irish", "Scottish", "Chinese", "Spanish"],
})


def tiny(arch="stacked", cell="gru", hidden_size=6, num_layers=2):
    torch.manual_seed(0)
    labels = sorted(set(TABLE["label"]))
    return build_model(ModelConfig(labels=labels, arch=arch, cell=cell, hidden_size=hidden_size, num_layers=num_layers))


def all_states(model, names):
    padded, lengths, _ = collate([(one_hot(n), 0) for n in names])
    with torch.no_grad():
        return model.eval().hidden_states(padded, lengths), lengths  # (B, T, U)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_top_positions_are_the_highest_activations_in_the_table(arch, cell):
    model = tiny(arch, cell)
    scan = scan_units(model, TABLE, keep=5)
    U = 12 if arch == "bidirectional" else 6
    assert scan.peaks.shape == (len(TABLE), U) and scan.top_values.shape == (U, 5)
    states, lengths = all_states(model, TABLE["name"].tolist())
    unit = U - 1
    every = sorted(((states[b, t, unit].item(), TABLE["name"][b], t) for b in range(len(TABLE))
                    for t in range(lengths[b])), reverse=True)  # every real letter, never padding
    examples = unit_examples(scan, unit, n=5)
    assert examples["activation"].tolist() == pytest.approx([v for v, _, _ in every[:5]], abs=1e-6)
    assert list(zip(examples["name"], examples["position"])) == [(n, t) for _, n, t in every[:5]]
    row = examples.iloc[0]
    assert row["name"][row["position"]] == row["letter"]
    assert row["shown"].replace("␣", " ") == f"{row['before']}[{row['letter']}]{row['after']}"
    assert len(row["before"]) <= 3 and len(row["after"]) <= 3
    peak = max(states[b, t, 0].item() for b in [0] for t in range(lengths[0]))
    assert scan.peaks[0, 0].item() == pytest.approx(peak, abs=1e-6)


def test_unit_names_say_the_direction_when_bidirectional():
    assert unit_labels(tiny("bidirectional"))[:2] == ["→0", "→1"]
    assert unit_labels(tiny("bidirectional"))[6] == "←0"
    assert unit_labels(tiny("manual"))[0] == "h0"


def test_most_selective_unit_fires_for_one_label():
    # Plant a unit that fires only on Polish names: its selectivity must top the list.
    model = tiny("manual", "rnn")
    scan = scan_units(model, pd.concat([TABLE] * 3, ignore_index=True))
    polish = torch.tensor([label == "Polish" for label in scan.labels])
    scan.peaks[:, 4] = torch.where(polish, 0.9, -0.5)
    table = selective_units(scan, n=3)
    assert table["unit"].iloc[0] == 4 and table["label"].iloc[0] == "Polish" and table["name"].iloc[0] == "h4"
    assert table["selectivity"].is_monotonic_decreasing
    assert list(table.columns) == ["unit", "name", "label", "selectivity", "label_mean", "mean", "top_example"]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_unit_on_a_typed_name_is_its_hidden_state_letter_by_letter(arch):
    model = tiny(arch, "lstm")
    trace = unit_on_name(model, "Kowalski", 2)
    states, _ = all_states(model, ["kowalski"])
    assert trace["letter"].tolist() == list("kowalski")
    assert trace["activation"].tolist() == pytest.approx(states[0, :, 2].tolist(), abs=1e-6)


@pytest.mark.parametrize("unit", [-1, 6, 2.5, True, "3"])
def test_unit_out_of_range_is_a_clear_value_error(unit):
    model = tiny()
    scan = scan_units(model, TABLE)
    with pytest.raises(ValueError, match="unit must be a whole number from 0 to 5"):
        unit_examples(scan, unit)
    with pytest.raises(ValueError, match="unit must be a whole number from 0 to 5"):
        unit_on_name(model, "Ng", unit)


def test_bad_names_and_empty_tables_are_clear_data_errors():
    model = tiny()
    with pytest.raises(DataError, match="blank name"):
        unit_on_name(model, "", 0)
    with pytest.raises(DataError, match="has no letters"):
        unit_on_name(model, "%%%", 0)
    with pytest.raises(DataError, match="no names"):
        scan_units(model, TABLE.iloc[:0])


def test_each_letter_has_its_own_label_in_the_names_order():
    model = tiny()
    assert unit_on_name(model, "Kowalski", 0)["shown"].tolist() == ["1 k", "2 o", "3 w", "4 a", "5 l", "6 s",
                                                                     "7 k", "8 i"]  # two k's, two bars
    shown = unit_on_name(model, "de la Cruz Ortega", 0)["shown"].tolist()
    assert shown[:4] == ["01 d", "02 e", "03 ␣", "04 l"] and shown[-1] == "17 a"
    assert sorted(shown) == shown  # sorted as text (the plot's sort="x"), they keep the name's order
