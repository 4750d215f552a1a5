"""What a training will cost, from its settings and its table, before it starts: its time (what the
queue tells a learner who waits behind it, serving/line.py) and its peak memory (what the budget refuses).

## Time

One name of one epoch (its training step and its share of validation) costs

    seconds = PER_BATCH / B                        the loop's own work per batch
            + FLOPS * flops(name) / 1e9            the matrix products, forward and backward
            + PER_LAYER * L * D * (T / T0) / B     per batch, per layer and direction, per letter
                                                   (the manual loop: MANUAL_LAYER, a Python step per letter)

plus PER_EPOCH per epoch, with B the batch size, L layers, D directions, T the table's mean name length (T0 = 6.3, the default
table's). The factors were fitted on one CPU thread of the 2-core development machine under load
(8 settings, 2 epochs of the default table: each within 0.7-1.2x of its measured time); the queue
corrects them by the pace of the jobs it sees running.

## Memory

A training's peak is one batch's forward and backward pass on top of a worker that has imported torch:

    peak = WORKER_BYTES + RUN_BYTES                       what every training pays
         + 16 * parameters                                weights, gradients, Adam's two moments (float32)
         + 4 * ACTIVATIONS[arch, cell] * B * T * L * D * H   what autograd keeps of the batch, per float

with B the batch size, T the table's longest name (the longest batch is padded to it), L the layers,
D the directions (2 when bidirectional) and H the hidden size. The factors were measured, and
tests/test_memory.py measures real peaks against the estimate again.

`check(config, table)` refuses a training over the budget (RNN_NAMES_MEMORY_MB, default 1500 MB per
worker) with a message that names what to lower.
"""

from __future__ import annotations

import os
from dataclasses import fields, replace

import pandas as pd
import torch

from .config import TrainConfig
from .data import V
from .limits import MAX_NAME_LENGTH
from .models import Architecture, ModelConfig, build_model, count_parameters

PER_BATCH = 1.0e-3
FLOPS = 0.046  # seconds per 1e9 flops (~22 GFLOP/s)
PER_LAYER = 4.5e-3
MANUAL_LAYER = 25e-3
PER_EPOCH = 0.2  # an epoch's own start and end: its loader, the validation pass's set-up, the best model kept
T0 = 6.3
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def flops_per_name(config: TrainConfig, length: float, inputs: int = V) -> float:
    """Multiply-adds of one name's forward and backward pass (x 2 flops, x 3 for the backward)."""
    directions = 2 if config.arch == "bidirectional" else 1
    width = config.embedding or inputs
    total = 0
    for layer in range(config.num_layers):
        reads = width if layer == 0 else config.hidden_size * directions
        total += directions * 2 * GATES[config.cell] * config.hidden_size * (reads + config.hidden_size)
    return total * length * 3


def name_seconds(config: TrainConfig, length: float) -> float:
    """One name, one epoch."""
    directions = 2 if config.arch == "bidirectional" else 1
    per_layer = MANUAL_LAYER if config.arch == "manual" else PER_LAYER
    return (PER_BATCH / config.batch_size + FLOPS * flops_per_name(config, length) / 1e9
            + per_layer * config.num_layers * directions * (length / T0) / config.batch_size)


def train_seconds(config: TrainConfig, table) -> float:
    """About how long `table` (a names table, or a Split) trains under `config`, its time limit aside."""
    rows = table.train_rows if hasattr(table, "train_rows") else table
    length = float(rows["name"].astype(str).str.len().mean()) if len(rows) else T0
    train_rows = len(rows) if hasattr(table, "train_rows") else len(rows) * (1 - config.val_fraction)
    return config.epochs * (train_rows * name_seconds(config, length) + PER_EPOCH)


def remember_seconds(config) -> float:
    """About how long the "remember the first letter" experiment takes (its RememberConfig: read by
    attribute, the core imports nothing of the rooms), its time limit aside."""
    total = 0.0
    for cell in config.cells:
        setting = TrainConfig(arch="stacked", cell=cell, hidden_size=config.hidden_size,
                              num_layers=config.num_layers, batch_size=config.batch_size)
        for k in config.ks:
            total += name_seconds(setting, k + 1) * config.train_sequences * config.epochs
    return total * config.seeds


def share_done(event) -> float | None:
    """How much of its job a training's or the experiment's event says is done (0-1), or None."""
    if hasattr(event, "runs_done"):  # remember the first letter's RememberProgress
        return (event.runs_done + event.epoch / event.epochs) / event.runs
    steps = getattr(event, "steps_per_epoch", None)
    if steps:  # a BatchEvent
        return event.step / (steps * event.epochs)
    if hasattr(event, "val_accuracy") and hasattr(event, "epochs") and hasattr(event, "epoch"):
        return event.epoch / event.epochs  # an EpochEvent
    return None


# ---------------------------------------------------------------------------------------------
# Memory

