"""The lesson: its steps in the guide's order, each with its own live code and an experiment that runs."""

import inspect
import re

import pandas as pd
import pytest
import torch

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.data import DataError
from rnn_demo.lesson import experiments as lesson_experiments
from rnn_demo.lesson import steps as lesson
from rnn_demo.lesson.steps import STEPS, VIEWS, step_by_slug
from rnn_demo.models import ARCHITECTURES, CELLS, ModelConfig, build_model
from rnn_demo.predict import model_batch

GUIDE_ORDER = ["one-hot", "cell-loop", "nn-rnn", "padding", "packing", "stacking", "bidirectional", "dataset",
               "training", "evaluation", "why-gated", "intervene"]


@pytest.fixture(scope="module")
def shipped():
    return load_checkpoint()


def tiny(labels, arch="stacked", cell="gru", seed=0, layers=2):
    torch.manual_seed(seed)
    return build_model(ModelConfig(labels=list(labels), arch=arch, cell=cell, hidden_size=8, num_layers=layers)).eval()


def test_steps_follow_the_guide_in_order():
    assert [step.slug for step in STEPS] == GUIDE_ORDER


def test_slugs_are_unique_and_fit_in_a_url():
    slugs = [step.slug for step in STEPS]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", slug) for slug in slugs)


def test_every_step_links_to_a_view_of_the_app():
    assert {step.view for step in STEPS} <= set(VIEWS)
    assert VIEWS[step_by_slug("padding").view] == "Padding & packing"


def test_every_step_has_a_few_sentences():
    for step in STEPS:
        sentences = len(re.findall(r"[.!?](\s|$)", step.text))
        assert 2 <= sentences <= 4, (step.slug, step.text)


@pytest.mark.parametrize("step", STEPS, ids=[s.slug for s in STEPS])
def test_step_code_is_the_project_source_read_live(step):
    code = step.code
    assert code.strip()
    for obj in step.sources:
        assert obj.__module__.startswith("rnn_demo.")
        assert inspect.getsource(obj).strip().splitlines()[-1].strip() in code  # read from disk, not a copy
        assert f": {obj.__qualname__}\n" in code  # headed by where it comes from


@pytest.mark.parametrize("step", STEPS, ids=[s.slug for s in STEPS])
def test_step_experiment_runs_on_its_default_input_with_the_shipped_model(step, shipped):
    before = {k: v.clone() for k, v in shipped.state_dict().items()}
    result = step.run(step.default_input, shipped)
    assert isinstance(result.markdown, str) and len(result.markdown) > 40
    assert isinstance(result.table, pd.DataFrame) and not result.table.empty
    assert result.table.columns.is_unique
    after = shipped.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # no experiment changes the session's model


@pytest.mark.parametrize("step", STEPS, ids=[s.slug for s in STEPS])
def test_step_refuses_blank_input_with_a_message(step, shipped):
    with pytest.raises(DataError, match="type something first"):
        step.run("  ", shipped)
    with pytest.raises(DataError, match="no letters"):
        step.run("1234, 5678", shipped)


def test_unknown_step_lists_the_steps():
    with pytest.raises(ValueError, match="one-hot, cell-loop"):
        step_by_slug("step-5")


def test_one_hot_shows_one_row_per_letter_with_a_single_one(shipped):
    result = step_by_slug("one-hot").run("Müller", shipped)
    assert "(6, 31)" in result.markdown and "muller" in result.markdown
    table = result.table
    assert list(table["letter"]) == list("muller")
    assert table.shape == (6, 1 + 31)
    assert (table.drop(columns="letter").sum(axis=1) == 1).all()
    assert table.loc[0, "m"] == 1


def test_padding_shows_the_shape_and_the_grid_of_the_padded_batch(shipped):
    result = step_by_slug("padding").run("Li, Nakamura, Schwarzenegger", shipped)
    assert "(3, 14, 31)" in result.markdown
    grid = result.table
    assert list(grid["name"]) == ["li", "nakamura", "schwarzenegger"]
    assert list(grid.columns[1:]) == [f"t{t}" for t in range(14)]
    assert (grid.iloc[0, 3:] == "·").all() and (grid.iloc[2, 1:] != "·").all()


def test_packing_needs_a_batch_and_shows_what_padding_does(shipped):
    with pytest.raises(DataError, match="at least two names"):
        step_by_slug("packing").run("Li", shipped)
    result = step_by_slug("packing").run("Li, Schwarzenegger", shipped)
    assert list(result.table["batch size"]) == [2, 2] + [1] * 12
    assert "12 padding steps" in result.markdown and "unpacked" in result.markdown


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_cell_loop_by_hand_equals_the_models_own_first_layer(arch, cell):
    model = tiny(["A", "B"], arch, cell)
    result = lesson_experiments.cell_loop_experiment("Nakamura", model)
    gap = float(re.search(r"difference is \*\*([0-9.e+-]+)\*\*", result.markdown).group(1))
    assert gap < 1e-5
    assert len(result.table) == 8 and "h7" in result.table
    if arch != "bidirectional":  # one layer: the loop's states are the model's own hidden states
        one_layer = tiny(["A", "B"], arch, cell, layers=1)
        states = one_layer.hidden_states(*model_batch(one_layer, ["nakamura"]))[0]
        loop = lesson_experiments.cell_loop_experiment("Nakamura", one_layer).table
        torch.testing.assert_close(torch.tensor(loop["h0"].tolist()), states[:, 0], atol=1e-3, rtol=0)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_every_experiment_runs_for_every_architecture_and_cell(arch, cell, shipped):
    model = tiny(shipped.labels, arch, cell)
    for step in STEPS:
        assert step.run(step.default_input, model).markdown


