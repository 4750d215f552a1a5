"""Training as a generator of progress events.

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
from torch.utils.data import DataLoader

from . import limits
from .data import NamesDataset, make_loader, split_table
from .evaluate import Validation, validate
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
    # The live model being trained: a caller that keeps something of it (a snapshot of its hidden
    # states) must copy it at once, as training goes on changing it.
    model: NameClassifier | None = field(default=None, repr=False)


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


@dataclass
class Best:
    """The best epoch so far: its validation and a copy of its weights."""

    by_macro: bool  # balancing: the best epoch is the one with the best macro accuracy
    epoch: int = 0  # 0: none yet (or only a partial first epoch)
    validation: Validation | None = None
    state: dict | None = None

    def offer(self, epoch: int, validation: Validation, model: NameClassifier) -> None:
        """Keep this epoch's weights if they beat the best so far."""
        if self.validation is None or validation.score(self.by_macro) > self.validation.score(self.by_macro):
            self.epoch, self.validation = epoch, validation
            self.state = copy.deepcopy(model.state_dict())


@dataclass
class EpochResult:
    """What one pass over the training batches did."""

    losses: list[float]  # one per batch
    names: int  # training names seen
    seconds: float
    stopped: str | None  # why it ended early ("stopped", "time limit"), None if it ran through


@dataclass
class Run:
    """The fixed parts of one training: its data, model, loss and optimiser."""

    config: TrainConfig
    device: torch.device
    train_loader: DataLoader
    val_loader: list  # (padded, lengths, labels) batches, encoded once
    val_rows: pd.DataFrame
    labels: list[str]
    model: NameClassifier
    criterion: nn.Module
    optimizer: torch.optim.Optimizer
    start: float = field(default_factory=time.perf_counter)
    step: int = 0  # optimiser steps so far

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def prepare(table: pd.DataFrame, config: TrainConfig, device: torch.device) -> Run:
    """Split and encode the table, build the seeded model, the loss and the optimiser."""
    table, report = load_table(table)
    train_rows, val_rows = split_table(table, config.val_fraction, config.seed)
    train_loader = make_loader(NamesDataset(train_rows, report.labels), config.batch_size, shuffle=True,
                               seed=config.seed)
    # Sorted by length, each validation batch pads only to its own longest name (the manual loop
    # validates ~1.5x faster); the order of the names changes no validation figure.
    by_length = val_rows.iloc[val_rows["name"].str.len().argsort(kind="stable")]
    val_loader = list(make_loader(NamesDataset(by_length, report.labels), 512))  # encoded once, not every epoch
    with _seed_lock:
        torch.manual_seed(config.seed)
        model = build_model(config.model_config(report.labels)).to(device)
    weights = None
    if config.balance:
        # Weight each label by 1 / its share of the names: rare labels count as much in the loss.
        counts = torch.tensor([report.counts[label] for label in report.labels], dtype=torch.float)
        weights = (counts.sum() / (len(counts) * counts)).to(device)
    # fused: one kernel updates every parameter. On a CPU the default model's step takes 0.26 ms
    # instead of 0.79 ms for the default loop over parameters.
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, fused=device.type in ("cpu", "cuda"))
    return Run(config, device, train_loader, val_loader, val_rows, report.labels, model,
               nn.CrossEntropyLoss(weight=weights), optimizer)


def train_epoch(run: Run, epoch: int, should_stop: Callable[[], str | None]) -> Iterator[BatchEvent]:
    """One pass over the training batches, a BatchEvent after each step; returns an EpochResult."""
    model, config = run.model, run.config
    model.train()
    started, losses, names = time.perf_counter(), [], 0
    for padded, lengths, labels in run.train_loader:
        reason = should_stop()
        if reason:
            return EpochResult(losses, names, time.perf_counter() - started, reason)
        padded, labels = padded.to(run.device), labels.to(run.device)  # lengths stay on the CPU
        loss = run.criterion(model(padded, lengths), labels)
        value = loss.item()
        if not math.isfinite(value):
            raise TrainingError(
                f"the loss became {value} at epoch {epoch}, step {run.step + 1}: training stopped "
                f"before the weights were spoiled; try a lower learning rate than {config.learning_rate:g}"
            )
        run.optimizer.zero_grad()
        loss.backward()
        # Clip: one long name can give an exploding gradient through the recurrence.
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        run.optimizer.step()
        run.step += 1
        losses.append(value)
        names += len(labels)
        yield BatchEvent(epoch, run.step, value, len(run.train_loader), config.epochs, run.elapsed())
    return EpochResult(losses, names, time.perf_counter() - started, None)


def finish(run: Run, best: Best, epochs_run: int, reason: str, last: EpochResult | None,
           trained: tuple[int, float]) -> DoneEvent:
    """Load the best epoch's weights, record its figures on the model, and the DoneEvent."""
    if best.state is None:  # stopped before any batch: the untrained model is all there is
        best.offer(0, validate(run.model, run.val_loader, run.device), run.model)
    model, val = run.model, best.validation
    model.load_state_dict(best.state)
    model.eval()
    # The best epoch's validation measured exactly these weights: no second pass over the names.
    per_label = {label: accuracy for label, accuracy in zip(run.labels, val.per_class.tolist())
                 if not math.isnan(accuracy)}
    model.metrics = {
        "val_accuracy": val.accuracy, "val_macro_accuracy": val.macro_accuracy, "per_label": per_label,
        "best_epoch": best.epoch, "epochs_run": epochs_run,
        "train_names": len(run.train_loader.dataset), "val_names": len(run.val_rows),
    }
    names, seconds = trained
    train_loss = sum(last.losses) / len(last.losses) if last and last.losses else math.nan
    return DoneEvent(model, epochs_run, best.epoch, reason, run.elapsed(), train_loss, val.accuracy,
                     val.macro_accuracy, names / max(seconds, 1e-9), run.val_rows)


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
    run = prepare(table, config, device or default_device())
    best = Best(by_macro=config.balance)

    def should_stop() -> str | None:
        if stop is not None and stop():
            return "stopped"
        if config.max_seconds is not None and run.elapsed() > config.max_seconds:
            return "time limit"
        return None

    epochs_run, reason, result, trained = 0, "finished", None, (0, 0.0)
    for epoch in range(1, config.epochs + 1):
        # Train on every batch once.
        result = yield from train_epoch(run, epoch, should_stop)
        trained = (trained[0] + result.names, trained[1] + result.seconds)
        if result.stopped and not result.losses:
            reason = result.stopped
            break  # stopped before this epoch trained anything
        epochs_run = epoch
        # Validate: keep the weights with the best validation score.
        val = validate(run.model, run.val_loader, run.device)
        best.offer(epoch, val, run.model)
        if result.stopped:
            reason = result.stopped
            break  # a partial epoch counts for the best model, but is not reported as an epoch
        yield EpochEvent(epoch, config.epochs, sum(result.losses) / len(result.losses), val.loss, val.accuracy,
                         val.macro_accuracy, result.seconds, result.names / max(result.seconds, 1e-9),
                         run.elapsed(), run.model)
    yield finish(run, best, epochs_run, reason, result, trained)


def run_to_end(events: Iterator[Event]) -> DoneEvent:
    """Consume a train() generator and return its DoneEvent."""
    for event in events:
        if isinstance(event, DoneEvent):
            return event
    raise TrainingError("training ended without a result")
