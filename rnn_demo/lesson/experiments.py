"""The lesson's experiments, in the order of its steps (steps.py says which step runs which): encoding,
the network, batching, then a Dataset and its batches, a few steps of the training loop, evaluation
and why gated cells. Each takes the names a learner types and the session's model and returns a few
lines of markdown and a table, ready to show.

Shapes: B batch, T time (letters), V alphabet, H hidden, C classes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from rnn_demo.data import ALPHABET, DataError, NamesDataset, V, check_name, make_loader, one_hot
from rnn_demo.evaluate import accuracies, all_logits
from rnn_demo.inside.gradients import gradient_decay
from rnn_demo.inside.letters import PAD, SPACE
from rnn_demo.inside.mistakes import backward_reading_effect, padding_effect
from rnn_demo.inside.packing import packing_view
from rnn_demo.models import CELLS, BidirectionalRNN, ManualRNN, NameClassifier
from rnn_demo.predict import model_batch, parse_names, predict

MAX_NAMES = 8  # names one experiment takes at once
UNITS_SHOWN = 8  # hidden units shown per letter
EQUATIONS = {
    "rnn": "h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)",
    "gru": "a reset gate and an update gate decide how much of h_{t-1} to keep and how much to replace",
    "lstm": "input, forget and output gates update a cell state c_t; h_t = o_t * tanh(c_t)",
}


@dataclass
class ExperimentResult:
    """What an experiment shows: markdown, and a table (plain columns, no meaningful index) or None."""

    markdown: str
    table: pd.DataFrame | None = None


def typed_names(text: str) -> list[str]:
    """Typed names (commas or lines) -> normalised names; DataError for a blank or unreadable one."""
    return [check_name(name) for name in parse_names(text, limit=MAX_NAMES)]


def first_name(text: str) -> tuple[str, str]:
    """(normalised first name, a note when more than one was typed)."""
    names = typed_names(text)
    return names[0], (f" (the first of the {len(names)} names typed)" if len(names) > 1 else "")


def labelled_names(text: str, model: NameClassifier, need_labels: bool) -> pd.DataFrame:
    """'Nakamura: Japanese, Dvořák' -> table of name, label, and whether the label was typed.

    A name without a label gets the model's own top guess, unless labels are needed."""
    known = {label.lower(): label for label in model.labels}
    rows = []
    for part in parse_names(text, limit=MAX_NAMES):
        name, _, label = part.partition(":")
        name, label = check_name(name), " ".join(label.split())
        if label and label.lower() not in known:
            raise DataError(f"{label!r} is not one of your model's labels: {', '.join(model.labels)}")
        if not label and need_labels:
            raise DataError(f"give {name!r} its language after a colon, e.g. 'Nakamura: Japanese'")
        rows.append({"name": name, "label": known.get(label.lower()), "typed": bool(label)})
    table = pd.DataFrame(rows)
    guesses = ~table["typed"]
    if guesses.any():
        table.loc[guesses, "label"] = [top[0][0] for top in predict(model, table.loc[guesses, "name"].tolist(), k=1)]
    return table


def readable(clean_name: str) -> list[str]:
    """A name's letters, a space shown as a visible mark (not mistaken for an empty cell)."""
    return [SPACE if ch == " " else ch for ch in clean_name]


def describe(model: NameClassifier) -> str:
    """'stacked GRU, hidden 128, 2 layer(s)'."""
    config = model.config
    return f"{config.arch} {config.cell.upper()}, hidden {config.hidden_size}, {config.num_layers} layer(s)"


def one_hot_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """The one-hot matrix of a name: one row per letter, one column per alphabet symbol."""
    clean, note = first_name(text)
    typed = parse_names(text, limit=MAX_NAMES)[0]
    matrix = one_hot(clean).int()  # (T, V)
    table = pd.DataFrame(matrix.numpy(), columns=readable(ALPHABET))
    table.insert(0, "letter", readable(clean))
    markdown = (f"`{typed}` → normalised `{clean}`{note} → one-hot of shape "
                f"**{tuple(matrix.shape)}** (T = {len(clean)} letters × V = {V} symbols). Each row holds "
                f"a single 1, at the letter's index: `{matrix.argmax(1).tolist()}`.")
    return ExperimentResult(markdown, table)


