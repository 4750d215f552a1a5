"""Padding and packing are right when a batch gives exactly what one name at a time gives."""

import pytest
import torch

from rnn_demo.data import collate, one_hot
from rnn_demo.models import ARCHITECTURES, CELLS, ModelConfig, build_model

NAMES = ["nakamura", "li", "o'brien", "schwarzenegger", "ng"]
LABELS = ["A", "B", "C"]


def batch(names):
    return collate([(one_hot(n), 0) for n in names])[:2]  # padded (B, T, V), lengths (B,)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_batched_logits_equal_one_name_at_a_time(arch, cell):
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=LABELS, arch=arch, cell=cell, hidden_size=16, num_layers=2)).eval()
    with torch.no_grad():
        together = model(*batch(NAMES))
        alone = torch.cat([model(*batch([n])) for n in NAMES])
    assert together.shape == (len(NAMES), len(LABELS))
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cell", list(CELLS))
def test_manual_cell_loop_matches_nn_rnn(cell):
    torch.manual_seed(0)
    manual = build_model(ModelConfig(labels=LABELS, arch="manual", cell=cell, hidden_size=12, num_layers=2)).eval()
    stacked = build_model(ModelConfig(labels=LABELS, arch="stacked", cell=cell, hidden_size=12, num_layers=2)).eval()
    # Copy the weights: layer i of nn.RNN is called weight_ih_l{i}; the cell calls it weight_ih.
    with torch.no_grad():
        for i, layer in enumerate(manual.cells):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(layer, name).copy_(getattr(stacked.rnn, f"{name}_l{i}"))
        manual.fc.load_state_dict(stacked.fc.state_dict())
        x = batch(NAMES)
        torch.testing.assert_close(manual(*x), stacked(*x), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(manual.hidden_states(*x), stacked.hidden_states(*x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cell", list(CELLS))
def test_bidirectional_output_depends_on_first_letter_through_backward_direction(cell):
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=LABELS, arch="bidirectional", cell=cell, hidden_size=8, num_layers=1)).eval()
    H = 8
    with torch.no_grad():
        # Zero the classifier's view of the forward half: what is left is the backward direction.
        model.fc.weight[:, :H] = 0
        a, b = model(*batch(["kowalski"])), model(*batch(["nowalski"]))
        assert (a - b).abs().max() > 1e-4
        # Reading the backward half at lengths-1 (the classic mistake) cannot see the first letter.
        wrong_a = model.hidden_states(*batch(["kowalski"]))[0, -1, H:]
        wrong_b = model.hidden_states(*batch(["nowalski"]))[0, -1, H:]
        torch.testing.assert_close(wrong_a, wrong_b)


def test_bidirectional_classifier_reads_two_times_hidden():
    model = build_model(ModelConfig(labels=LABELS, arch="bidirectional", hidden_size=10))
    assert model.fc.in_features == 20


def test_stacked_default_has_two_layers_with_dropout_between():
    model = build_model(ModelConfig(labels=LABELS, dropout=0.2))
    assert model.rnn.num_layers == 2 and model.rnn.dropout == 0.2


@pytest.mark.parametrize("kwargs, message", [
    ({"arch": "cnn"}, "architecture 'cnn' is not one of manual, stacked, bidirectional"),
    ({"cell": "tcn"}, "cell 'tcn' is not one of rnn, gru, lstm"),
    ({"hidden_size": 0}, "hidden size must be between 1 and 512"),
    ({"hidden_size": 10**6}, "hidden size must be between 1 and 512"),
    ({"num_layers": 9}, "layers must be between 1 and 4"),
    ({"embedding": -1}, "embedding size must be between 0 and 512, not -1"),
    ({"embedding": 2.5}, "embedding size must be between 0 and 512, not 2.5"),
    ({"pooling": "mean"}, "pooling 'mean' is not one of last, last\\+max"),
    ({"feature_dropout": 1.0}, "feature dropout must be between 0 and 0.9, not 1.0"),
    ({"feature_dropout": "lots"}, "feature dropout must be between 0 and 0.9, not lots"),
    ({"input_dropout": -0.1}, "input dropout must be between 0 and 0.9, not -0.1"),
])
def test_bad_model_config_lists_valid_choices(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(labels=LABELS, **kwargs)


def test_an_embedding_is_one_hot_times_a_matrix():
    # The first layer of an embedding model reads one_hot (T, V) @ W.T (V, E): row i of the result
    # is column letters[i] of W, exactly what nn.Embedding looks up.
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=LABELS, arch="stacked", cell="gru", hidden_size=8, embedding=5))
    letters = one_hot("nakamura")  # (T, V)
    embedded = model.inputs(letters[None])[0]  # (T, E)
    lookup = torch.nn.functional.embedding(letters.argmax(1), model.embed.weight.T)
    torch.testing.assert_close(embedded, lookup)
    torch.testing.assert_close(embedded, letters @ model.embed.weight.T)
    assert model.rnn.input_size == 5


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_options_keep_padding_and_packing_right(arch):
    torch.manual_seed(0)
    config = ModelConfig(labels=LABELS, arch=arch, cell="lstm", hidden_size=8, num_layers=2, embedding=6,
                         pooling="last+max", feature_dropout=0.5)
    model = build_model(config).eval()  # eval: dropout off
    with torch.no_grad():
        together = model(*batch(NAMES))
        alone = torch.cat([model(*batch([n])) for n in NAMES])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)
    width = 2 * 8 if arch == "bidirectional" else 8
    assert model.fc.in_features == 2 * width  # the last state and the max over all states
    assert (config.embedding, config.pooling) != (0, "last")


def test_max_pooling_reads_the_largest_state_of_the_name_only():
    model = build_model(ModelConfig(labels=LABELS, hidden_size=2, pooling="last+max"))
    states = torch.tensor([[[1.0, -5.0], [3.0, -2.0], [9.0, 9.0]]])  # (B=1, T=3, H=2), last step is padding
    features = []
    model.fc.register_forward_hook(lambda module, args, out: features.append(args[0]))
    model.to_logits(states[:, 1], states, torch.tensor([2]))
    assert features[0].tolist() == [[3.0, -2.0, 3.0, -2.0]]  # last (3, -2), max over 2 letters (3, -2)


@pytest.mark.parametrize("option", ["feature_dropout", "input_dropout"])
def test_dropout_options_act_in_training_only(option):
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=LABELS, hidden_size=16, **{option: 0.5}))
    padded, lengths = batch(NAMES)
    model.train()
    assert not torch.equal(model(padded, lengths), model(padded, lengths))
    model.eval()
    assert torch.equal(model(padded, lengths), model(padded, lengths))