BUDGET_VARIABLE = "RNN_NAMES_MEMORY_MB"
DEFAULT_BUDGET_MB = 1500  # one worker's peak; two workers and the server fit a 16 GB Space many times over
MB = 1024 * 1024
WORKER_BYTES = 430 * MB  # a warm worker (torch imported, warmed up), measured
RUN_BYTES = 100 * MB  # a training's own start: data loader, optimizer, kernels (hidden 8, batch 8: ~91 MB)
# Floats kept per (batch item, letter, layer, direction, hidden unit), measured on the default table
# (tests/test_memory.py): the padded batches, packing and the backward's temporaries, not just the
# gates, put a gated cell near 8-10 (stacked GRU 512x2, batch 512: 798 MB real; bidirectional LSTM
# 512x4: ~1.5 GB). The manual loop keeps each step's small tensors apart, and its peak varies most between
# runs (manual GRU 256, batch 512: 517 MB in one run, 778 MB in a clean CI run): its factors cover the higher.
# A table of uniformly long names comes out up to 3x under the estimate: the budget errs on the machine's side.
ACTIVATIONS = {("stacked", "rnn"): 5.0, ("stacked", "gru"): 10.0, ("stacked", "lstm"): 10.0,
               ("bidirectional", "rnn"): 5.0, ("bidirectional", "gru"): 10.0, ("bidirectional", "lstm"): 10.0,
               ("manual", "rnn"): 22.0, ("manual", "gru"): 43.0, ("manual", "lstm"): 50.0}


def budget_bytes() -> int:
    """RNN_NAMES_MEMORY_MB in bytes, or the default; ValueError for a value that is not a whole number."""
    value = os.environ.get(BUDGET_VARIABLE, "").strip()
    if not value:
        return DEFAULT_BUDGET_MB * MB
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{BUDGET_VARIABLE}={value!r}: give a whole number of megabytes, 1 or more")
    return int(value) * MB


def parameters(config: TrainConfig, n_labels: int) -> int:
    """The model's parameter count, counted on the meta device (no memory spent)."""
    architecture = {f.name: getattr(config, f.name) for f in fields(Architecture)}
    with torch.device("meta"):
        model = build_model(ModelConfig(labels=[str(i) for i in range(max(2, n_labels))], **architecture))
    return count_parameters(model)


def longest_name(table: pd.DataFrame) -> int:
    """T: the longest name of a cleaned table (clean_table), at most MAX_NAME_LENGTH."""
    if table.empty:
        return 1
    return max(1, min(MAX_NAME_LENGTH, int(table["name"].astype(str).str.len().max())))


def estimate_bytes(config: TrainConfig, longest: int, n_labels: int) -> int:
    """The training's peak memory (a worker's whole RSS), in bytes."""
    directions = 2 if config.arch == "bidirectional" else 1
    per_float = ACTIVATIONS[config.arch, config.cell]
    activations = 4 * per_float * config.batch_size * longest * config.num_layers * directions * config.hidden_size
    return int(WORKER_BYTES + RUN_BYTES + 16 * parameters(config, n_labels) + activations)


def _lower(config: TrainConfig, longest: int, n_labels: int, budget: int) -> list[str]:
    """Single changes that bring the estimate under the budget, as the page names them."""
    tries = [("batch size", "batch_size", [b for b in (256, 128, 64, 32, 16, 8) if b < config.batch_size]),
             ("hidden size", "hidden_size", [h for h in (256, 128, 64, 32) if h < config.hidden_size]),
             ("layers", "num_layers", list(range(config.num_layers - 1, 0, -1)))]
    found = []
    for label, field, values in tries:
        fits = [v for v in values if estimate_bytes(replace(config, **{field: v}), longest, n_labels) <= budget]
        if fits:
            found.append(f"{label} {fits[0]}")
    if config.arch != "stacked" and estimate_bytes(replace(config, arch="stacked"), longest, n_labels) <= budget:
        found.append("the stacked architecture")
    return found


def check(config: TrainConfig, table: pd.DataFrame) -> str:
    """'' when the training fits the memory budget, else a sentence saying what it needs and what to lower."""
    budget = budget_bytes()
    longest, n_labels = longest_name(table), int(table["label"].nunique()) if not table.empty else 2
    need = estimate_bytes(config, longest, n_labels)
    if need <= budget:
        return ""
    lower = _lower(config, longest, n_labels, budget)
    what = f" Lower one of: {', '.join(lower)}." if lower else " Lower the batch size, the hidden size and the layers."
    return (f"This training would need about {need / MB:,.0f} MB of memory at its peak (names up to {longest} letters, "
            f"batch {config.batch_size}, hidden {config.hidden_size}, {config.num_layers} layers, {config.arch}), over "
            f"the {budget / MB:,.0f} MB one training may use here ({BUDGET_VARIABLE}).{what}")
