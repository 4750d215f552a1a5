"""Training as a generator of progress events.

    for event in train(table, TrainConfig(epochs=5)):
        ...  # BatchEvent after every step, EpochEvent after every epoch, DoneEvent last

The CLI prints the events, the app plots them, the tests read them; train() itself never prints.
Shapes: B batch, T time, V alphabet, C classes, N names.
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
from torch.utils.data import DataLoader

from .config import OPTIONS, TrainConfig, default_learning_rate  # noqa: F401 (re-exported)
from .data import NamesDataset, clean_table, leaky_split, make_loader, split_table
from .evaluate import Validation, validate
from .files import read_table
from .models import NameClassifier, build_model
from .objective import make_averager, make_criterion, make_optimizer


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


@dataclass
class Best:
    """The best epoch so far: its validation and a copy of its weights."""

    by_macro: bool  # keep_best 'macro' (balancing's default): the epoch with the best macro accuracy
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
    train_rows: pd.DataFrame
    labels: list[str]
    model: NameClassifier
    criterion: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | None  # one step per batch, or None
    averaged: torch.optim.swa_utils.AveragedModel | None  # moving average of the weights, or None
    start: float = field(default_factory=time.perf_counter)
    step: int = 0  # optimiser steps so far

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def validated(self) -> NameClassifier:
        """The weights that validation scores and Best keeps: the moving average when there is one."""
        return self.model if self.averaged is None else self.averaged.module


def prepare(table: pd.DataFrame, config: TrainConfig, device: torch.device) -> Run:
    """Split and encode the table, build the seeded model, the loss and the optimiser."""
    raw = read_table(table)
    table, report = clean_table(raw)
    if config.split_before_dedup:  # the wrong way round: the leakage lesson
        train_rows, val_rows = leaky_split(raw, config.val_fraction, config.seed)
    else:
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
    criterion = make_criterion(config, [report.counts[label] for label in report.labels], device)
    optimizer, scheduler = make_optimizer(model, config, len(train_loader), device)
    return Run(config, device, train_loader, val_loader, val_rows, train_rows, report.labels, model,
               criterion, optimizer, scheduler, make_averager(model, config))


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
        if run.scheduler is not None:
            run.scheduler.step()
        if run.averaged is not None:
            run.averaged.update_parameters(model)
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
        # The split, so `evaluate` can score the model on these same validation names again.
        "split": {"seed": run.config.seed, "val_fraction": run.config.val_fraction},
        # The whole run, so `python -m rnn_demo export` can write it as a script that trains it again.
        "train_config": asdict(run.config), "steps": run.step, "threads": torch.get_num_threads(),
        "table_sha256": table_sha256(pd.concat([run.train_rows, run.val_rows]).sort_index()),
    }
    names, seconds = trained
    train_loss = sum(last.losses) / len(last.losses) if last and last.losses else math.nan
    return DoneEvent(model, epochs_run, best.epoch, reason, run.elapsed(), train_loss, val.accuracy,
                     val.macro_accuracy, names / max(seconds, 1e-9), run.val_rows, run.train_rows)


def table_sha256(table: pd.DataFrame) -> str:
    """A fingerprint of a clean table's names and labels, in order: which table a run trained on."""
    rows = "\n".join(f"{name}\t{label}" for name, label in zip(table["name"], table["label"]))
    return hashlib.sha256(rows.encode("utf-8")).hexdigest()


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
    best = Best(by_macro=config.keep_best == "macro")

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
        val = validate(run.validated(), run.val_loader, run.device)
        best.offer(epoch, val, run.validated())
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
