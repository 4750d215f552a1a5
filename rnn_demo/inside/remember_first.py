"""A controlled experiment: can a cell remember the first letter after k random ones?

Each sequence is one of FIRST_LETTERS, then k random letters; its label is its first letter, so
everything the model needs is k + 1 steps back from where the classifier reads. rnn, gru and lstm
train on the same sequences at the same small size; accuracy against k shows how far back each one
still reaches.

    for event in remember_first(RememberConfig(ks=(10, 100))):
        ...  # RememberProgress after every epoch, RunDone after every training, RememberResult last

Sequences are longer than a name may be (limits.MAX_NAME_LENGTH), so they are built as tensors
directly, not as a names table. Shapes: N sequences, B batch, T = k + 1 steps, V alphabet.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from rnn_demo.data import LETTER_INDEX, LETTERS, V
from rnn_demo.inside.cells import KEEP_BIAS, keep_gate_start, set_keep_bias
from rnn_demo.models import CELLS, ModelConfig, NameClassifier, build_model

FIRST_LETTERS = "abcd"  # the labels: which letter the sequence started with (chance is 1/4)
MIN_K, MAX_K = 1, 150  # random letters after the first one
MAX_KS = 6  # k values in one experiment
MAX_SEEDS = 5
MAX_SECONDS = 600  # the longest time limit one experiment may ask for


def gate_bias_note(bias: float) -> str:
    """One sentence on what the gate-bias switch does, for a bias of `bias` in each bias vector."""
    return (f"Gate bias: the lstm's forget gate and the gru's update gate start with bias +{bias:g} in both bias "
            f"vectors (gate ≈ {keep_gate_start(bias):.2f} instead of 0.5), so a fresh cell keeps its state from step "
            "to step by default and the first letter's gradient reaches it; the plain rnn has no such gate.")


@dataclass
class RememberConfig:
    """The experiment's settings. The defaults show the lesson on every run (3 seeds: the plain rnn drops
    towards chance by k = 35, gru and lstm stay near 100 %) in about half a minute on 2 cores."""

    ks: tuple[int, ...] = (5, 20, 35)
    cells: tuple[str, ...] = tuple(CELLS)
    gate_bias: bool = True  # open the gated cells' keep gate at the start (gate_bias_note)
    gate_bias_value: float = KEEP_BIAS  # the same +2 as Gradients through time and the lesson
    seeds: int = 3  # each (cell, k) trains once per seed; accuracy is their mean, the spread their range
    hidden_size: int = 32
    num_layers: int = 1
    train_sequences: int = 2000
    val_sequences: int = 300
    epochs: int = 4
    batch_size: int = 64
    learning_rate: float = 1e-2  # Adam
    clip: float = 1.0  # max gradient norm
    time_limit: float = 120.0  # seconds: the experiment stops, keeping what finished, once past it

    def __post_init__(self):
        self.ks, self.cells = tuple(self.ks), tuple(self.cells)
        problems = []
        if not self.ks or not all(type(k) is int and MIN_K <= k <= MAX_K for k in self.ks):
            problems.append(f"each k must be a whole number from {MIN_K} to {MAX_K}, not {list(self.ks)}")
        elif len(self.ks) > MAX_KS:
            problems.append(f"at most {MAX_KS} k values, not {len(self.ks)}")
        if not self.cells or any(cell not in CELLS for cell in self.cells):
            given = ", ".join(map(str, self.cells)) or "none"
            problems.append(f"cells must be some of {', '.join(CELLS)}, not {given}")
        if not (type(self.gate_bias_value) in (int, float) and 0 < self.gate_bias_value <= 10):
            problems.append(f"gate bias must be above 0 and at most 10, not {self.gate_bias_value}")
        if not (type(self.seeds) is int and 1 <= self.seeds <= MAX_SEEDS):
            problems.append(f"seeds must be a whole number from 1 to {MAX_SEEDS}, not {self.seeds}")
        if not (type(self.time_limit) in (int, float) and 0 < self.time_limit <= MAX_SECONDS):
            problems.append(f"time limit must be above 0 and at most {MAX_SECONDS} s, not {self.time_limit}")
        if problems:
            raise ValueError("; ".join(problems))
        ModelConfig(labels=list(FIRST_LETTERS), arch="stacked", cell=self.cells[0], hidden_size=self.hidden_size,
                    num_layers=1)  # checks the size


GATE_BIAS_NOTE = gate_bias_note(RememberConfig.gate_bias_value)  # the default switch, in one sentence


@dataclass
class RememberProgress:
    """One epoch of one training finished."""

    cell: str
    k: int
    seed: int
    epoch: int
    epochs: int
    val_accuracy: float
    runs_done: int  # trainings finished before this one
    runs: int  # trainings in the whole experiment
    elapsed: float  # seconds since the experiment started


@dataclass
class RunDone:
    """One training finished; `accuracy` holds the mean over seeds of every (k, cell) done so far."""

    cell: str
    k: int
    seed: int
    val_accuracy: float
    seconds: float
    accuracy: pd.DataFrame  # index k, one column per cell (NaN where not run yet)


@dataclass
class RememberResult:
    """Validation accuracy against k per cell, averaged over seeds."""

    config: RememberConfig
    accuracy: pd.DataFrame  # index k, one column per cell: mean validation accuracy over the seeds
    runs: pd.DataFrame  # cell, k, seed, val_accuracy, seconds: every training
    seconds: float
    stopped: bool  # stopped early: `accuracy` holds what finished (NaN elsewhere)
    timed_out: bool = False  # stopped by config.time_limit, not by the caller

    def spread(self) -> pd.DataFrame:
        """Each finished (k, cell): mean, lowest and highest accuracy over its seeds, and how many ran."""
        runs = self.runs.groupby(["k", "cell"], sort=False)["val_accuracy"]
        return runs.agg(mean="mean", low="min", high="max", seeds="count").reset_index()

    def finished(self) -> str:
        """What a stopped experiment measured, e.g. 'k = 5 (rnn, gru, lstm), k = 20 (rnn)'; '' if nothing."""
        done = self.runs.groupby("k", sort=False)["cell"].unique()
        return ", ".join(f"k = {k} ({', '.join(cells)})" for k, cells in done.items())

    @property
    def explanation(self) -> str:
        """What the gate-bias switch does, in one sentence."""
        return gate_bias_note(self.config.gate_bias_value)

    def long(self) -> pd.DataFrame:
        """The accuracy table for a line plot: k, cell, accuracy (rows not run yet left out)."""
        return accuracy_long(self.accuracy)

    def first_k_below(self, cell: str, threshold: float = 0.9) -> int | None:
        """The smallest k at which a cell's accuracy is under threshold; None if it never is."""
        column = self.accuracy[cell].dropna()
        below = column[column < threshold]
        return int(below.index[0]) if len(below) else None