def first_layer_cell(model: NameClassifier) -> nn.Module:
    """The model's first layer as a one-step cell with the same weights (its forward direction)."""
    if isinstance(model, ManualRNN):
        return model.cells[0]
    cell = CELLS[model.config.cell][0](V, model.config.hidden_size)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(model.rnn, f"{name}_l0"))  # nn.RNN numbers its layers
    return cell


@torch.no_grad()
def cell_loop_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """Run the model's first layer as a cell, letter by letter by hand, and check it against nn.RNN."""
    clean, note = first_name(text)
    cell, H = first_layer_cell(model), model.config.hidden_size
    x = one_hot(clean).to(next(model.parameters()).device)  # (T, V)
    h = c = x.new_zeros(1, H)  # (1, H): the state before the first letter
    states = []
    for t in range(len(clean)):
        if model.config.cell == "lstm":
            h, c = cell(x[t:t + 1], (h, c))
        else:
            h = cell(x[t:t + 1], h)
        states.append(h[0])
    states = torch.stack(states)  # (T, H)
    layer = CELLS[model.config.cell][1](V, H, batch_first=True).to(x.device)  # one nn.RNN-style layer
    layer.load_state_dict({f"{name}_l0": p for name, p in cell.state_dict().items()})
    whole, _ = layer(x[None])  # (1, T, H)
    gap = (whole[0] - states).abs().max().item()
    table = pd.DataFrame({"step": range(1, len(clean) + 1), "letter": readable(clean),
                          "|h_t|": states.norm(dim=1).tolist()})
    for unit in range(min(UNITS_SHOWN, H)):
        table[f"h{unit}"] = states[:, unit].tolist()
    markdown = (f"Your model's first layer ({describe(model)}) as a `{type(cell).__name__}`, stepped by hand over "
                f"`{clean}`{note}: {EQUATIONS[model.config.cell]}. The state after each letter is (1, {H}); "
                f"the table shows its size and its first {min(UNITS_SHOWN, H)} units.\n\n"
                f"The same weights in one `{type(layer).__name__}` layer give the same states: the largest "
                f"difference is **{gap:.1e}**.")
    return ExperimentResult(markdown, table.round(3))


@torch.no_grad()
def nn_rnn_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """The shapes on the way through the model for a batch of names, and its top 3 for each."""
    names = typed_names(text)
    model.eval()
    padded, lengths = model_batch(model, names)  # (B, T, V), (B,)
    states = model.hidden_states(padded, lengths)  # (B, T, H) or (B, T, 2H)
    probabilities = model(padded, lengths).softmax(1)  # (B, C)
    top, index = probabilities.topk(min(3, len(model.labels)), dim=1)
    table = pd.DataFrame({"name": names, "letters": lengths.tolist()})
    for k in range(top.shape[1]):
        table[f"#{k + 1}"] = [f"{model.labels[i]} {p:.0%}" for i, p in zip(index[:, k].tolist(), top[:, k].tolist())]
    markdown = (f"Your model ({describe(model)}): padded **{tuple(padded.shape)}** (B, T, V) → "
                f"states of the top layer **{tuple(states.shape)}** → one state per name, read after its last "
                f"letter → `fc` → logits **{tuple(probabilities.shape)}** (B, C) → softmax.")
    return ExperimentResult(markdown, table)


def padding_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """The shape and the grid of the padded batch."""
    view = packing_view(typed_names(text))
    B, T, _ = view.one_hot_shape
    padding = 1 - sum(view.lengths) / (B * T)
    markdown = (f"`pad_sequence` → one tensor of shape **{view.one_hot_shape}** (B, T, V): {B} names × {T} steps × "
                f"{V} symbols. lengths `{view.lengths}`; **{padding:.0%}** of the {B * T} steps are padding "
                f"(`{PAD}`, all-zero rows).")
    return ExperimentResult(markdown, view.grid.reset_index(names="name"))


def packing_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """Who runs at each step of the packed batch, and the first name's answer packed and unpacked."""
    names = typed_names(text)
    if len(names) < 2:
        raise DataError("give at least two names: the first is tested, the others form the batch it joins")
    view = packing_view(names)
    effect = padding_effect(model, names[0], names[1:])
    markdown = (f"`pack_padded_sequence` runs the names longest first (`sorted_indices` {view.sorted_order}); "
                f"`batch_sizes` {view.batch_sizes} says how many still run at each step.\n\n"
                f"Your model on `{effect['name']}` ({effect['padding_steps']} padding steps in this batch): "
                f"{effect['label']} **{effect['alone']:.1%}** alone, **{effect['in_batch_packed']:.1%}** packed, "
                f"**{effect['in_batch_unpacked']:.1%}** unpacked, where its top language becomes "
                f"**{effect['label_unpacked']}** ({effect['unpacked_top']:.1%}).")
    if effect["padding_steps"] == 0:
        markdown += " Put a short name first to see padding change it."
    return ExperimentResult(markdown, view.packed_table.reset_index(names="step"))


