"""Training: the guide's loop, as a generator of progress events.

    for event in train(table, TrainConfig(epochs=5)):
        ...  # BatchEvent after every step, EpochEvent after every epoch, DoneEvent last

train() reads as the guide: the data (a shuffled DataLoader), the seeded model, the loss and the
optimiser, then each epoch zero_grad -> forward -> loss -> backward -> step over every batch and a
validation that keeps the best weights. Options change it in three named places: make_criterion and
make_optimizer (objective.py) build them, AfterStep runs the schedule and weight averaging after each
step; with the options off (the defaults) all three are the guide's. train() itself never prints.

Shapes: B batch, T time, V alphabet, C classes.
"""

from __future__ import annotations

import copy
import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import pandas as pd
import torch
from torch import nn

from .config import OPTIONS, TrainConfig, default_learning_rate  # noqa: F401 (re-exported)
from .data import NamesDataset, Split, clean_table, leaky_split, make_loader, split_table, validation_batches
from .evaluate import Validation, validate
from .files import read_table
from .models import NameClassifier, build_model
from .objective import AfterStep, make_criterion, make_optimizer


class TrainingError(RuntimeError):
    """Training cannot go on (e.g. the loss stopped being a finite number)."""


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
    train_table: pd.DataFrame = field(default_factory=pd.DataFrame)  # the training split (for baselines)

    @property
    def stopped(self) -> bool:
        return self.reason != "finished"


Event = BatchEvent | EpochEvent | DoneEvent


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# Model initialisation reads torch's global RNG: hold a lock so two sessions that train at once
# each get exactly the weights their own seed gives.
_seed_lock = threading.Lock()


def seeded_model(config: TrainConfig, labels: list[str], device: torch.device) -> NameClassifier:
    """The run's model, its initial weights drawn from the run's seed."""
    with _seed_lock:
        torch.manual_seed(config.seed)
        return build_model(config.model_config(labels)).to(device)


def split_for(table: pd.DataFrame | str, config: TrainConfig) -> Split:
    """Clean a names table once and split it once, as the run's settings say. Raises DataError."""
    raw = read_table(table)
    clean, report = clean_table(raw)
    if config.split_before_dedup:  # the wrong way round: the leakage lesson
        return Split(*leaky_split(raw, config.val_fraction, config.seed), report)
    return Split(*split_table(clean, config.val_fraction, config.seed), report)


@dataclass
class Clock:
    """Whether to stop: the Stop button (stop()) or the time limit, checked between any two batches."""

    max_seconds: float | None
    stop: Callable[[], bool] | None
    start: float = field(default_factory=time.perf_counter)
    fired: str | None = None  # why training stopped early: "stopped" | "time limit"

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def reason(self) -> str | None:
        if self.stop is not None and self.stop():
            self.fired = "stopped"
        elif self.max_seconds is not None and self.elapsed() > self.max_seconds:
            self.fired = "time limit"
        return self.fired


@dataclass
class Best:
    """The best epoch so far: its validation and a copy of its weights."""

    by_macro: bool  # keep_best 'macro' (balancing's default): the epoch with the best macro accuracy
    epoch: int = 0  # 0: none yet
    validation: Validation | None = None
    state: dict | None = None

    def offer(self, epoch: int, validation: Validation, model: nn.Module) -> None:
        """Keep this epoch's weights if they beat the best so far (ties: the lower loss)."""
        if self.validation is None or validation.score(self.by_macro) > self.validation.score(self.by_macro):
            self.epoch, self.validation = epoch, validation
            self.state = copy.deepcopy(model.state_dict())


def check_finite(loss: float, epoch: int, step: int, learning_rate: float) -> float:
    """The loss, or TrainingError before a non-finite one spoils the weights."""
    if not math.isfinite(loss):
        raise TrainingError(f"the loss became {loss} at epoch {epoch}, step {step + 1}: training stopped before the "
                            f"weights were spoiled; try a lower learning rate than {learning_rate:g}")
    return loss


