"""Training as a generator of progress events, and evaluation.

    for event in train(table, TrainConfig(epochs=5)):
        ...  # BatchEvent after every step, EpochEvent after every epoch, DoneEvent last

The CLI prints the events, the app plots them, the tests read them; train() itself never prints.
Shapes: B batch, T time, V alphabet, C classes, N names.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import pandas as pd
import torch
from torch import nn

from . import limits
from .data import NamesDataset, make_loader, split_table
from .files import load_table
from .models import ModelConfig, NameClassifier, build_model


class TrainingError(RuntimeError):
    """Training cannot go on (e.g. the loss stopped being a finite number)."""


@dataclass
class TrainConfig:
    """Hyperparameters of one training run. The defaults train the default table well in
    about 20 s on a 2-core CPU."""

    arch: str = "stacked"  # manual | stacked | bidirectional
    cell: str = "gru"  # rnn | gru | lstm
    hidden_size: int = 128
    num_layers: int = 2
    dropout: float = 0.0  # between layers
    epochs: int = 20
    batch_size: int = 64
    learning_rate: float = 3e-3  # Adam
    seed: int = 0  # one seed for the split, the initial weights and the batch order
    val_fraction: float = 0.15
    clip: float = 1.0  # max gradient norm: RNN gradients can explode over long names
    # Weight the loss so that rare labels count as much as common ones, and keep the epoch with the
    # best macro accuracy (what balancing is for) instead of the best plain accuracy.
    balance: bool = False
    max_seconds: float | None = None  # stop (keeping the best model) after this long

    def __post_init__(self):
        def bad(name, value, low, high):
            return f"{name} must be between {low} and {high}, not {value}"

        problems = []
        if not (isinstance(self.epochs, int) and 1 <= self.epochs <= limits.MAX_EPOCHS):
            problems.append(bad("epochs", self.epochs, 1, limits.MAX_EPOCHS))
        if not (isinstance(self.batch_size, int) and 1 <= self.batch_size <= limits.MAX_BATCH_SIZE):
            problems.append(bad("batch size", self.batch_size, 1, limits.MAX_BATCH_SIZE))
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate <= limits.MAX_LEARNING_RATE):
            problems.append(f"learning rate must be above 0 and at most {limits.MAX_LEARNING_RATE}, not {self.learning_rate}")
        if not (isinstance(self.val_fraction, (int, float)) and 0.05 <= self.val_fraction <= 0.5):
            problems.append(bad("validation fraction", self.val_fraction, 0.05, 0.5))
        if not (isinstance(self.clip, (int, float)) and self.clip > 0):
            problems.append(f"gradient clip must be above 0, not {self.clip}")
        if self.max_seconds is not None and not (isinstance(self.max_seconds, (int, float)) and self.max_seconds > 0):
            problems.append(f"time limit must be above 0 seconds, not {self.max_seconds}")
        if not isinstance(self.seed, int) or self.seed < 0:
            problems.append(f"seed must be a whole number >= 0, not {self.seed}")
        if problems:
            raise ValueError("; ".join(problems))
        self.model_config(["a", "b"])  # checks arch, cell, hidden size, layers, dropout

    def model_config(self, labels: list[str]) -> ModelConfig:
        return ModelConfig(labels=list(labels), arch=self.arch, cell=self.cell, hidden_size=self.hidden_size,
                           num_layers=self.num_layers, dropout=self.dropout)


@dataclass
class BatchEvent:
    epoch: int  # 1-based
    step: int  # optimiser steps so far, over all epochs
    loss: float  # this batch's training loss
    steps_per_epoch: int
    epochs: int
    elapsed: float  # seconds since training started


@dataclass
class EpochEvent:
    epoch: int
    epochs: int
    train_loss: float  # mean over the epoch's batches
    val_loss: float
    val_accuracy: float
    val_macro_accuracy: float
    seconds: float  # this epoch, validation included
    names_per_second: float  # training names / training seconds of this epoch
    elapsed: float


@dataclass
class DoneEvent:
    model: NameClassifier  # the best model by validation accuracy, in eval mode
    epochs_run: int
    best_epoch: int  # 0 when stopped before the first epoch ended
    reason: str  # "finished" | "stopped" | "time limit"
    seconds: float
    train_loss: float  # mean training loss of the last (possibly partial) epoch
    val_accuracy: float  # of the returned model
    val_macro_accuracy: float
    names_per_second: float  # over the whole run
    val_table: pd.DataFrame = field(default_factory=pd.DataFrame)  # the validation split train() used

    @property
    def stopped(self) -> bool:
        return self.reason != "finished"


Event = BatchEvent | EpochEvent | DoneEvent


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# Model initialisation reads torch's global RNG: hold a lock so two sessions that train at once
# each get exactly the weights their own seed gives.
_seed_lock = threading.Lock()


def train(
    table: pd.DataFrame,
    config: TrainConfig | None = None,
    stop: Callable[[], bool] | None = None,
    device: torch.device | None = None,
) -> Iterator[Event]:
    """Train a new model on a names table, yielding progress events; the last is a DoneEvent.

    `stop()` is checked before every batch: once it returns True, training ends early and the
    DoneEvent still carries the best model so far. Raises DataError for a bad table and
    TrainingError when the loss stops being finite.
    """
    config = config or TrainConfig()
    device = device or default_device()
    table, report = load_table(table)
    train_rows, val_rows = split_table(table, config.val_fraction, config.seed)
    train_set = NamesDataset(train_rows, report.labels)
    # Sorted by length, each validation batch pads only to its own longest name (the manual loop
    # validates ~1.5x faster); the order of the names changes no validation figure.
    val_set = NamesDataset(val_rows.iloc[val_rows["name"].str.len().argsort(kind="stable")], report.labels)
    train_loader = make_loader(train_set, config.batch_size, shuffle=True, seed=config.seed)
    val_loader = list(make_loader(val_set, 512))  # encoded and padded once, not every epoch

    with _seed_lock:
        torch.manual_seed(config.seed)
        model = build_model(config.model_config(report.labels)).to(device)
    weights = None
    if config.balance:
        # Weight each label by 1 / its share of the names: rare labels count as much in the loss.
        counts = torch.tensor([report.counts[label] for label in report.labels], dtype=torch.float)
        weights = (counts.sum() / (len(counts) * counts)).to(device)
    criterion = nn.CrossEntropyLoss(weight=weights)
    # fused: one kernel updates every parameter. On a CPU the default model's step takes 0.26 ms
    # instead of 0.79 ms for the default loop over parameters.
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate,
                                 fused=device.type in ("cpu", "cuda"))

    steps_per_epoch = len(train_loader)
    start = time.perf_counter()
    step, epoch, best_epoch, reason = 0, 0, 0, "finished"
    best = {"accuracy": -1.0, "macro_accuracy": -1.0, "loss": math.inf, "state": None}
    trained_names, train_seconds = 0, 0.0
    epoch_losses: list[float] = []

    score = "macro_accuracy" if config.balance else "accuracy"

    def keep_if_best(val: dict) -> bool:
        if (val[score], -val["loss"]) > (best[score], -best["loss"]):
            best.update(val, state=copy.deepcopy(model.state_dict()))
            return True
        return False

    def should_stop() -> str | None:
        if stop is not None and stop():
            return "stopped"
        if config.max_seconds is not None and time.perf_counter() - start > config.max_seconds:
            return "time limit"
        return None

    for epoch in range(1, config.epochs + 1):
        # Train on every batch once.
        model.train()
        epoch_start = time.perf_counter()
        epoch_losses, epoch_names = [], 0
        for padded, lengths, labels in train_loader:
            reason = should_stop() or reason
            if reason != "finished":
                break
            padded, labels = padded.to(device), labels.to(device)  # lengths stay on the CPU
            loss = criterion(model(padded, lengths), labels)
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingError(
                    f"the loss became {value} at epoch {epoch}, step {step + 1}: training stopped "
                    f"before the weights were spoiled; try a lower learning rate than {config.learning_rate:g}"
                )
            optimizer.zero_grad()
            loss.backward()
            # Clip: one long name can give an exploding gradient through the recurrence.
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            optimizer.step()
            step += 1
            epoch_losses.append(value)
            epoch_names += len(labels)
            yield BatchEvent(epoch, step, value, steps_per_epoch, config.epochs, time.perf_counter() - start)
        seconds = time.perf_counter() - epoch_start
        trained_names += epoch_names
        train_seconds += seconds
        if reason != "finished" and not epoch_losses:
            epoch -= 1  # stopped before this epoch trained anything
            break

        # Validate: keep the weights with the best validation accuracy.
        val = _validate(model, val_loader, device)
        if keep_if_best(val):
            best_epoch = epoch
        if reason != "finished":
            break  # a partial epoch counts for the best model, but is not reported as an epoch
        yield EpochEvent(
            epoch, config.epochs, sum(epoch_losses) / len(epoch_losses), val["loss"], val["accuracy"],
            val["macro_accuracy"], time.perf_counter() - epoch_start, epoch_names / max(seconds, 1e-9),
            time.perf_counter() - start,
        )

    if best["state"] is None:  # stopped before any batch: the untrained model is all there is
        keep_if_best(_validate(model, val_loader, device))
    model.load_state_dict(best["state"])
    model.eval()
    # The best epoch's validation measured exactly these weights: no second pass over the names.
    per_label = {label: accuracy for label, accuracy in zip(report.labels, best["per_class"].tolist())
                 if not math.isnan(accuracy)}
    model.metrics = {
        "val_accuracy": best["accuracy"],
        "val_macro_accuracy": best["macro_accuracy"],
        "per_label": per_label,
        "best_epoch": best_epoch,
        "epochs_run": epoch,
        "train_names": len(train_rows),
        "val_names": len(val_rows),
    }
    yield DoneEvent(
        model, epoch, best_epoch, reason, time.perf_counter() - start,
        sum(epoch_losses) / len(epoch_losses) if epoch_losses else math.nan,
        best["accuracy"], best["macro_accuracy"], trained_names / max(train_seconds, 1e-9), val_rows,
    )


def run_to_end(events: Iterator[Event]) -> DoneEvent:
    """Consume a train() generator and return its DoneEvent."""
    for event in events:
        if isinstance(event, DoneEvent):
            return event
    raise TrainingError("training ended without a result")


# ---------------------------------------------------------------------------------------------
# Evaluation


@torch.no_grad()
def _logits(model: NameClassifier, loader, device) -> tuple[torch.Tensor, torch.Tensor]:
    """All logits (N, C) and targets (N,) of a loader, in its order."""
    was_training = model.training
    model.eval()
    outs, targets = [], []
    for padded, lengths, labels in loader:
        outs.append(model(padded.to(device), lengths).cpu())
        targets.append(labels)
    model.train(was_training)
    return torch.cat(outs), torch.cat(targets)


def _accuracies(predicted: torch.Tensor, targets: torch.Tensor, n_classes: int):
    """(accuracy, macro accuracy, per-class recall (C,) with NaN for absent classes)."""
    correct = (predicted == targets).float()
    per_class = torch.full((n_classes,), math.nan)
    for c in targets.unique().tolist():
        per_class[c] = correct[targets == c].mean()
    present = per_class[~per_class.isnan()]
    return correct.mean().item(), present.mean().item(), per_class


def _validate(model: NameClassifier, loader, device) -> dict:
    logits, targets = _logits(model, loader, device)
    accuracy, macro, per_class = _accuracies(logits.argmax(1), targets, logits.shape[1])
    loss = nn.functional.cross_entropy(logits, targets).item()
    return {"loss": loss, "accuracy": accuracy, "macro_accuracy": macro, "per_class": per_class}


@dataclass
class Evaluation:
    accuracy: float  # share of names whose top label is right
    macro_accuracy: float  # mean over labels of per-label accuracy: rare labels count as much
    per_label: dict[str, float]  # label -> accuracy (recall), labels present in the table
    confusion: pd.DataFrame  # rows: true label, columns: predicted label, cells: counts
    loss: float
    n: int
    # Validation names the model got most confidently wrong: name, label, predicted, confidence.
    mistakes: pd.DataFrame = field(default_factory=pd.DataFrame)


def evaluate(model: NameClassifier, table: pd.DataFrame | str, batch_size: int = 512,
             device: torch.device | None = None) -> Evaluation:
    """Accuracy, macro accuracy, per-label accuracy and confusion matrix of a model on a table."""
    device = device or next(model.parameters()).device
    table, _ = load_table(table)
    dataset = NamesDataset(table, model.labels)
    logits, targets = _logits(model, make_loader(dataset, batch_size), device)
    probabilities = logits.softmax(1)
    confidence, predicted = probabilities.max(1)
    labels = model.labels
    accuracy, macro, per_class = _accuracies(predicted, targets, len(labels))
    confusion = torch.zeros(len(labels), len(labels), dtype=torch.long)
    confusion.index_put_((targets, predicted), torch.ones_like(targets), accumulate=True)
    wrong = (predicted != targets).nonzero().flatten()
    wrong = wrong[confidence[wrong].argsort(descending=True)]
    mistakes = pd.DataFrame({
        "name": [dataset.names[i] for i in wrong.tolist()],
        "label": [labels[targets[i]] for i in wrong.tolist()],
        "predicted": [labels[predicted[i]] for i in wrong.tolist()],
        "confidence": confidence[wrong].tolist(),
    })
    return Evaluation(
        accuracy=accuracy,
        macro_accuracy=macro,
        per_label={labels[c]: per_class[c].item() for c in range(len(labels)) if not per_class[c].isnan()},
        confusion=pd.DataFrame(confusion.numpy(), index=labels, columns=labels),
        loss=nn.functional.cross_entropy(logits, targets).item(),
        n=len(dataset),
        mistakes=mistakes,
    )