def test_bidirectional_marks_where_each_direction_is_read(shipped):
    table = step_by_slug("bidirectional").run("Kowalski", shipped).table
    assert table.loc[0, "backward has read"] == "kowalski" and table.loc[7, "backward has read"] == "i"
    assert table.loc[0, "the classifier reads"].startswith("h_n[-1]")
    assert table.loc[7, "the classifier reads"].startswith("h_n[-2]")
    model = tiny(shipped.labels, "bidirectional", "gru")
    assert "reading the backward half at the last step" in step_by_slug("bidirectional").run("Kowalski", model).markdown


def test_stacking_lists_each_layers_weights(shipped):
    table = step_by_slug("stacking").run("Nakamura", shipped).table
    assert set(table["layer"]) == {"layer 0", "layer 1", "classifier"}
    assert table["numbers"].sum() == sum(p.numel() for p in shipped.parameters())
    bidirectional = lesson.step_by_slug("stacking").run("Li", tiny(["A", "B"], "bidirectional", "rnn")).table
    assert "layer 1 (backward)" in set(bidirectional["layer"])


def test_dataset_batches_labelled_names_and_guesses_missing_labels(shipped):
    result = step_by_slug("dataset").run("Nakamura: japanese, Li, Dvořák: Czech", shipped)
    assert list(result.table["padded (B, T, V)"]) == ["(2, 8, 31)", "(1, 6, 31)"]
    assert "your model's guess stands in" in result.markdown and "li" in result.markdown
    with pytest.raises(DataError, match="not one of your model's labels: Arabic, Chinese"):
        step_by_slug("dataset").run("Nakamura: Klingon", shipped)


def test_training_steps_lower_the_loss_on_a_copy(shipped):
    result = step_by_slug("training").run("Duda: Polish, Logan: Scottish", shipped)
    losses = result.table["loss"].tolist()
    assert len(losses) == 6 and losses[-1] < losses[0] / 10
    assert result.table["P(duda = Polish)"].iloc[-1] > 0.5 > result.table["P(duda = Polish)"].iloc[0]


def test_evaluation_needs_each_names_language_and_counts_the_right_ones(shipped):
    with pytest.raises(DataError, match="after a colon"):
        step_by_slug("evaluation").run("Nakamura", shipped)
    result = step_by_slug("evaluation").run("Nakamura: Japanese, Duda: Polish", shipped)
    assert "accuracy **50%**" in result.markdown
    assert list(result.table["right"]) == ["✓", "✗"]


def test_why_gated_compares_the_session_model_with_fresh_cells(shipped):
    result = step_by_slug("why-gated").run("Wolfeschlegelsteinhausen", shipped)
    table = result.table
    assert list(table.columns[:3]) == ["distance", "this model (gru)", "fresh gru"]
    assert list(table["distance"]) == list(range(24)) and (table.iloc[0, 1:] == 1).all()
    first_letter = table.iloc[-1]
    assert first_letter["fresh rnn"] < 0.01 < first_letter["this model (gru)"]
    assert first_letter["fresh gru, gate bias +2"] > 10 * first_letter["fresh gru"]
    assert "23 steps away" in result.markdown


@pytest.mark.parametrize("slug, tab, view", [("cell-loop", "why", "why-step"), ("why-gated", "why", "why-gradients"),
                                             ("intervene", "why", "why-intervene"), ("padding", "packing", None)])
def test_open_the_full_view_selects_the_tab_and_the_view_inside_it(slug, tab, view):
    from ui import lesson_tab
    outer, inner = lesson_tab.open_view(STEPS.index(step_by_slug(slug)))
    assert outer.selected == tab
    assert (inner.selected if view else inner) == (view or {"__type__": "update"})


def test_the_gate_bias_is_one_value_wherever_it_is_named(shipped):
    # Issue 34: Gradients through time and step 11 said +1 while Remember the first letter said +2.
    from rnn_demo.inside.cells import KEEP_BIAS
    from rnn_demo.inside.gradients import gradient_decay
    from rnn_demo.inside.remember_first import GATE_BIAS_NOTE, RememberConfig
    decay = gradient_decay(shipped, "Kowalski")
    shown = [step_by_slug("why-gated").text, decay.note, GATE_BIAS_NOTE, *decay.curves["series"].unique()]
    values = [re.findall(r"bias (?:at )?\+(\d+(?:\.\d+)?)", text) for text in shown]
    assert all(values[:3]), values  # each of the three texts names it
    assert {v for found in values for v in found} == {f"{KEEP_BIAS:g}"} == {f"{RememberConfig.gate_bias_value:g}"}