def _layer_of(parameter: str) -> str:
    """'rnn.weight_ih_l1_reverse' or 'cells.1.weight_ih' -> 'layer 1 (backward)'; 'fc.weight' -> 'classifier'."""
    if parameter.startswith("fc."):
        return "classifier"
    if parameter.startswith("cells."):
        return f"layer {parameter.split('.')[1]}"
    suffix = parameter.rsplit("_l", 1)[1]  # '1' or '1_reverse'
    return f"layer {suffix.split('_')[0]}" + (" (backward)" if suffix.endswith("reverse") else "")


@torch.no_grad()
def stacking_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """The model's layers: what each reads and its weights; the name's top-layer states."""
    clean, note = first_name(text)
    rows = [{"layer": _layer_of(name), "parameter": name, "shape": str(tuple(p.shape)), "numbers": p.numel()}
            for name, p in model.named_parameters()]
    table = pd.DataFrame(rows)
    states = model.eval().hidden_states(*model_batch(model, [clean]))  # (1, T, H) or (1, T, 2H)
    H, L = model.config.hidden_size, model.config.num_layers
    both = isinstance(model, BidirectionalRNN)  # a layer above reads both directions of the one below: 2H
    markdown = (f"Your model has **{L}** layer(s) of hidden size {H}. Layer 0 reads the {V} one-hot symbols "
                f"(its `weight_ih` has {V} columns); each layer above reads the {2 * H if both else H} states of "
                f"the one below. The classifier reads only the top layer: for `{clean}`{note} its states are "
                f"**{tuple(states.shape)}** (B, T, {'2H' if both else 'H'}). {table['numbers'].sum():,} numbers "
                f"in all.")
    return ExperimentResult(markdown, table)


def bidirectional_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """What each direction has read at every step, and where the classifier reads each one."""
    clean, note = first_name(text)
    T = len(clean)
    reads = ["h_n[-1]: backward half" if t == 0 else "" for t in range(T)]
    reads[-1] = " and ".join(filter(None, [reads[-1], "h_n[-2]: forward half"]))
    table = pd.DataFrame({"step": range(1, T + 1), "letter": readable(clean),
                          "forward has read": [clean[:t + 1] for t in range(T)],
                          "backward has read": [clean[t:] for t in range(T)],
                          "the classifier reads": reads})
    markdown = (f"`{clean}`{note}: the backward direction reads right to left, so it has seen the whole name only "
                f"after the FIRST letter; at the last step it has read one letter.")
    if isinstance(model, BidirectionalRNN):
        effect = backward_reading_effect(model, clean)
        markdown += (f"\n\nYour model: read at h_n, {effect['label']} **{effect['right']:.1%}**; reading the "
                     f"backward half at the last step instead, **{effect['wrong']:.1%}** (top label then: "
                     f"{effect['label_wrong']}).")
    else:
        markdown += f"\n\nYour model ({describe(model)}) reads one way only. Train a bidirectional one to compare."
    return ExperimentResult(markdown, table)


# ---------------------------------------------------------------------------------------------
# From the DataLoader on

TRAIN_STEPS, TRAIN_LEARNING_RATE = 5, 1e-2  # the training step's few Adam steps on a copy


def dataset_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """The typed names as a NamesDataset, batched by a DataLoader whose collate_fn pads each batch."""
    labelled = labelled_names(text, model, need_labels=False)
    dataset = NamesDataset(labelled, model.labels)
    x, y = dataset[0]
    rows = []
    for i, (padded, lengths, labels) in enumerate(make_loader(dataset, batch_size=2)):
        rows.append({"batch": i + 1, "names": ", ".join(dataset.names[2 * i:2 * i + 2]),
                     "padded (B, T, V)": str(tuple(padded.shape)), "lengths": str(lengths.tolist()),
                     "labels": str(labels.tolist())})
    guessed = ", ".join(labelled.loc[~labelled["typed"], "name"])
    markdown = (f"`NamesDataset` holds {len(dataset)} items; item 0 is (one-hot {tuple(x.shape)}, label {y} = "
                f"{model.labels[y]}). A `DataLoader(batch_size=2, collate_fn=collate)` gives {len(rows)} batch(es): "
                f"`collate` pads each one only to its own longest name.")
    if guessed:
        markdown += f" No language typed for {guessed}: your model's guess stands in (write `Name: Language`)."
    return ExperimentResult(markdown, pd.DataFrame(rows))