def train(
    table: pd.DataFrame | Split,
    config: TrainConfig | None = None,
    stop: Callable[[], bool] | None = None,
    device: torch.device | None = None,
) -> Iterator[Event]:
    """Train a new model on a names table (or its split_for with this config), yielding progress
    events; the last is a DoneEvent.

    `stop()` and the time limit are checked before every batch, training or validating: once either
    fires, training ends, the unfinished epoch is dropped unvalidated, and the DoneEvent carries the
    best model so far. Raises DataError for a bad table, TrainingError when the loss stops being finite.
    """
    config, device = config or TrainConfig(), device or default_device()
    clock = Clock(config.max_seconds, stop)
    # Data: one split; the training names in a new random order every epoch, the validation names encoded once.
    split = table if isinstance(table, Split) else split_for(table, config)
    labels = split.report.labels
    train_loader = make_loader(NamesDataset(split.train_rows, labels), config.batch_size, shuffle=True,
                               seed=config.seed)
    val_batches = validation_batches(split.val_rows, labels)
    # Model, loss and optimiser: cross-entropy and Adam unless an option says otherwise (objective.py).
    model = seeded_model(config, labels, device)
    criterion = make_criterion(config, list(split.report.counts.values()), device)
    optimizer = make_optimizer(model, config, device)
    after_step = AfterStep(model, optimizer, config, len(train_loader))

    best, tally = Best(by_macro=config.keep_best == "macro"), Tally()
    for epoch in range(1, config.epochs + 1):
        # Train: every batch once, each step zero_grad -> forward -> loss -> backward -> step.
        model.train()
        losses, started = [], time.perf_counter()
        for padded, lengths, targets in train_loader:
            if clock.reason():
                break
            padded, targets = padded.to(device), targets.to(device)  # lengths stay on the CPU
            optimizer.zero_grad()
            logits = model(padded, lengths)  # (B, C)
            loss = criterion(logits, targets)
            losses.append(check_finite(loss.item(), epoch, tally.steps, config.learning_rate))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)  # one long name can explode the gradient
            optimizer.step()
            after_step()
            tally.add_step(len(targets))
            yield BatchEvent(epoch, tally.steps, losses[-1], len(train_loader), config.epochs, clock.elapsed())
        tally.end_epoch(losses, time.perf_counter() - started)
        # Validate, unless a Stop or the time limit came first: keep the weights with the best score.
        val = None if clock.fired else validate(after_step.weights(), val_batches, device, clock.reason)
        if val is None:
            break
        best.offer(epoch, val, after_step.weights())
        tally.validated(epoch)
        yield EpochEvent(epoch, config.epochs, sum(losses) / len(losses), val.loss, val.accuracy,
                         val.macro_accuracy, tally.last_seconds, len(split.train_rows) / max(tally.last_seconds, 1e-9),
                         clock.elapsed(), model)
    yield finish(model, after_step.weights(), split, config, best, tally, clock, val_batches, device)


@dataclass
class Tally:
    """What training has done so far, for the events and the model's record."""

    steps: int = 0  # optimiser steps
    names_seen: int = 0  # training names, over all steps
    seconds: float = 0.0  # spent training (validation not included)
    last_losses: list[float] = field(default_factory=list)  # of the last (possibly partial) epoch
    last_seconds: float = 0.0
    epochs_run: int = 0  # full epochs trained and validated
    kept_steps: int = 0  # steps up to the end of the last validated epoch: what the export retrains

    def add_step(self, batch_size: int) -> None:
        self.steps, self.names_seen = self.steps + 1, self.names_seen + batch_size

    def end_epoch(self, losses: list[float], seconds: float) -> None:
        self.last_losses, self.last_seconds, self.seconds = losses, seconds, self.seconds + seconds

    def validated(self, epoch: int) -> None:
        self.epochs_run, self.kept_steps = epoch, self.steps


def finish(model: NameClassifier, weights: nn.Module, split: Split, config: TrainConfig, best: Best, tally: Tally,
           clock: Clock, val_batches: list, device: torch.device) -> DoneEvent:
    """Load the best epoch's weights, record its figures on the model, and the DoneEvent."""
    if best.state is None:  # stopped within the first epoch: the weights as they are, validated once
        best.offer(0, validate(weights, val_batches, device), weights)
        tally.kept_steps = tally.steps
    model.load_state_dict(best.state)
    model.eval()
    # The best epoch's validation measured exactly these weights: no second pass over the names.
    val, labels = best.validation, split.report.labels
    per_label = {label: accuracy for label, accuracy in zip(labels, val.per_class.tolist()) if not math.isnan(accuracy)}
    model.record = {
        "val_accuracy": val.accuracy, "val_macro_accuracy": val.macro_accuracy, "per_label": per_label,
        "best_epoch": best.epoch, "epochs_run": tally.epochs_run,
        "train_names": len(split.train_rows), "val_names": len(split.val_rows),
        # The split, so `evaluate` can score the model on these same validation names again.
        "split": {"seed": config.seed, "val_fraction": config.val_fraction},
        # The whole run, so `python -m rnn_demo export` can write it as a script that trains it again.
        "train_config": asdict(config), "steps": tally.kept_steps, "threads": torch.get_num_threads(),
        "table_sha256": table_sha256(pd.concat([split.train_rows, split.val_rows]).sort_index()),
    }
    losses = tally.last_losses
    return DoneEvent(model, tally.epochs_run, best.epoch, clock.fired or "finished", clock.elapsed(),
                     sum(losses) / len(losses) if losses else math.nan, val.accuracy, val.macro_accuracy,
                     tally.names_seen / max(tally.seconds, 1e-9), split.val_rows, split.train_rows)


def table_sha256(table: pd.DataFrame) -> str:
    """A fingerprint of a clean table's names and labels, in order: which table a run trained on."""
    rows = "\n".join(f"{name}\t{label}" for name, label in zip(table["name"], table["label"]))
    return hashlib.sha256(rows.encode("utf-8")).hexdigest()


def run_to_end(events: Iterator[Event]) -> DoneEvent:
    """Consume a train() generator and return its DoneEvent."""
    for event in events:
        if isinstance(event, DoneEvent):
            return event
    raise TrainingError("training ended without a result")
