"""The lesson's experiments from the DataLoader on: a Dataset and its batches, a few steps of the
training loop, evaluation, and why gated cells (on gradients.py, the "Watch it think" numbers). Each
returns an ExperimentResult, ready to show.

Shapes: B batch, T time (letters), V alphabet, H hidden, C classes.
"""

from __future__ import annotations

import copy

import pandas as pd
import torch
from torch import nn

from rnn_demo.data import NamesDataset, make_loader
from rnn_demo.evaluate import accuracies, all_logits
from rnn_demo.inside.gradients import gradient_decay
from rnn_demo.lesson.experiments import MAX_NAMES, ExperimentResult, first_name, labelled_names
from rnn_demo.models import NameClassifier

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
    if "val_accuracy" in model.metrics:
        markdown += f" On its validation names your model scored {model.metrics['val_accuracy']:.1%}."
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