Event = RememberProgress | RunDone | RememberResult


def accuracy_long(accuracy: pd.DataFrame) -> pd.DataFrame:
    """A wide accuracy table (index k, a column per cell) as k, cell, accuracy rows, NaN left out."""
    return accuracy.reset_index().melt(id_vars="k", var_name="cell", value_name="accuracy").dropna()


def make_sequences(n: int, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n sequences of a first letter and k random letters: letter indices (n, k + 1), labels (n,)."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(len(FIRST_LETTERS), (n,), generator=generator)  # (n,)
    first = torch.tensor([LETTER_INDEX[ch] for ch in FIRST_LETTERS])[labels]  # (n,)
    rest = torch.tensor([LETTER_INDEX[ch] for ch in LETTERS])[torch.randint(len(LETTERS), (n, k), generator=generator)]
    return torch.cat([first[:, None], rest], dim=1), labels


def _batches(letters: torch.Tensor, labels: torch.Tensor, batch_size: int, order: torch.Tensor):
    """(one-hot (B, T, V), labels (B,)) batches in the given order."""
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        yield nn.functional.one_hot(letters[rows], V).float(), labels[rows]  # one-hot per batch, not for all N


def logits(model: NameClassifier, x: torch.Tensor) -> torch.Tensor:
    """model(x, lengths) for sequences that all have the same length: x (B, T, V) -> (B, C).

    Nothing to pack, so nn.RNN reads the tensor as it is: on a CPU an unpacked nn.RNN or nn.GRU
    trains ~5x faster than a packed one, for the same numbers."""
    out, _ = model.rnn(x)  # (B, T, H)
    return model.fc(out[:, -1])  # the state after the last step, as forward() reads it


@torch.no_grad()
def _accuracy(model: NameClassifier, letters: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    batches = _batches(letters, labels, 500, torch.arange(len(labels)))
    correct = sum((logits(model, x).argmax(dim=1) == y).sum().item() for x, y in batches)
    model.train()
    return correct / len(labels)


def new_model(cell: str, config: RememberConfig, seed: int) -> NameClassifier:
    """One layer of `cell` over the alphabet, FIRST_LETTERS as labels, seeded; keep gate opened if asked."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(ModelConfig(labels=list(FIRST_LETTERS), arch="stacked", cell=cell,
                                        hidden_size=config.hidden_size, num_layers=config.num_layers))
    if config.gate_bias and cell != "rnn":
        set_keep_bias(model, config.gate_bias_value)
    return model


def train_one(cell: str, k: int, seed: int, config: RememberConfig,
              should_stop: Callable[[], bool]) -> Iterator[tuple[int, float]]:
    """Train one cell on one k: (epoch, validation accuracy) after each epoch. Stops early, before
    any batch, once should_stop() is True."""
    train_x, train_y = make_sequences(config.train_sequences, k, seed)
    val_x, val_y = make_sequences(config.val_sequences, k, seed + 10_000)  # other sequences, same rule
    model = new_model(cell, config, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    criterion, generator = nn.CrossEntropyLoss(), torch.Generator().manual_seed(seed)
    model.train()
    for epoch in range(1, config.epochs + 1):
        for x, y in _batches(train_x, train_y, config.batch_size, torch.randperm(len(train_y), generator=generator)):
            if should_stop():
                return
            loss = criterion(logits(model, x), y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)  # long sequences: gradients can explode
            optimizer.step()
        yield epoch, _accuracy(model, val_x, val_y)


RUN_COLUMNS = ["cell", "k", "seed", "val_accuracy", "seconds"]


def _table(runs: list[tuple], config: RememberConfig) -> pd.DataFrame:
    """Mean accuracy over seeds: index k, one column per cell, NaN where nothing finished."""
    frame = pd.DataFrame(runs, columns=RUN_COLUMNS)
    mean = frame.groupby(["k", "cell"])["val_accuracy"].mean().unstack("cell") if runs else pd.DataFrame()
    return mean.reindex(index=list(config.ks), columns=list(config.cells)).rename_axis(index="k", columns=None)


def remember_first(config: RememberConfig | None = None, stop: Callable[[], bool] | None = None) -> Iterator[Event]:
    """Train every cell on every k for every seed, yielding progress; the last event is a RememberResult.

    `stop()` and config.time_limit are checked before every batch: once either says stop the experiment
    ends, and the result holds the trainings that finished (a training cut short does not count)."""
    config = config or RememberConfig()
    started, runs = time.perf_counter(), []

    def timed_out() -> bool:
        return time.perf_counter() - started > config.time_limit

    def should_stop() -> bool:
        return timed_out() or (stop is not None and stop())

    plan = [(k, seed, cell) for k in config.ks for seed in range(config.seeds) for cell in config.cells]
    for k, seed, cell in plan:  # k by k, so a plot of accuracy against k fills in from the left
        run_started, epoch, accuracy = time.perf_counter(), 0, math.nan
        for epoch, accuracy in train_one(cell, k, seed, config, should_stop):
            yield RememberProgress(cell, k, seed, epoch, config.epochs, accuracy, len(runs), len(plan),
                           time.perf_counter() - started)
        if epoch < config.epochs:
            break  # stopped
        runs.append((cell, k, seed, accuracy, time.perf_counter() - run_started))
        yield RunDone(cell, k, seed, accuracy, runs[-1][-1], _table(runs, config))
    yield RememberResult(config, _table(runs, config), pd.DataFrame(runs, columns=RUN_COLUMNS),
                         time.perf_counter() - started, stopped=len(runs) < len(plan),
                         timed_out=len(runs) < len(plan) and timed_out())