def training_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """A few steps of the training loop on the typed names, on a copy of the model."""
    labelled = labelled_names(text, model, need_labels=False)
    student = copy.deepcopy(model).train()  # the session's model stays as it is
    padded, lengths, targets = next(iter(make_loader(NamesDataset(labelled, model.labels), MAX_NAMES)))
    device = next(student.parameters()).device
    padded, targets = padded.to(device), targets.to(device)  # lengths stay on the CPU
    optimizer = torch.optim.Adam(student.parameters(), lr=TRAIN_LEARNING_RATE)
    columns = [f"P({name} = {label})" for name, label in zip(labelled["name"], labelled["label"])]

    def measure(step: int) -> torch.Tensor:
        """The loss now, with a row of the table: the loss and each name's probability of its label."""
        logits = student(padded, lengths)  # (B, C)
        loss = nn.functional.cross_entropy(logits, targets)
        right = logits.softmax(1)[torch.arange(len(targets)), targets]  # (B,) P(true label)
        rows.append({"step": step, "loss": loss.item(), **dict(zip(columns, right.tolist()))})
        return loss

    rows = []
    with torch.enable_grad():
        for step in range(TRAIN_STEPS):
            loss = measure(step)
            optimizer.zero_grad()  # gradients add up: clear the last step's
            loss.backward()
            nn.utils.clip_grad_norm_(student.parameters(), 1.0)
            optimizer.step()
        measure(TRAIN_STEPS)
    first, last = rows[0]["loss"], rows[-1]["loss"]
    markdown = (f"{TRAIN_STEPS} steps of Adam (learning rate {TRAIN_LEARNING_RATE:g}, gradients clipped to norm 1) "
                f"on a copy of your model, on these {len(labelled)} names only: the loss goes from **{first:.3f}** "
                f"to **{last:.3f}**. Your model itself is unchanged; **Train** runs this loop over the whole table.")
    return ExperimentResult(markdown, pd.DataFrame(rows).round(3))


def evaluation_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """Accuracy and macro accuracy of the model on the typed names and their languages."""
    labelled = labelled_names(text, model, need_labels=True)
    device = next(model.parameters()).device
    logits, targets = all_logits(model, make_loader(NamesDataset(labelled, model.labels), MAX_NAMES), device)
    accuracy, macro, _ = accuracies(logits.argmax(1), targets, len(model.labels))
    confidence, predicted = logits.softmax(1).max(1)
    table = labelled[["name", "label"]].assign(
        predicted=[model.labels[i] for i in predicted.tolist()],
        confidence=[f"{p:.0%}" for p in confidence.tolist()],
        right=["✓" if ok else "✗" for ok in (predicted == targets).tolist()])
    markdown = (f"On these {len(table)} names: accuracy **{accuracy:.0%}**, macro accuracy **{macro:.0%}** (the mean "
                f"of each language's accuracy, so a rare language counts as much as a common one).")
    if "val_accuracy" in model.record:
        markdown += f" On its validation names your model scored {model.record['val_accuracy']:.1%}."
    return ExperimentResult(markdown, table)


def why_gated_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """How fast the gradient from the last state back to each letter fades: your model and fresh rnn, gru, lstm."""
    clean, note = first_name(text)
    decay = gradient_decay(model, [clean])
    table = decay.curves.pivot(index="distance", columns="series", values="norm")  # rows: T - t
    ours = [column for column in table.columns if column.startswith("this model")]
    order = ours + sorted(column for column in table.columns if column not in ours)
    table = table[order].map(lambda value: float(f"{value:.3g}")).reset_index()
    first = table.iloc[-1]  # the largest distance: from the last state back to the first letter
    summary = "; ".join(f"{column} {first[column]:.2g}" for column in order)
    markdown = (f"For `{clean}`{note}: how much the last state still depends on the state at each earlier letter "
                f"(1 at distance 0). Back at the first letter, {len(clean) - 1} steps away: {summary}.\n\n{decay.note}")
    return ExperimentResult(markdown, table)
