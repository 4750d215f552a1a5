"""How much memory a training will take at its peak, from its settings and its table, before it starts.

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
from .limits import MAX_NAME_LENGTH
from .models import Architecture, ModelConfig, build_model, count_parameters

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
